"""Exports of the annual table: XLSX (openpyxl), PDF (WeasyPrint), open data CSV (SCDL)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font
from stdnum.fr import siret

from financing.selectors import AnnualTable
from iscg.formatting import format_euros
from iscg.pdf import render_pdf

EURO_FORMAT = '#,##0 "€";-#,##0 "€"'


def annual_xlsx(table: AnnualTable) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Financement {table.year}"
    sheet.append([f"Financement {table.year} des postes ISCG — {table.organisation}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    header = [
        "Poste",
        "Employeur",
        "Convention",
        "Financeur",
        "Montant",
        "Reste à charge",
        "Coût de l'année",
        "Mois financés",
        "Montant écrit dans l'acte",
        "Écart avec l'acte",
    ]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        for cell in row.cells:
            sheet.append(
                [
                    row.post.name,
                    str(row.employer),
                    row.convention.reference,
                    cell.party.name,
                    cell.amount,
                    "oui" if cell.is_remainder else "",
                    row.cost,
                    row.months,
                    cell.as_written,
                    cell.gap if cell.gap else None,
                ]
            )
    sheet.append([])
    sheet.append(["Total", "", "", "", table.total, "", table.total_cost])
    sheet.append([])
    sheet.append(["Totaux par financeur"])
    for party, amount in table.by_party:
        sheet.append(["", "", "", party.name, amount])
    sheet.append(["Totaux par nature de partie"])
    for kind, amount in table.by_kind:
        sheet.append(["", "", "", kind, amount])
    if table.budget.line:
        line = table.budget.line
        sheet.append([])
        sheet.append([f"Ligne budgétaire {line.imputation}", line.label, line.operation_code])
        for label, value in [
            ("Crédits de paiement", line.credits),
            ("Disponible", line.available),
            ("Dû à d'autres employeurs (actes signés)", table.budget.proposed),
            ("Solde après les actes signés", table.budget.balance),
            ("Prévisionnel (à signer ou en brouillon)", table.budget.forecast),
            ("Proposition (signés et prévisionnel)", table.budget.proposed_with_forecast),
            ("Solde après signature du prévisionnel", table.budget.balance_with_forecast),
        ]:
            sheet.append(["", "", "", label, value])
    else:
        sheet.append([])
        sheet.append(["", "", "", "Dû (actes signés)", table.budget.proposed])
        sheet.append(["", "", "", "Prévisionnel", table.budget.forecast])
    if table.forecast:
        sheet.append([])
        sheet.append(
            ["Prévisionnel : brouillons et actes en attente de signature (non ajoutés aux totaux)"]
        )
        for row in table.forecast:
            for cell in row.cells:
                sheet.append(
                    [
                        row.post.name,
                        str(row.employer),
                        row.convention.reference,
                        cell.party.name,
                        cell.amount,
                        f"prévisionnel — {row.convention.get_status_display().lower()}",
                        row.cost,
                    ]
                )
    if table.subsidies:
        sheet.append([])
        sheet.append(["Subventions par convention d'objectifs (non ajoutées aux totaux)"])
        for subsidy in table.subsidies:
            for cell, main, gap in subsidy.comparisons:
                sheet.append(
                    [
                        subsidy.row.post.name,
                        str(subsidy.row.employer),
                        subsidy.row.convention.reference,
                        cell.party.name,
                        cell.amount,
                        f"part au plan {subsidy.main.convention.reference}",
                        main,
                        "",
                        "",
                        gap,
                    ]
                )
    if table.noted_rows:
        sheet.append([])
        sheet.append(["Remarques et incohérences des sources"])
        for row in table.noted_rows:
            sheet.append([row.post.name, "", row.convention.reference, row.notes])
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = EURO_FORMAT
    widths = [40, 38, 16, 48, 14, 14, 16, 10, 16, 14]
    for column, width in zip("ABCDEFGHIJ", widths, strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def annual_pdf(table: AnnualTable) -> bytes:
    html = render_to_string("financing/annual_pdf.html", {"table": table})
    return render_pdf(html)[0]


# --------------------------------------------------------------------------- open data

SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
]
OBJET_MAX = 256


def _payment_period(table: AnnualTable, convention) -> str:
    """The convention's period within the budget year (the date of the single payment is not
    known here): "AAAA-MM-JJ/AAAA-MM-JJ", as the schema asks for an unknown date."""
    first, last = date(table.year, 1, 1), date(table.year, 12, 31)
    start = convention.effective_start_date
    end = convention.computed_end_date
    if start and first <= start <= last:
        first = start
    if end and first <= end <= last:
        last = end
    return f"{first.isoformat()}/{last.isoformat()}"


def _siret_problem(role: str, party) -> str | None:
    """Why the party's SIRET cannot be published (the schema asks for a valid one), or None."""
    if not party.siret:
        return f"SIRET {role} {party.name} manquant"
    if not siret.is_valid(party.siret):
        return f"SIRET {role} {party.name} invalide"
    return None


def scdl_rows(table: AnnualTable) -> tuple[list[dict], list[str]]:
    """The organisation's participations paid to other employers, in the SCDL "Subventions"
    schema; rows that would break its rules (no SIRET, no date) are returned as reasons, not
    exported."""
    own = table.organisation.party
    rows, missing = [], []
    if own is None:
        return [], ["L'organisation n'est rattachée à aucune partie : rien à publier."]
    for row in table.rows:
        for cell in row.cells:
            if cell.party.pk != own.pk or cell.is_employer or cell.amount <= 0:
                continue
            convention = row.convention
            signed_on = convention.signature_date or convention.effective_start_date
            problems = [
                problem
                for problem in (
                    _siret_problem("de l'attribuant", own),
                    _siret_problem("du bénéficiaire", row.employer),
                )
                if problem
            ]
            if signed_on is None:
                problems.append("date de la convention inconnue")
            if problems:
                missing.append(
                    f"{convention.reference} ({row.post.name}, {format_euros(cell.amount)}) : "
                    + " ; ".join(problems)
                )
                continue
            decision = convention.deliberations.filter(party=own).order_by("-date").first()
            objet = f"Financement {table.year} du poste d'intervenant social {row.post.name}"
            rows.append(
                {
                    "nomAttribuant": own.name,
                    "idAttribuant": own.siret,
                    "dateConvention": signed_on.isoformat(),
                    "referenceDecision": decision.number if decision else "",
                    "nomBeneficiaire": row.employer.name,
                    "idBeneficiaire": row.employer.siret,
                    "objet": objet[:OBJET_MAX],
                    "montant": f"{cell.amount:.2f}",
                    "nature": "aide en numéraire",
                    "conditionsVersement": "unique",
                    "datesPeriodeVersement": _payment_period(table, convention),
                    "idRAE": "",
                    "notificationUE": "non",
                    # Share of the subsidy that goes to this beneficiary: one beneficiary, 100 %.
                    "pourcentageSubvention": "1.00",
                }
            )
    return rows, missing


def scdl_subventions_csv(table: AnnualTable) -> tuple[str, list[str]]:
    rows, missing = scdl_rows(table)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SCDL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue(), missing
