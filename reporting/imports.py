"""Spreadsheet import of bilans (django-import-export), XLSX or CSV as French spreadsheets write it.

All or nothing, in one pass: every row is checked in memory first (the organisation's posts and
bilans are read once, no query per row); only when no row is wrong are the bilans and their
history written, in bulk and in one transaction (rolled back if the database refuses them).
Otherwise nothing is written and the report names each faulty row, column and reason.
CSV: semicolon or comma separator, decimal comma, UTF-8 with or without BOM, or Windows-1252.
Only drafts (or bilans sent back) are created or updated; posts are named by their identifier
(slug) within the importer's organisation. The way in is the service
``reporting.services.bilans_import`` (who may import, a new bilan's defaults as ``bilan_create``),
called by the worker (``services.bilans_import_job``, through ``iscg.imports``): the page only
deposits the file.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from conventions.models import Post
from iscg import history, spreadsheets
from iscg.spreadsheets import FileError, read_csv
from reporting import rules
from reporting.exports import french_csv
from reporting.models import EDITABLE_STATUSES, Bilan

# column → (model attribute, kind)
COLUMNS: dict[str, tuple[str, str]] = {
    "poste": ("post", "post"),
    "annee": ("year", "int"),
    "saisines_femmes": ("referrals_women", "int"),
    "saisines_hommes": ("referrals_men", "int"),
    "saisines_enfants": ("referrals_children", "int"),
    "saisines_total": ("referrals_total", "int"),
    "saisines_non_ventilees": ("referrals_not_split", "bool"),
    "public_victimes": ("public_victims", "int"),
    "public_mis_en_cause": ("public_suspects", "int"),
    "public_hors_champ_penal": ("public_other", "int"),
    "public_non_ventile": ("public_not_split", "bool"),
    "origine_services": ("origin_services", "int"),
    "origine_main_courante": ("origin_main_courante", "int"),
    "origine_partenaires": ("origin_partners", "int"),
    "origine_demande_personne": ("origin_own_request", "int"),
    "origine_non_ventilee": ("origin_not_split", "bool"),
    "entretiens_physiques": ("interviews_in_person", "int"),
    "entretiens_telephoniques": ("interviews_phone", "int"),
    "entretiens_total": ("interviews_total", "int"),
    "entretiens_dont_partenaires": ("interviews_with_partners", "int"),
    "entretiens_non_ventiles": ("interviews_not_split", "bool"),
    "pct_vif": ("vif_pct", "pct"),
    "deja_connues_service_social": ("known_to_social_services", "int"),
    "nombre_epci": ("epci_count", "int"),
    "nombre_communes": ("communes_count", "int"),
    "commentaire": ("comment", "text"),
    "motif_absence_bilan": ("no_report_reason", "text"),
}


def column_labels() -> list[tuple[str, str]]:
    """Each optional column and what it holds, in the words of the bilan form."""
    return [
        (column, str(Bilan._meta.get_field(attribute).verbose_name))
        for column, (attribute, _) in COLUMNS.items()
        if column not in REQUIRED
    ]


PROBLEM_COLUMN = "probleme_"
ORIENTATION_COLUMN = "orientation_"
REQUIRED = ("poste", "annee")
COLUMN_OF = {attribute: column for column, (attribute, _) in COLUMNS.items()}
COLUMN_OF.update(problems="probleme_…", orientations="orientation_…")

SPACES = re.compile(r"[\s\u00a0\u202f]")
TRUE = {"oui", "o", "x", "1", "vrai", "true", "yes"}
FALSE = {"non", "n", "0", "faux", "false", "no", ""}


# --------------------------------------------------------------------------- widgets


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class FrenchIntegerWidget(widgets.Widget):
    """ "1 000", "1000", 1000.0 (from XLSX) → 1000; refuses decimals and negatives."""

    def clean(self, value, row=None, **kwargs):
        text = SPACES.sub("", _text(value))
        if not text:
            return None
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:
            raise ValueError(f"« {value} » n'est pas un nombre entier.") from exc
        if number != number.to_integral_value():
            raise ValueError(f"« {value} » n'est pas un nombre entier.")
        if number < 0:
            raise ValueError(f"« {value} » est négatif.")
        return int(number)


class FrenchPercentWidget(widgets.Widget):
    """A percentage between 0 and 100 as written: "61,5", "61,5 %", 61.5 → Decimal("61.50")."""

    def clean(self, value, row=None, **kwargs):
        text = SPACES.sub("", _text(value)).rstrip("%")
        if not text:
            return None
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:
            raise ValueError(f"« {value} » n'est pas un pourcentage.") from exc
        return number.quantize(Decimal("0.01"))


class FrenchBooleanWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError(f"« {value} » : écrivez oui ou non.")


class PostWidget(widgets.Widget):
    """A post by its identifier (slug), within the importer's organisation only."""

    def __init__(self, organisation):
        super().__init__()
        self.organisation = organisation
        posts = Post.objects.filter(organisation=organisation).prefetch_related("epcis")
        self.posts = {p.slug: p for p in posts}

    def clean(self, value, row=None, **kwargs):
        slug = _text(value)
        if not slug:
            raise ValueError("Identifiant du poste manquant.")
        post = self.posts.get(slug)
        if post is None:
            raise ValueError(f"Poste « {slug} » inconnu dans {self.organisation}.")
        return post


