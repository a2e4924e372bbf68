"""Open data of the subsidies an organisation grants: SCDL « Subventions » 2.1.1.

What is published comes from the annual table, hence from the effective plans
(``financing/effective.py``: the latest signed act covering the year; drafts and acts awaiting
signature are never published): every share that the organisation's own party pays **another
employer** for a post, summed into one row per convention and beneficiary (the employer of the
posts). ``montant`` is the organisation's whole subsidy in that convention (« avant répartition
entre les bénéficiaires »), ``pourcentageSubvention`` the beneficiary's part of it (1.00 when it
is the only one). Conventions d'objectifs granted on top of a post's own convention are shown
beside the annual table and never added to it: they are not published twice either.

The schema is shipped with the project (``financing/schemas/scdl-subventions-2.1.1.json``,
written from https://schema.data.gouv.fr/scdl/subventions/2.1.1/) and every file is checked
with frictionless before it is offered, plus the rule the Table Schema cannot say (since 2.1.0:
``idBeneficiaire`` or ``rnaBeneficiaire`` must be filled). A row that would break a rule is not
exported: it is listed, in French, with what to fix and where.

``build_rows``, ``percentage``, ``explain_empty`` are plain functions tested without the
database; ``validate_csv`` runs frictionless on the bytes of the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.urls import reverse
from stdnum.fr import siret

from conventions.validators import RNA_PATTERN
from iscg.formatting import count_words, format_euros, format_number

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "scdl-subventions-2.1.1.json"
SCHEMA_VERSION = "2.1.1"

#: One row of the file: column → text.
Row = dict[str, str]

#: The 16 columns of SCDL Subventions 2.1.1, in the schema's order.
COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
#: « Moins de 256 caractères » (maxLength 256 in the schema).
OBJET_MAX = 256
#: « Valeur entre 0.01 et 1 ».
PERCENT_MIN = Decimal("0.01")
ZERO = Decimal(0)


# --------------------------------------------------------------------------- what is wrong


@dataclass(frozen=True)
class Fix:
    """Something to correct, said as the page shows it: « CC du Ternois : SIRET manquant —
    le renseigner », the last words linking to ``url``."""

    subject: str
    problem: str
    action: str = ""
    url: str = ""

    @property
    def text(self) -> str:
        tail = f" — {self.action}" if self.action else ""
        return f"{self.subject} : {self.problem}{tail}"


@dataclass
class Blocked:
    """A row that cannot be published, and why."""

    convention: Any
    beneficiary: Any
    amount: Decimal
    posts: list[str]
    fixes: list[Fix]

    @property
    def label(self) -> str:
        return f"{self.convention.reference} ({', '.join(self.posts)}, {format_euros(self.amount)})"

    @property
    def text(self) -> str:
        return f"{self.label} : " + " ; ".join(fix.text for fix in self.fixes)


def party_words(party: Any) -> str:
    """The party as a list names it (« CC du Ternois »), its full name when the short one is
    only its kind (« Département »)."""
    short = str(party)
    return party.name if short == party.get_kind_display() else short


def _party_fix(party: Any, problem: str) -> Fix:
    return Fix(
        subject=party_words(party),
        problem=problem,
        action="le renseigner" if "manquant" in problem else "le corriger",
        url=reverse("conventions:party_edit", args=[party.pk]),
    )


def attributor_fixes(party: Any) -> list[Fix]:
    """What stops the organisation's own party from being named as ``idAttribuant``."""
    if not party.siret:
        return [_party_fix(party, "SIRET manquant")]
    if not siret.is_valid(party.siret):
        return [_party_fix(party, "SIRET invalide (la clé de contrôle ne correspond pas)")]
    return []


def beneficiary_fixes(party: Any) -> list[Fix]:
    """The « SIRET ou RNA » rule of 2.1.x, with each number valid when it is given."""
    fixes = []
    if party.siret and not siret.is_valid(party.siret):
        fixes.append(_party_fix(party, "SIRET invalide (la clé de contrôle ne correspond pas)"))
    rna = getattr(party, "rna", "")
    if rna and not RNA_PATTERN.match(rna):
        fixes.append(_party_fix(party, "numéro RNA invalide (W suivi de 9 chiffres)"))
    if not party.siret and not rna:
        missing = (
            "SIRET ou numéro RNA manquant" if party.kind == "association" else "SIRET manquant"
        )
        fixes.append(_party_fix(party, missing))
    return fixes


# --------------------------------------------------------------------------- the rows


