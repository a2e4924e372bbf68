"""Collection returns: a file from the finance software or the Trésor saying which titres de
recettes were paid, read by the worker, that marks titres received (in full or in part).

Two formats:

* a **CSV** (or XLSX) with one row per collection: ``numero_titre``, ``date`` (dd/mm/yyyy or
  ISO), ``montant`` (« 17 500,00 » or 17500.00); other columns are ignored. Read through
  ``iscg.spreadsheets``.
* a **PES_Retour** XML (Hélios, ``Class_Encaissement_Retour``), the subset this product reads:
  every innermost element named ``Encaissement`` (or ``Class_Encaissement_Retour``), whatever
  its namespace, gives one collection from its descendants ``IdPce`` (or ``NumPce``: the titre's
  number), ``DteEnc`` (or ``DteEncaissement``, ``DteOpe``), ``MtEnc`` (or ``MtEncaissement``,
  ``Mt``) and optionally ``Exer``; a value is read from the PES ``V`` attribute, else from the
  text. A numeric piece number with its exercice also finds the product's TR-<exercice>-<n°>.
  Documents declaring a DOCTYPE or entities are refused (no entity expansion).

A file that cannot be read — too large, too many rows, a column missing, a row whose date or
amount is not one — is refused whole, with a French message per line, and changes nothing.
Otherwise each row is reconciled (``reconcile``, pure): applied when it matches a titre still
to collect; listed, and not applied, when it does not (unknown titre, amount above what is left,
titre already collected or cancelled, date before the titre's issue). Applying is atomic, kept
in history, and a collection already recorded (same titre, date, amount) is never counted twice.
Values echoed from the file are shortened and made formula-safe.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from financing.models import (
    Collection,
    CollectionImport,
    CollectionImportStatus,
    Payment,
    PaymentKind,
)
from financing.titres import CENT, ZERO, formula_safe
from iscg import history, spreadsheets
from iscg.formatting import format_date_long, format_euros

#: Largest file accepted, and most rows read (the upload form says the same).
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
#: Most line errors listed for a refused file.
MAX_ERRORS = 50

NUMBER_COLUMNS = ("numero_titre", "numero", "n°_titre", "no_titre", "titre", "idpce")
DATE_COLUMNS = ("date", "date_encaissement", "encaisse_le", "dteenc")
AMOUNT_COLUMNS = ("montant", "montant_encaisse", "montant_recu", "mtenc")

ENCAISSEMENT_TAGS = {"Encaissement", "Class_Encaissement_Retour"}
XML_FIELDS = {
    "number": ("IdPce", "NumPce"),
    "date": ("DteEnc", "DteEncaissement", "DteOpe"),
    "amount": ("MtEnc", "MtEncaissement", "Mt"),
    "year": ("Exer",),
}

# Outcome statuses (French labels on the page).
PAID = "solde"
PARTIAL = "partiel"
UNKNOWN = "inconnu"
DIFFERS = "ecart"
ALREADY = "deja_encaisse"
CANCELLED = "annule"
AMBIGUOUS = "ambigu"
BAD_DATE = "date"
LABELS = {
    PAID: "Soldé",
    PARTIAL: "Encaissement partiel",
    UNKNOWN: "Titre inconnu",
    DIFFERS: "Montant différent",
    ALREADY: "Déjà encaissé",
    CANCELLED: "Titre annulé",
    AMBIGUOUS: "Numéro ambigu",
    BAD_DATE: "Date incohérente",
}
APPLIED = {PAID, PARTIAL}


class FileRefused(Exception):
    """The file cannot be read: ``errors`` says why, in French; nothing was changed."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def echo(value) -> str:
    """A value from the file as the report shows it: at most 40 characters, never a formula."""
    text = spreadsheets.SPACES.sub(" ", str(value or "")).strip()
    return formula_safe(text if len(text) <= 40 else text[:39] + "…")


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReturnRow:
    line: int  # the file's line (the header is 1), or the n-th encaissement of an XML file
    number: str
    received_on: date
    amount: Decimal
    year: int | None = None