# --------------------------------------------------------------------------- resource

#: Rows written per INSERT / UPDATE statement (bilans and their history rows).
BATCH_SIZE = 500
#: The model fields a file may set, checked on each row (with the rules of ``Bilan.clean``).
#: The others (post, workflow, dates) are not taken from the file: no per-row check, no query.
IMPORTED_FIELDS = frozenset(
    [attribute for attribute, _ in COLUMNS.values() if attribute != "post"]
    + ["problems", "orientations"]
)
NOT_IMPORTED_FIELDS = frozenset(f.name for f in Bilan._meta.concrete_fields) - IMPORTED_FIELDS


class BilanResource(resources.ModelResource):
    """One pass over the rows, in bulk: the organisation's posts and bilans are read once, each
    row is checked in memory (widgets, field validators, ``reporting/rules.py``, the table's
    constraints), and the bilans are written with their history only when no row is wrong."""

    def __init__(self, organisation, user, defaults=None, progress=None):
        super().__init__()
        self.user = user
        #: ``progress(done, total)``: each row checked (``iscg.imports``), or None.
        self.progress = progress
        self.total = 0
        #: post → the values a new bilan starts with (``services.new_bilan_defaults``).
        self.defaults = defaults or (lambda post: {})
        self.fields = {}
        kinds = {
            "int": FrenchIntegerWidget,
            "pct": FrenchPercentWidget,
            "bool": FrenchBooleanWidget,
            "text": widgets.CharWidget,
        }
        post_widget = PostWidget(organisation)
        for column, (attribute, kind) in COLUMNS.items():
            widget = post_widget if kind == "post" else kinds[kind]()
            self.fields[attribute] = fields.Field(
                attribute=attribute, column_name=column, widget=widget
            )
        posts_by_id = {post.pk: post for post in post_widget.posts.values()}
        #: (post id, year) → the organisation's bilan, read once (its post set without a query).
        self.existing: dict[tuple[int, int], Bilan] = {}
        for bilan in Bilan.objects.filter(post__organisation=organisation).order_by():
            bilan.post = posts_by_id[bilan.post_id]
            self.existing[(bilan.post_id, bilan.year)] = bilan
        #: (post id, year) → line of the file that carries it, to refuse a second one.
        self.seen: dict[tuple[int, int], int] = {}
        self.updated_columns: set[str] = set()

    class Meta:
        model = Bilan
        import_id_fields = ("post", "year")
        skip_diff = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        #: No intermediate flush: every row is checked before the first one is written.
        batch_size = None

    def get_import_id_fields(self):
        return ["post", "year"]

    def _key(self, row) -> tuple[int, int] | None:
        try:
            post = self.fields["post"].clean(row)
            year = self.fields["year"].clean(row)
        except ValueError:
            return None
        return None if year is None else (post.pk, year)

    def get_instance(self, instance_loader, row):
        key = self._key(row)
        if key is None or key in self.seen:  # a repeated line is refused in import_instance
            return None
        return self.existing.get(key)

    def before_import(self, dataset, **kwargs):
        self.total = len(dataset)
        if self.progress is not None:
            self.progress(0, self.total)
        self.updated_columns = {
            attribute
            for column, (attribute, _) in COLUMNS.items()
            if column in (dataset.headers or []) and attribute not in ("post", "year")
        }
        headers = dataset.headers or []
        for attribute, prefix in (
            ("problems", PROBLEM_COLUMN),
            ("orientations", ORIENTATION_COLUMN),
        ):
            if any(column.startswith(prefix) for column in headers):
                self.updated_columns.add(attribute)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "post" not in errors and "year" not in errors and instance.year is not None:
            line = kwargs["row_number"] + 1  # the header is line 1
            key = (instance.post_id, instance.year)
            first = self.seen.setdefault(key, line)
            if first != line:
                errors.setdefault("post", []).append(
                    f"Le poste « {instance.post.slug} » a déjà une ligne pour {instance.year} "
                    f"(ligne {first})."
                )
        for attribute, prefix in (
            ("problems", PROBLEM_COLUMN),
            ("orientations", ORIENTATION_COLUMN),
        ):
            counts = {}
            for column, value in row.items():
                if not column.startswith(prefix):
                    continue
                try:
                    number = FrenchIntegerWidget().clean(value)
                except ValueError as exc:
                    errors.setdefault(attribute, []).append(f"{column} : {exc}")
                    continue
                if number is not None:
                    counts[column.removeprefix(prefix)] = number
            if counts:
                setattr(instance, attribute, counts)
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.progress is not None:
            self.progress(kwargs.get("row_number", 0), self.total)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The checks of ``full_clean`` without a query per row: the imported fields' own
        validators and the rules (``Bilan.clean``, and the inconsistencies a draft entered by
        hand may keep: an imported row has none); the one post/year is ensured by the lookup in
        ``existing`` and the refusal of repeated lines; the table's check constraints are
        refused by those rules first (``rules.no_report_issues``), never re-checked here."""
        errors = dict(import_validation_errors or {})
        if instance.pk and instance.status not in EDITABLE_STATUSES:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                f"Le bilan {instance.year} de ce poste est "
                f"{instance.get_status_display().lower()} : il ne se modifie plus."
            )
        if not instance.pk and instance.post_id is not None:
            for name, value in self.defaults(instance.post).items():
                if getattr(instance, name) is None:  # a value in the file wins
                    setattr(instance, name, value)
        try:
            instance.full_clean(
                exclude=NOT_IMPORTED_FIELDS | set(errors),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.is_editable:
            # A draft entered in the form is kept with figures that do not add up yet; a file
            # is imported consistent, or not at all.
            for issue in rules.inconsistencies(rules.bilan_issues(instance.figures())):
                errors.setdefault(issue.field or NON_FIELD_ERRORS, []).append(issue.message)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        history.attribute(instance, by=self.user)

    def _writes(self, dry_run, result) -> bool:
        """Write only for real, and only while no row is wrong (the import is then undone)."""
        return not dry_run and not (result.has_errors() or result.has_validation_errors())

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        try:
            if self.create_instances and self._writes(dry_run, result):
                bulk_create_with_history(
                    self.create_instances, Bilan, batch_size=BATCH_SIZE, default_user=self.user
                )
        except Exception as exc:  # reported as a file error; the transaction is rolled back
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        try:
            if self.update_instances and self._writes(dry_run, result):
                now = timezone.now()
                for bilan in self.update_instances:
                    bilan.updated_at = now
                bulk_update_with_history(
                    self.update_instances,
                    Bilan,
                    sorted(self.updated_columns | {"updated_at"}),
                    batch_size=BATCH_SIZE,
                    default_user=self.user,
                )
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()


# --------------------------------------------------------------------------- reading files


def read_xlsx(content: bytes) -> tuple[list[str], list[list]]:
    """The first sheet's header (as text) and rows (``iscg.spreadsheets``, shared with the
    imports of parties and posts)."""
    header, rows = spreadsheets.read_xlsx(content)
    return ["" if cell is None else str(cell) for cell in header], rows


def normalise_header(name: str) -> str:
    return SPACES.sub("_", _text(name).lstrip("\ufeff").lower())


def to_dataset(header: list[str], rows: list[list]) -> tablib.Dataset:
    header = [normalise_header(name) for name in header]
    width = len(header)
    dataset = tablib.Dataset(headers=header)
    for row in rows:
        row = list(row)[:width] + [None] * (width - len(row))
        dataset.append(row)
    return dataset


# --------------------------------------------------------------------------- import


@dataclass
class RowError:
    line: int | None
    column: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_errors(dataset: tablib.Dataset) -> list[RowError]:
    errors = []
    headers = set(dataset.headers or [])
    for column in REQUIRED:
        if column not in headers:
            errors.append(RowError(None, column, f"Colonne « {column} » absente."))
    known = set(COLUMNS)
    for column in dataset.headers or []:
        if not column or column in known:
            continue
        key_prefix = next(
            (p for p in (PROBLEM_COLUMN, ORIENTATION_COLUMN) if column.startswith(p)), None
        )
        allowed = {PROBLEM_COLUMN: rules.PROBLEMS, ORIENTATION_COLUMN: rules.ORIENTATIONS}
        if key_prefix and column.removeprefix(key_prefix) in allowed[key_prefix]:
            continue
        errors.append(RowError(None, column, f"Colonne « {column} » inconnue."))
    if not len(dataset):
        errors.append(RowError(None, "—", "Aucune ligne de données."))
    return errors


def _row_errors(result) -> list[RowError]:
    errors = []
    for invalid in result.invalid_rows:
        line = invalid.number + 1  # the header is line 1
        for attribute, messages in invalid.error_dict.items():
            column = "—" if attribute == NON_FIELD_ERRORS else COLUMN_OF.get(attribute, attribute)
            for message in messages:
                errors.append(RowError(line, column, message))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(RowError(number + 1, "—", f"Erreur inattendue : {error.error}"))
    for error in result.base_errors:  # e.g. the bulk write refused by the database
        errors.append(RowError(None, "—", f"Erreur inattendue : {error.error}"))
    return sorted(errors, key=lambda e: (e.line or 0, e.column))


def import_file(
    content: bytes, filename: str, *, user, organisation, defaults=None, progress=None
) -> ImportReport:
    """Check every row; write them all only when none is wrong. Called by the service
    ``reporting.services.bilans_import``, which gives the ``defaults`` of a new bilan."""
    report = ImportReport()
    try:
        if filename.lower().endswith(".xlsx"):
            header, rows = read_xlsx(content)
        elif filename.lower().endswith((".csv", ".txt")):
            header, rows = read_csv(content)
        else:
            raise FileError("Format non reconnu : déposez un fichier .xlsx ou .csv.")
    except FileError as exc:
        report.errors.append(RowError(None, "—", str(exc)))
        return report
    rows = [row for row in rows if any(_text(cell) for cell in row)]
    dataset = to_dataset(header, rows)
    report.rows = len(dataset)
    report.errors = _file_errors(dataset)
    if report.errors:
        return report
    result = BilanResource(organisation, user, defaults, progress).import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    report.errors = _row_errors(result)
    if not report.errors:
        report.created = result.totals.get("new", 0)
        report.updated = result.totals.get("update", 0)
    return report


def template_csv() -> bytes:
    """An empty import file with every column (and one example row), French spreadsheet style."""
    header = list(COLUMNS) + [PROBLEM_COLUMN + key for key in rules.PROBLEMS]
    header += [ORIENTATION_COLUMN + key for key in rules.ORIENTATIONS]
    example = {
        "poste": "isg_ternois",
        "annee": 2023,
        "saisines_femmes": 127,
        "saisines_hommes": 91,
        "saisines_enfants": 27,
        "saisines_total": 245,
        "saisines_non_ventilees": "non",
        "entretiens_total": 424,
        "entretiens_non_ventiles": "oui",
        "pct_vif": Decimal("38.5"),
        "commentaire": "Constats anonymes uniquement.",
    }
    return french_csv(header, [[example.get(column) for column in header]])


def error_text(error: RowError) -> str:
    """« Ligne 3, colonne « saisines_total » : … », as the job's page lists it."""
    where = []
    if error.line:
        where.append(f"Ligne {error.line}")
    if error.column and error.column != "—":
        where.append(f"colonne « {error.column} »")
    return f"{', '.join(where)} : {error.message}" if where else error.message
