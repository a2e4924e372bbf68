"""Titres de recettes to issue, and their export for the finance software.

What a co-funder owes for a year is its share of the **effective plan** (financing/effective.py,
the one rule); what is left to issue is that share less the titres already issued on it
(cancelled ones do not count). ``remaining`` and ``issue_refusal`` are that rule, pure; the
issuing itself is ``services.titres_issue`` (which goes through ``services.payment_record``, so
a titre typed by hand obeys the same ceiling).

The CSV has two flavours: ``fr`` as a French spreadsheet writes it (``;``, « 17 500,00 »,
dd/mm/yyyy, UTF-8 with BOM) and ``machine`` (``,``, 17500.00, ISO dates, UTF-8). Text cells
that a spreadsheet would read as a formula are neutralised (``formula_safe``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce

from conventions.models import ConventionKind
from financing.models import (
    DEFAULT_PAYMENT_DAYS,
    DEFAULT_TITRE_NATURE,
    Payment,
    PaymentKind,
    ShareLine,
    TitreSettings,
)
from iscg.formatting import format_euros

ZERO = Decimal(0)
CENT = Decimal("0.01")

FLAVOURS = ("fr", "machine")

#: The product's titre numbers: TR-<exercice>-<n°>, per organisation.
NUMBER_PREFIX = "TR"
NUMBER = re.compile(r"^TR-(\d{4})-(\d{1,6})$")


# --------------------------------------------------------------------------- the rule (pure)


def remaining(due: Decimal, issued: Iterable[Decimal]) -> Decimal:
    """What is left to issue on a share of ``due``, given the amounts of its active titres
    (never negative: a share issued beyond what is due, after a résiliation, has nothing left).

    >>> remaining(Decimal("15553"), [Decimal("5000"), Decimal("553")])
    Decimal('10000')
    """
    left = Decimal(due) - sum((Decimal(a) for a in issued), ZERO)
    return left if left > 0 else ZERO


def issue_refusal(due: Decimal, issued: Sequence[Decimal], amount: Decimal) -> str | None:
    """Why a titre of ``amount`` cannot be issued on a share of ``due`` already issued for
    ``issued`` (French), or None when it can: a titre is positive and never takes the total
    issued beyond the share."""
    amount = Decimal(amount)
    if amount <= 0:
        return "Le montant d'un titre de recettes est positif."
    if amount != amount.quantize(CENT):
        return "Le montant d'un titre s'écrit au centime près."
    left = remaining(due, issued)
    if amount > left:
        already = sum((Decimal(a) for a in issued), ZERO)
        return (
            f"Ce titre de {format_euros(amount)} dépasserait la part due ({format_euros(due)}) : "
            f"{format_euros(already)} déjà émis, il reste {format_euros(left)} à émettre."
        )
    return None


def due_date(issued_on: date | None, due_on: date | None, payment_days: int) -> date | None:
    """A titre's due date: its own, else its issue date plus the organisation's delay."""
    if due_on is not None:
        return due_on
    if issued_on is None:
        return None
    return issued_on + timedelta(days=payment_days)


def next_number(year: int, existing: Iterable[str]) -> str:
    """The next product number of the exercice, after the highest one already given.

    >>> next_number(2023, ["TR-2023-0002", "T-17", "TR-2022-0009"])
    'TR-2023-0003'
    """
    highest = 0
    for number in existing:
        match = NUMBER.match(number or "")
        if match and int(match.group(1)) == year:
            highest = max(highest, int(match.group(2)))
    return f"{NUMBER_PREFIX}-{year}-{highest + 1:04d}"


def default_imputation(budget_line: str) -> str:
    """7478 with the function of the organisation's budget line (« 6568//934213 » →
    « 7478//934213 »), else 7478 alone.

    >>> default_imputation("6568//934213"), default_imputation("")
    ('7478//934213', '7478')
    """
    if "//" in (budget_line or ""):
        return f"{DEFAULT_TITRE_NATURE}//{budget_line.split('//', 1)[1].strip()}"
    return DEFAULT_TITRE_NATURE


def formula_safe(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting with = + - @ (or a tab / carriage
    return) gets a leading apostrophe.

    >>> formula_safe("=HYPERLINK(1)"), formula_safe("CC du Ternois")
    ("'=HYPERLINK(1)", 'CC du Ternois')
    """
    text = "" if text is None else str(text)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def objet(convention_reference: str, post_name: str, year: int) -> str:
    """The titre's object, at most 160 characters (PES ``ObjPce``)."""
    text = f"Participation {year} au poste {post_name} — convention {convention_reference}"
    return text[:160]