def parse_amount(text: str) -> Decimal | None:
    """« 17 500,00 », « 17500.00 », « 1.250,50 € », « 500 » → Decimal; None when not an amount
    above 0 with at most two decimals.

    >>> parse_amount("17 500,00"), parse_amount("1.250,50 €"), parse_amount("12,345")
    (Decimal('17500.00'), Decimal('1250.50'), None)
    """
    cleaned = spreadsheets.SPACES.sub("", str(text or "")).replace("€", "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    return amount.quantize(CENT) if amount > 0 else None


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy, yyyy-mm-dd (or an XLSX date as ``iscg.spreadsheets`` writes it)."""
    text = str(text or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    return None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def read_table(content: bytes, filename: str) -> list[ReturnRow]:
    """A CSV / XLSX return file's rows; FileRefused with every reason otherwise."""
    try:
        header, rows = spreadsheets.read(content, filename)
    except spreadsheets.FileError as exc:
        raise FileRefused([str(exc)]) from exc
    columns = {
        "numéro du titre (numero_titre)": _column(header, NUMBER_COLUMNS),
        "date d'encaissement (date)": _column(header, DATE_COLUMNS),
        "montant encaissé (montant)": _column(header, AMOUNT_COLUMNS),
    }
    missing = [label for label, index in columns.items() if index is None]
    if missing:
        raise FileRefused([f"Colonne absente (ligne 1) : {label}." for label in missing])
    number_at, date_at, amount_at = columns.values()
    numbered = [(index + 2, row) for index, row in enumerate(rows) if any(c.strip() for c in row)]
    if len(numbered) > MAX_ROWS:
        raise FileRefused([f"Le fichier a {len(numbered)} lignes : {MAX_ROWS} au plus par import."])
    return _checked(
        (line, row[number_at], row[date_at], row[amount_at], None) for line, row in numbered
    )


def _checked(raw) -> list[ReturnRow]:
    rows, errors = [], []
    for line, number, when, amount, year in raw:
        number = str(number or "").strip()
        received_on, value = parse_date(when), parse_amount(amount)
        problems = []
        if not number:
            problems.append("numéro du titre manquant")
        if received_on is None:
            problems.append(f"date « {echo(when)} » illisible (jj/mm/aaaa)")
        if value is None:
            problems.append(f"montant « {echo(amount)} » illisible (ex. 17 500,00)")
        if year is not None and not str(year).strip().isdigit():
            problems.append(f"exercice « {echo(year)} » illisible")
        if problems:
            errors.append(f"Ligne {line} : " + ", ".join(problems) + ".")
            continue
        assert received_on is not None and value is not None  # checked just above
        rows.append(
            ReturnRow(line, number, received_on, value, int(year) if year is not None else None)
        )
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"… et {len(errors) - MAX_ERRORS} autres lignes en erreur.")
        raise FileRefused(shown)
    if not rows:
        raise FileRefused(["Aucun encaissement dans le fichier."])
    return rows


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _value(element, names: tuple[str, ...]) -> str | None:
    for child in element.iter():
        if _local(child.tag) in names:
            value = child.get("V")
            return (value if value is not None else (child.text or "")).strip()
    return None


