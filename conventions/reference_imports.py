"""Import of parties and posts from a spreadsheet, from their list pages.

Every row is checked by the same form as the page (``conventions.reference_forms``: SIRET, kind,
employer of the organisation…) and written by the same service (``conventions.reference``:
generated identifier, history). All or nothing: the rows are written in one transaction, rolled
back when any row is wrong, and the report names each faulty row (« Ligne 4 : … »; the header is
line 1). A row whose name is already a party (a post) of the organisation updates it.

The pages only deposit the file: the worker runs the import (``parties_job``, ``posts_job``,
through ``iscg.imports``), reporting its progress row by row.

The back-office keeps its django-import-export resources (``conventions/resources.py``) for
administrators, whose files name the organisation and identifiers.
"""

import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from conventions import reference
from conventions.models import Party, PartyKind, Post, PostKind
from conventions.reference_forms import PartyForm, PostForm
from iscg import imports, perms, spreadsheets


@dataclass(frozen=True)
class Column:
    key: str  # the header, as ``spreadsheets.header_key`` reads it
    field: str  # the form's field
    label: str  # what the page says it holds
    required: bool = False
    number: bool = False


PARTY_COLUMNS = [
    Column("nature", "kind", "Nature : État, EPCI, Commune, CCAS / CIAS, Association…", True),
    Column("denomination", "name", "Dénomination officielle", True),
    Column("nom_court", "short_name", "Nom court (facultatif)"),
    Column("siret", "siret", "SIRET, 14 chiffres (facultatif)"),
    Column("rna", "rna", "Numéro RNA des associations, W suivi de 9 chiffres (facultatif)"),
    Column("adresse", "address", "Adresse (facultatif)"),
    Column("remarques", "notes", "Remarques (facultatif)"),
]
POST_COLUMNS = [
    Column("intitule", "name", "Intitulé du poste", True),
    Column("type", "kind", "Type : ISC, ISG ou ISCG", True),
    Column("employeur", "employer", "Employeur : nom d'une partie déjà enregistrée", True),
    Column("autorite_hierarchique", "hierarchical_authority", "Autorité hiérarchique"),
    Column("autorite_fonctionnelle", "functional_authority", "Autorité fonctionnelle"),
    Column("temps_de_travail", "working_time_pct", "Temps de travail en % (ex. 80)", number=True),
    Column("heures_hebdomadaires", "weekly_hours", "Heures par semaine (ex. 35)", number=True),
    Column("territoire", "territory_text", "Territoire couvert"),
    Column("nombre_communes", "communes_count", "Nombre de communes", number=True),
    Column("premiere_annee", "first_year", "Première année de service (ex. 2023)", number=True),
    Column("premier_jour", "start_date", "Premier jour de service (ex. 01/09/2023)"),
    Column("remarques", "notes", "Remarques"),
]


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _choice(value: str, choices) -> str:
    """A kind written as its code or its label, whatever the accents and case (« État »,
    « etat », « EPCI »); unknown: returned as is, the form refuses it."""
    wanted = _plain(value)
    for code, label in choices:
        if wanted in (_plain(code), _plain(str(label))):
            return code
    return value


def _number(value: str) -> str:
    """« 80 % », « 80,5 », « 1 600 » as the form reads numbers."""
    return spreadsheets.SPACES.sub("", value).replace("%", "").replace(",", ".")


def _header_errors(header: list[str], columns: list[Column]) -> list[str]:
    known = {c.key for c in columns}
    errors = [
        f"Colonne « {c.key} » absente (ligne 1)."
        for c in columns
        if c.required and c.key not in header
    ]
    errors += [
        f"Colonne « {key} » inconnue (ligne 1)." for key in header if key and key not in known
    ]
    return errors


def _form_errors(line: int, form, columns: list[Column]) -> list[str]:
    column_of = {c.field: c.key for c in columns}
    messages = []
    for name, errors in form.errors.items():
        where = f"colonne « {column_of[name]} »" if name in column_of else None
        for error in errors:
            messages.append(f"Ligne {line}{', ' + where if where else ''} : {error}")
    return messages


def _only_given(form, values):
    """A column left out of the file keeps what the party or post has."""
    for name in list(form.fields):
        if name not in values:
            del form.fields[name]
    return form