def percentage(part: Decimal, whole: Decimal) -> Decimal:
    """The beneficiary's part of the subsidy, as the schema writes it: a decimal between 0.01
    and 1, « 1.00 » for a single beneficiary, four decimals at most (1/3 → 0.3333)."""
    if whole <= 0:
        raise ValueError("the whole subsidy must be positive")
    if part == whole:
        return Decimal("1.00")
    value = (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN).normalize()
    exponent = value.as_tuple().exponent  # an int for a finite number
    if isinstance(exponent, int) and exponent <= -2:
        return value
    return value.quantize(Decimal("0.01"))


def payment_period(year: int, start: date | None, end: date | None) -> str:
    """The convention's period within the budget year, « AAAA-MM-JJ/AAAA-MM-JJ »: the date of
    the payment is not known here, and the schema asks for the period then."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if start and first <= start <= last:
        first = start
    if end and first <= end <= last:
        last = end
    return f"{first.isoformat()}/{last.isoformat()}"


def _objet(year: int, posts: list[str]) -> str:
    what = "du poste" if len(posts) == 1 else "des postes"
    text = f"Financement {year} {what} d'intervenant social en commissariat et gendarmerie : "
    text += ", ".join(posts)
    return text if len(text) <= OBJET_MAX else text[: OBJET_MAX - 1] + "…"


@dataclass
class _Grant:
    convention: Any
    beneficiary: Any
    amount: Decimal = ZERO
    posts: list[str] = field(default_factory=list)


def grants(table: Any) -> list[_Grant]:
    """The organisation's shares paid to another employer, one per convention and employer,
    in the annual table's order (its rows are the effective plans)."""
    own = table.organisation.party
    found: OrderedDict[tuple[int, int], _Grant] = OrderedDict()
    if own is None:
        return []
    for row in table.rows:
        for cell in row.cells:
            if cell.party.pk != own.pk or cell.is_employer or cell.amount <= 0:
                continue
            key = (row.convention.pk, row.employer.pk)
            grant = found.setdefault(key, _Grant(row.convention, row.employer))
            grant.amount += cell.amount
            if row.post.name not in grant.posts:
                grant.posts.append(row.post.name)
    return list(found.values())


@dataclass(frozen=True)
class Line:
    """A published row as the page shows it."""

    convention: Any
    beneficiary: Any
    posts: tuple[str, ...]
    signed_on: date
    decision: str
    amount: Decimal
    total: Decimal
    part: Decimal

    @property
    def part_words(self) -> str:
        """« 100 % », « 33,33 % »."""
        return f"{format_number(self.part * 100, 2).removesuffix(',00')}\u00a0%"


def build_rows(
    table: Any, decisions: dict[int, str] | None = None
) -> tuple[list[Row], list[Blocked]]:
    """The year's rows in the 16 columns, and the rows that cannot be published (with what to
    fix). ``decisions``: the reference of the deliberation granting each convention's subsidy
    (by convention id), when known."""
    rows, blocked, _lines = build(table, decisions)
    return rows, blocked


def build(
    table: Any, decisions: dict[int, str] | None = None
) -> tuple[list[Row], list[Blocked], list[Line]]:
    """``build_rows``, with each published row as the page shows it."""
    decisions = decisions or {}
    own = table.organisation.party
    found = grants(table)
    totals: dict[int, Decimal] = {}
    for grant in found:
        totals[grant.convention.pk] = totals.get(grant.convention.pk, ZERO) + grant.amount
    own_fixes = attributor_fixes(own) if own is not None else []
    rows, blocked, lines = [], [], []
    for grant in found:
        convention = grant.convention
        total = totals[convention.pk]
        fixes = list(own_fixes) + beneficiary_fixes(grant.beneficiary)
        signed_on = convention.signature_date or convention.effective_start_date
        if signed_on is None:
            fixes.append(
                Fix(
                    subject=convention.reference,
                    problem="date de signature inconnue",
                    action="la renseigner",
                    url=reverse("conventions:signatures", args=[convention.reference]),
                )
            )
        part = percentage(grant.amount, total)
        if part < PERCENT_MIN:
            fixes.append(
                Fix(
                    subject=party_words(grant.beneficiary),
                    problem=f"part de {format_euros(grant.amount)} sur {format_euros(total)}, "
                    "inférieure à 1 % que le modèle n'accepte pas",
                )
            )
        if fixes:
            blocked.append(Blocked(convention, grant.beneficiary, grant.amount, grant.posts, fixes))
            continue
        beneficiary = grant.beneficiary
        rows.append(
            {
                "nomAttribuant": own.name,
                "idAttribuant": own.siret,
                "dateConvention": signed_on.isoformat(),
                "referenceDecision": decisions.get(convention.pk, ""),
                "nomBeneficiaire": beneficiary.name,
                "idBeneficiaire": beneficiary.siret,
                "rnaBeneficiaire": getattr(beneficiary, "rna", ""),
                "objet": _objet(table.year, grant.posts),
                "montant": f"{total:.2f}",
                "nature": "aide en numéraire",
                "conditionsVersement": "unique",
                "datesPeriodeVersement": payment_period(
                    table.year, convention.effective_start_date, convention.computed_end_date
                ),
                "idRAE": "",
                "notificationUE": "non",
                "pourcentageSubvention": str(part),
                "dispositifAide": "",
            }
        )
        lines.append(
            Line(
                convention,
                beneficiary,
                tuple(grant.posts),
                signed_on,
                decisions.get(convention.pk, ""),
                grant.amount,
                total,
                part,
            )
        )
    return rows, blocked, lines