def read_pes_retour(content: bytes) -> list[ReturnRow]:
    """A PES_Retour's encaissements (the subset of the module's docstring)."""
    head = content[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in content.lower():
        raise FileRefused(["Fichier XML refusé : il déclare un DOCTYPE ou des entités."])
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise FileRefused([f"Le fichier XML est illisible ({exc})."]) from exc
    tagged = [element for element in root.iter() if _local(element.tag) in ENCAISSEMENT_TAGS]
    # The innermost ones: a Class_Encaissement_Retour may hold Encaissement elements.
    found = [
        element
        for element in tagged
        if not any(_local(d.tag) in ENCAISSEMENT_TAGS for d in element.iter() if d is not element)
    ]
    if len(found) > MAX_ROWS:
        raise FileRefused(
            [f"Le fichier a {len(found)} encaissements : {MAX_ROWS} au plus par import."]
        )
    return _checked(
        (
            index,
            _value(element, XML_FIELDS["number"]),
            _value(element, XML_FIELDS["date"]),
            _value(element, XML_FIELDS["amount"]),
            _value(element, XML_FIELDS["year"]),
        )
        for index, element in enumerate(found, start=1)
    )


def read_file(content: bytes, filename: str) -> list[ReturnRow]:
    if len(content) > MAX_BYTES:
        raise FileRefused([f"Fichier trop volumineux : {MAX_BYTES // 1024} Ko au plus."])
    if filename.lower().endswith(".xml") or content.lstrip()[:5] == b"<?xml":
        return read_pes_retour(content)
    return read_table(content, filename)


# --------------------------------------------------------------------------- reconciling (pure)


@dataclass
class TitreState:
    """What reconciling needs of a titre (and updates while the rows are read)."""

    pk: int
    number: str
    year: int
    issued_on: date | None
    amount_issued: Decimal
    amount_received: Decimal
    cancelled: bool = False
    recorded: set = field(default_factory=set)  # (date, amount) already imported

    @property
    def outstanding(self) -> Decimal:
        return self.amount_issued - self.amount_received


@dataclass
class Outcome:
    line: int
    number: str
    received_on: str
    amount: str
    status: str
    message: str
    titre: int | None = None

    @property
    def applied(self) -> bool:
        return self.status in APPLIED

    @property
    def label(self) -> str:
        return LABELS[self.status]


def normalise(number: str) -> str:
    return spreadsheets.SPACES.sub("", str(number or "")).upper()


def _candidates(row: ReturnRow, titres: dict[str, list[TitreState]]) -> list[TitreState]:
    found = titres.get(normalise(row.number), [])
    if not found and row.year and row.number.strip().isdigit():
        found = titres.get(f"TR-{row.year}-{int(row.number):04d}", [])
    if row.year:
        found = [t for t in found if t.year == row.year] or found
    return found


def reconcile(
    rows: list[ReturnRow], titres: dict[str, list[TitreState]], today: date
) -> list[Outcome]:
    """Each row's outcome, in the file's order (``titres``: by ``normalise``d number; their
    received amounts grow as rows are applied, so a second row for a titre sees the first)."""
    outcomes = []
    for row in rows:
        shown = Outcome(
            row.line, echo(row.number), row.received_on.isoformat(), f"{row.amount:.2f}", "", ""
        )
        candidates = _candidates(row, titres)
        active = [t for t in candidates if not t.cancelled]
        if not candidates:
            shown.status, shown.message = (
                UNKNOWN,
                "aucun titre de votre organisation ne porte ce numéro",
            )
        elif not active:
            shown.status, shown.message = CANCELLED, "ce titre a été annulé"
        elif len(active) > 1:
            shown.status = AMBIGUOUS
            shown.message = f"{len(active)} titres portent ce numéro : enregistrez-le à la main"
        else:
            titre = active[0]
            shown.titre = titre.pk
            key = (row.received_on, row.amount)
            if key in titre.recorded:
                shown.status = ALREADY
                shown.message = "cet encaissement est déjà enregistré (même date, même montant)"
            elif titre.outstanding <= 0:
                shown.status = ALREADY
                shown.message = (
                    f"titre déjà soldé ({format_euros(titre.amount_received)} encaissés)"
                )
            elif row.received_on > today or (
                titre.issued_on is not None and row.received_on < titre.issued_on
            ):
                shown.status = BAD_DATE
                shown.message = f"encaissé le {format_date_long(row.received_on)}, " + (
                    "dans le futur"
                    if row.received_on > today
                    else f"avant l'émission du titre ({format_date_long(titre.issued_on)})"
                )
            elif row.amount > titre.outstanding:
                shown.status = DIFFERS
                shown.message = (
                    f"{format_euros(row.amount)} reçus pour {format_euros(titre.outstanding)} "
                    f"restant à encaisser sur ce titre de {format_euros(titre.amount_issued)}"
                )
            else:
                titre.amount_received += row.amount
                titre.recorded.add(key)
                if titre.outstanding == 0:
                    shown.status, shown.message = (
                        PAID,
                        f"titre soldé ({format_euros(titre.amount_issued)})",
                    )
                else:
                    shown.status = PARTIAL
                    shown.message = f"reste {format_euros(titre.outstanding)} à encaisser"
        outcomes.append(shown)
    return outcomes


# --------------------------------------------------------------------------- applying


def titre_states(organisation) -> tuple[dict[str, list[TitreState]], dict[int, Payment]]:
    """The organisation's titres de recettes by number, and by pk. Two queries."""
    payments = {
        p.pk: p
        for p in Payment.objects.filter(
            share_line__organisation=organisation, kind=PaymentKind.TITRE
        ).select_related("share_line")
    }
    recorded: dict[int, set] = {}
    for payment_id, received_on, amount in Collection.objects.filter(
        payment_id__in=list(payments)
    ).values_list("payment_id", "received_on", "amount"):
        recorded.setdefault(payment_id, set()).add((received_on, amount))
    by_number: dict[str, list[TitreState]] = {}
    for payment in payments.values():
        if not payment.number:
            continue
        by_number.setdefault(normalise(payment.number), []).append(
            TitreState(
                payment.pk,
                payment.number,
                payment.share_line.year,
                payment.issued_on,
                payment.amount_issued,
                payment.amount_received,
                payment.is_cancelled,
                recorded.get(payment.pk, set()),
            )
        )
    return by_number, payments


@transaction.atomic
def apply(*, organisation, rows: list[ReturnRow], by, source: CollectionImport | None = None):
    """Reconcile ``rows`` against the organisation's titres and apply the matching ones, all in
    one transaction (the titres are locked). Returns the outcomes."""
    list(
        Payment.objects.select_for_update(of=("self",))
        .filter(share_line__organisation=organisation, kind=PaymentKind.TITRE)
        .values_list("pk", flat=True)
    )
    by_number, payments = titre_states(organisation)
    outcomes = reconcile(rows, by_number, timezone.localdate())
    reason = f"Import d'encaissements « {source.filename} »" if source else "Import d'encaissements"
    for outcome, row in zip(outcomes, rows, strict=True):
        if not outcome.applied:
            continue
        assert outcome.titre is not None  # an applied outcome names its titre
        payment = payments[outcome.titre]
        collection = Collection(
            payment=payment, received_on=row.received_on, amount=row.amount, source=source
        )
        history.attribute(collection, by=by, reason=reason)
        collection.save()
        payment.amount_received += row.amount
        if payment.received_on is None or row.received_on > payment.received_on:
            payment.received_on = row.received_on
        history.attribute(payment, by=by, reason=reason)
        payment.save(update_fields=["amount_received", "received_on"])
    return outcomes


def summary(outcomes: list[Outcome]) -> dict:
    applied = [o for o in outcomes if o.applied]
    return {
        "outcomes": [asdict(o) | {"label": o.label} for o in outcomes],
        "applied": len(applied),
        "not_matched": len(outcomes) - len(applied),
        "total_applied": f"{sum((Decimal(o.amount) for o in applied), ZERO):.2f}",
        "errors": [],
    }


@transaction.atomic
def run_import(collection_import: CollectionImport) -> dict:
    """The worker's job for one deposited file: read, reconcile, apply (atomic); the report is
    stored on the import. A refused file changes nothing. Idempotent: a file already read is
    not read again."""
    locked = (
        CollectionImport.objects.select_for_update(of=("self",))
        .select_related("organisation", "uploaded_by")
        .get(pk=collection_import.pk)
    )
    if locked.status != CollectionImportStatus.PENDING:
        return locked.report
    try:
        rows = read_file(bytes(locked.content), locked.filename)
        with transaction.atomic():
            outcomes = apply(
                organisation=locked.organisation, rows=rows, by=locked.uploaded_by, source=locked
            )
        report = summary(outcomes)
        status = CollectionImportStatus.DONE
    except FileRefused as refused:
        report = {"errors": refused.errors, "outcomes": [], "applied": 0, "not_matched": 0}
        status = CollectionImportStatus.REFUSED
    CollectionImport.objects.filter(pk=locked.pk).update(
        status=status, report=report, finished_at=timezone.now()
    )
    return report


def queue_import(*, organisation, filename: str, content: bytes, by) -> CollectionImport:
    """Keep the deposited file and queue its reading (the queue is in the same database: the
    task runs once this transaction commits). FileRefused at once for a file too large."""
    if len(content) > MAX_BYTES:
        raise FileRefused([f"Fichier trop volumineux : {MAX_BYTES // 1024} Ko au plus."])
    if not content.strip():
        raise FileRefused(["Le fichier est vide."])
    from financing.tasks import import_collection_returns

    with transaction.atomic():
        deposited = CollectionImport.objects.create(
            organisation=organisation,
            filename=filename[:255],
            content=content,
            uploaded_by=by,
        )
        import_collection_returns.enqueue(import_id=deposited.pk, organisation_id=organisation.pk)
    return deposited