def _run(
    content: bytes, filename: str, columns: list[Column], save_row, progress=None
) -> ImportReport:
    report = ImportReport()
    try:
        header, rows = spreadsheets.read(content, filename)
    except spreadsheets.FileError as exc:
        report.errors.append(str(exc))
        return report
    report.errors = _header_errors(header, columns)
    numbered = [(index + 2, row) for index, row in enumerate(rows) if any(row)]
    if not numbered:
        report.errors.append("Aucune ligne à importer.")
    if report.errors:
        return report
    by_key = {c.key: c for c in columns}
    total = len(numbered)
    with transaction.atomic():
        for done, (line, row) in enumerate(numbered):
            if progress is not None:
                progress(done, total)
            values = {}
            for key, cell in zip(header, row, strict=True):
                column = by_key.get(key)
                if column is not None:
                    values[column.field] = _number(cell) if column.number else cell
            try:
                created = save_row(line, values, report)
            except ValidationError as exc:
                report.errors.extend(f"Ligne {line} : {message}" for message in exc.messages)
                continue
            if created is True:
                report.created += 1
            elif created is False:
                report.updated += 1
        if progress is not None:
            progress(total, total)
        if report.errors:
            report.created = report.updated = 0
            transaction.set_rollback(True)
    return report


def parties_import(
    content: bytes, filename: str, *, organisation, by, progress=None
) -> ImportReport:
    """Import parties into ``organisation`` (see the module's docstring)."""
    existing = {_plain(p.name): p for p in Party.objects.filter(organisation=organisation)}

    def save_row(line, values, report):
        values["kind"] = _choice(values.get("kind", ""), PartyKind.choices)
        party = existing.get(_plain(values.get("name", "")))
        form = _only_given(PartyForm(values, instance=party), values)
        if not form.is_valid():
            report.errors.extend(_form_errors(line, form, PARTY_COLUMNS))
            return None
        saved = reference.party_save(
            organisation=organisation, values=form.cleaned_data, by=by, party=party
        )
        existing[_plain(saved.name)] = saved
        return party is None

    return _run(content, filename, PARTY_COLUMNS, save_row, progress)


def posts_import(content: bytes, filename: str, *, organisation, by, progress=None) -> ImportReport:
    """Import posts into ``organisation``; the employer is named by its name, short name or
    identifier among the organisation's parties (see the module's docstring)."""
    parties = list(Party.objects.filter(organisation=organisation))
    employers = {}
    for party in parties:
        for name in (party.slug, party.name, party.short_name):
            if name:
                employers.setdefault(_plain(name), party)
    existing = {_plain(p.name): p for p in Post.objects.filter(organisation=organisation)}

    def save_row(line, values, report):
        values["kind"] = _choice(values.get("kind", ""), PostKind.choices)
        employer_name = values.get("employer", "")
        employer = employers.get(_plain(employer_name))
        if employer is None:
            report.errors.append(
                f"Ligne {line}, colonne « employeur » : aucune partie « {employer_name} » "
                "dans votre organisation (enregistrez-la d'abord)."
                if employer_name
                else f"Ligne {line}, colonne « employeur » : indiquez l'employeur."
            )
            return None
        values["employer"] = employer.pk
        post = existing.get(_plain(values.get("name", "")))
        form = _only_given(PostForm(values, instance=post, organisation=organisation), values)
        if not form.is_valid():
            report.errors.extend(_form_errors(line, form, POST_COLUMNS))
            return None
        saved = reference.post_save(
            organisation=organisation, values=form.cleaned_data, by=by, post=post
        )
        existing[_plain(saved.name)] = saved
        return post is None

    return _run(content, filename, POST_COLUMNS, save_row, progress)


# --------------------------------------------------------------------------- run by the worker

PARTY_WORDS = (("partie ajoutée", "parties ajoutées"), ("mise à jour", "mises à jour"))
POST_WORDS = (("poste ajouté", "postes ajoutés"), ("mis à jour", "mis à jour"))


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number <= 1 else plural}"


def _still_allowed(job) -> None:
    """The uploader must still be a gestionnaire of the organisation when the worker runs."""
    if not perms.can_edit_in(job.user, job.organisation_id):
        raise PermissionDenied(
            "Le compte qui a déposé ce fichier n'est plus gestionnaire de l'organisation : "
            "rien n'a été importé."
        )


def _outcome(report: ImportReport, words) -> imports.Outcome:
    added, updated = words
    return imports.Outcome(
        created=report.created,
        updated=report.updated,
        summary=f"{_count(report.created, *added)}, {_count(report.updated, *updated)}.",
        errors=list(report.errors),
    )


def parties_job(job, progress) -> imports.Outcome:
    """The worker's import of a deposited file of parties (``iscg.imports``)."""
    _still_allowed(job)
    report = parties_import(
        bytes(job.content),
        job.filename,
        organisation=job.organisation,
        by=job.user,
        progress=progress,
    )
    return _outcome(report, PARTY_WORDS)


def posts_job(job, progress) -> imports.Outcome:
    """The worker's import of a deposited file of posts (``iscg.imports``)."""
    _still_allowed(job)
    report = posts_import(
        bytes(job.content),
        job.filename,
        organisation=job.organisation,
        by=job.user,
        progress=progress,
    )
    return _outcome(report, POST_WORDS)