def write_csv(rows: list[Row]) -> str:
    """CSV as the schema asks: UTF-8, comma, header of the 16 columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the check

#: Frictionless's error types, in the words of the page.
_ERROR_WORDS = {
    "constraint-error": "valeur refusée par le modèle",
    "type-error": "valeur du mauvais type",
    "missing-cell": "valeur manquante",
    "extra-cell": "valeur en trop",
    "blank-row": "ligne vide",
    "duplicate-row": "ligne en double",
    "incorrect-label": "nom de colonne inattendu",
    "missing-label": "colonne manquante",
    "extra-label": "colonne en trop",
    "blank-label": "colonne sans nom",
    "duplicate-label": "colonne en double",
    "one-of-required": "ni SIRET ni numéro RNA du bénéficiaire",
}
_CONSTRAINT_WORDS = {
    "required": "obligatoire",
    "pattern": "format",
    "enum": "valeurs permises",
    "maxLength": "longueur maximale",
    "minimum": "minimum",
    "maximum": "maximum",
}


@cache
def _schema() -> Any:
    from frictionless import Schema

    # Read here, given as a descriptor: frictionless refuses a schema by absolute path.
    return Schema.from_descriptor(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _one_of_required_check() -> Any:
    """The 2.1.x rule that a Table Schema cannot state: idBeneficiaire or rnaBeneficiaire."""
    from frictionless import Check, errors

    class OneOfRequiredError(errors.RowError):
        type = "one-of-required"
        title = "One of required"
        description = "idBeneficiaire or rnaBeneficiaire must be filled"
        template = "Row {rowNumber}: {note}"

    class OneOfRequired(Check):
        type = "one-of-required"
        Errors = [OneOfRequiredError]

        def validate_row(self, row: Any) -> Any:
            if not row.get("idBeneficiaire") and not row.get("rnaBeneficiaire"):
                yield OneOfRequiredError.from_row(
                    row, note="idBeneficiaire or rnaBeneficiaire must be filled"
                )

    return OneOfRequired()


_COLUMN_NAMES = {name.lower(): name for name in COLUMNS}


def _french(error: Any) -> str:
    words = _ERROR_WORDS.get(error.type, "non conforme")
    field_name = getattr(error, "field_name", None)
    field_name = _COLUMN_NAMES.get(field_name.lower(), field_name) if field_name else None
    label = getattr(error, "label", None)
    if error.type == "incorrect-label" and label is not None:
        return f"Colonne « {label} » : {words} (attendue : {field_name})"
    where = []
    row = getattr(error, "row_number", None)
    if row:
        where.append(f"ligne {row}")
    if field_name:
        where.append(f"colonne {field_name}")
    elif label:
        where.append(f"colonne « {label} »")
    note = getattr(error, "note", "") or ""
    for key, french in _CONSTRAINT_WORDS.items():
        if error.type == "constraint-error" and note.startswith(f'constraint "{key}"'):
            words += f" ({french})"
            break
    cell = getattr(error, "cell", None)
    if cell:
        words += f" : « {cell} »"
    prefix = ", ".join(where)
    text = f"{prefix} : {words}" if prefix else words
    return text[:1].upper() + text[1:]


def validate_csv(content: bytes) -> list[str]:
    """Check a file against the shipped schema with frictionless, and the « SIRET ou RNA »
    rule: the problems in French, none when the file is valid."""
    from frictionless import Checklist, Resource

    resource = Resource(data=content, format="csv", encoding="utf-8", schema=_schema())
    report = resource.validate(checklist=Checklist(checks=[_one_of_required_check()]))
    if report.valid:
        return []
    return [_french(error) for task in report.tasks for error in task.errors] or [
        "Le fichier n'a pas pu être vérifié."
    ]


# --------------------------------------------------------------------------- an empty year


def explain_empty(
    *,
    year: int,
    organisation: str,
    own_party: str | None,
    signed: list[str],
    forecast: list[str],
    years_with_rows: list[int],
) -> list[str]:
    """Why a year's file has no row, in French: no party for the organisation, no signed act
    in force, or signed acts in which the organisation pays no other employer; and which
    years have rows. ``signed``/``forecast``: references of the year's acts."""
    reasons = []
    if own_party is None:
        reasons.append(
            f"L'organisation « {organisation} » n'est rattachée à aucune partie : rien ne peut "
            "être publié en son nom (un administrateur la rattache dans le back-office)."
        )
    elif not signed:
        reasons.append(f"Aucune convention signée n'est en vigueur en {year}.")
    else:
        acts = count_words(
            len(signed), "convention signée en vigueur", "conventions signées en vigueur"
        )
        verb = "prévoit" if len(signed) == 1 else "prévoient"
        reasons.append(
            f"En {year}, {acts} ({', '.join(signed)}) ne {verb} aucune participation de la "
            f"partie « {own_party} » à un autre employeur : elle n'y finance que les postes "
            "qu'elle emploie elle-même, ou d'autres financeurs paient. Il n'y a pas de "
            "subvention à publier."
        )
    if forecast:
        reasons.append(
            f"{count_words(len(forecast), 'acte', 'actes')} en brouillon ou à signer "
            f"({', '.join(forecast)}) : publié une fois signé."
        )
    others = [y for y in years_with_rows if y != year]
    if others:
        reasons.append("Années qui ont des lignes : " + ", ".join(str(y) for y in others) + ".")
    elif own_party is not None:
        reasons.append("Aucune autre année n'a de ligne à publier.")
    return reasons