# --------------------------------------------------------------------------- reads


@dataclass
class ToIssue:
    """One co-funder's share of one post for the exercice, and what is left to issue."""

    line: ShareLine
    issued: Decimal
    titres: list

    @property
    def due(self) -> Decimal:
        return self.line.amount

    @property
    def remaining(self) -> Decimal:
        return remaining(self.line.amount, [t.amount_issued for t in self.titres])

    @property
    def party(self):
        return self.line.party

    @property
    def creditor(self):
        return self.line.post.employer

    @property
    def objet(self) -> str:
        return objet(self.line.convention.reference, self.line.post.name, self.line.year)


def settings_for(organisation) -> TitreSettings:
    """The organisation's settings (defaults when none are saved; not written)."""
    found = TitreSettings.objects.filter(organisation=organisation).first()
    return found or TitreSettings(organisation=organisation)


def imputation_for(organisation, titre_settings: TitreSettings | None = None) -> str:
    titre_settings = titre_settings or settings_for(organisation)
    return titre_settings.imputation or default_imputation(organisation.budget_line)


def payment_days_for(organisation) -> int:
    found = (
        TitreSettings.objects.filter(organisation=organisation)
        .values_list("payment_days", flat=True)
        .first()
    )
    return found or DEFAULT_PAYMENT_DAYS


def titre_lines(lines, year: int):
    """The co-funders' shares of ``year`` that titres recover: those of the effective plans,
    not the employer's own (nobody owes it to itself), not a convention d'objectifs' (a
    subsidy is paid, not recovered), above 0 €."""
    return (
        lines.filter(year=year, is_employer=False, amount__gt=0)
        .exclude(convention__kind=ConventionKind.OBJECTIFS)
        .effective(years=[year])
    )


def left_by_year(lines, up_to: int) -> list[tuple[int, int, Decimal]]:
    """(exercice, shares with something left to issue, amount left) for each exercice up to
    ``up_to``, most recent first: what the home page points to. Two queries (the rule's and
    the shares with their issued sum)."""
    money = DecimalField(max_digits=12, decimal_places=2)
    query = (
        lines.filter(year__lte=up_to, is_employer=False, amount__gt=0)
        .exclude(convention__kind=ConventionKind.OBJECTIFS)
        .effective()
        .annotate(
            issued=Coalesce(
                Sum("payments__amount_issued", filter=Q(payments__cancelled_at__isnull=True)),
                Value(0, output_field=money),
            )
        )
        .values_list("year", "amount", "issued")
    )
    by_year: dict[int, list] = {}
    for year, amount, issued in query:
        left = remaining(amount, [issued])
        if left > 0:
            entry = by_year.setdefault(year, [0, ZERO])
            entry[0] += 1
            entry[1] += left
    return [(year, count, left) for year, (count, left) in sorted(by_year.items(), reverse=True)]