# --------------------------------------------------------------------------- one year's export


@dataclass
class Export:
    """A year's file and what the page says about it."""

    table: Any
    rows: list[Row]
    blocked: list[Blocked]
    lines: list[Line]
    content: str
    errors: list[str]
    years_with_rows: list[int]
    empty_reasons: list[str]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def fixes(self) -> list[Fix]:
        """Each thing to correct once, in the order met (a party lacking its SIRET is named
        once, whatever the number of its rows)."""
        seen: OrderedDict[tuple[str, str], Fix] = OrderedDict()
        for blocked in self.blocked:
            for fix in blocked.fixes:
                seen.setdefault((fix.subject, fix.problem), fix)
        return list(seen.values())


def _decisions(conventions: set[int], own_party: Any) -> dict[int, str]:
    """The number (or date) of the latest deliberation of the organisation's party authorising
    each convention: ``referenceDecision``. One query."""
    from conventions.models import Deliberation

    found: dict[int, str] = {}
    rows = (
        Deliberation.objects.filter(party=own_party, convention__in=conventions)
        .order_by("convention", "-date", "-pk")
        .values_list("convention", "number", "date")
    )
    for convention_id, number, day in rows:
        found.setdefault(convention_id, number or day.isoformat())
    return found


def _rows_of(table: Any) -> tuple[list[Row], list[Blocked], list[Line]]:
    own = table.organisation.party
    conventions = {row.convention.pk for row in table.rows}
    decisions = _decisions(conventions, own) if own is not None and conventions else {}
    return build(table, decisions)


def year_export(organisation: Any, year: int, share_lines: Any, years: list[int]) -> Export:
    """The year's SCDL file for ``organisation`` from the share lines the user may see
    (``share_lines``), validated; ``years``: the years with figures, to say which have rows."""
    from financing import selectors

    table: Any = selectors.annual_table(organisation, year, share_lines)
    rows, blocked, lines = _rows_of(table)
    content = write_csv(rows)
    errors = validate_csv(content.encode("utf-8"))
    years_with_rows = []
    for other in years:
        if other == year:
            if rows:
                years_with_rows.append(year)
            continue
        other_rows, _, _ = _rows_of(selectors.annual_table(organisation, other, share_lines))
        if other_rows:
            years_with_rows.append(other)
    reasons = []
    if not rows and not blocked:
        signed = sorted({row.convention.reference for row in table.rows})
        forecast = sorted({row.convention.reference for row in table.forecast})
        own = organisation.party
        reasons = explain_empty(
            year=year,
            organisation=str(organisation),
            own_party=own.name if own is not None else None,
            signed=signed,
            forecast=forecast,
            years_with_rows=years_with_rows,
        )
    return Export(table, rows, blocked, lines, content, errors, years_with_rows, reasons)