def to_issue(lines, year: int, *, creditor_id: int | None = None, everything: bool = False):
    """Each share of the exercice with what is left to issue on it (only those with something
    left, unless ``everything``), by debtor then convention. Three queries."""
    query = titre_lines(lines, year)
    if creditor_id:
        query = query.filter(post__employer_id=creditor_id)
    query = (
        query.select_related("party", "post", "post__employer", "convention")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.active().order_by("issued_on", "pk"),
                to_attr="active_titres",
            )
        )
        .order_by("party__name", "convention__reference", "post__name", "pk")
    )
    rows = []
    for line in query:
        titres = line.active_titres
        row = ToIssue(line, sum((t.amount_issued for t in titres), ZERO), titres)
        if everything or row.remaining > 0:
            rows.append(row)
    return rows


def issued_titres(lines, year: int):
    """The active titres de recettes of the exercice's shares (what the collection returns
    answer), in number order."""
    return (
        Payment.objects.active()
        .filter(kind=PaymentKind.TITRE, share_line__in=lines.filter(year=year))
        .select_related(
            "share_line__party",
            "share_line__post",
            "share_line__post__employer",
            "share_line__convention",
        )
        .order_by("number", "pk")
    )


# --------------------------------------------------------------------------- CSV


HEADER = [
    "numero_titre",
    "siret_tiers",
    "nom_tiers",
    "montant",
    "objet",
    "exercice",
    "imputation",
    "date_emission",
    "date_echeance",
    "creancier",
    "convention",
    "piece_jointe",
]


def money_text(amount: Decimal, flavour: str) -> str:
    """« 17 500,00 » (French: the thousands separated by a space) or « 17500.00 »."""
    amount = Decimal(amount).quantize(CENT)
    if flavour == "machine":
        return f"{amount:.2f}"
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups) or '0'},{cents}"


def date_text(value: date | None, flavour: str) -> str:
    if value is None:
        return ""
    return value.isoformat() if flavour == "machine" else value.strftime("%d/%m/%Y")


def attachment_name(number: str, convention_reference: str) -> str:
    """The convention PDF's name in the ZIP, for the titre ``number`` (PES_PJ: one per titre)."""
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", f"{number or 'titre'}-{convention_reference}")
    return f"pieces/{safe.strip('-')}.pdf"


@dataclass(frozen=True)
class CsvRow:
    number: str
    siret: str
    name: str
    amount: Decimal
    objet: str
    year: int
    imputation: str
    issued_on: date | None
    due_on: date | None
    creditor: str
    convention: str
    attachment: str


def rows_to_issue(rows: list[ToIssue], imputation: str) -> list[CsvRow]:
    return [
        CsvRow(
            "",
            row.party.siret,
            row.party.name,
            row.remaining,
            row.objet,
            row.line.year,
            imputation,
            None,
            None,
            row.creditor.name,
            row.line.convention.reference,
            "",
        )
        for row in rows
    ]


def rows_issued(titres, imputation: str, payment_days: int) -> list[CsvRow]:
    result = []
    for titre in titres:
        line = titre.share_line
        result.append(
            CsvRow(
                titre.number,
                line.party.siret,
                line.party.name,
                titre.amount_issued,
                objet(line.convention.reference, line.post.name, line.year),
                line.year,
                imputation,
                titre.issued_on,
                due_date(titre.issued_on, titre.due_on, payment_days),
                line.post.employer.name,
                line.convention.reference,
                attachment_name(titre.number, line.convention.reference),
            )
        )
    return result


def csv_bytes(rows: list[CsvRow], flavour: str) -> bytes:
    """The CSV the finance software imports, in the flavour asked (see the module)."""
    if flavour not in FLAVOURS:
        raise ValueError(flavour)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if flavour == "fr" else ",", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [
                formula_safe(row.number),
                formula_safe(row.siret),
                formula_safe(row.name),
                money_text(row.amount, flavour),
                formula_safe(row.objet),
                str(row.year),
                formula_safe(row.imputation),
                date_text(row.issued_on, flavour),
                date_text(row.due_on, flavour),
                formula_safe(row.creditor),
                formula_safe(row.convention),
                row.attachment,
            ]
        )
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if flavour == "fr" else text.encode("utf-8")
