"""Exports of the annual table: XLSX (openpyxl), PDF (WeasyPrint), open data CSV (SCDL)."""

import csv
import io
import re
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from financing.selectors import AnnualTable

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
        sheet.append([f"Ligne budgétaire {line.imputation}", line.label])
        for label, value in [
            ("Crédits de paiement", line.credits),
            ("Disponible", line.available),
            ("Proposition", table.budget.proposed),
            ("Solde", table.budget.balance),
        ]:
            sheet.append(["", "", "", label, value])
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = EURO_FORMAT
    for column, width in zip("ABCDEFG", [40, 38, 16, 48, 14, 14, 16], strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def annual_pdf(table: AnnualTable) -> bytes:
    from weasyprint import HTML

    html = render_to_string("financing/annual_pdf.html", {"table": table})
    return HTML(string=html).write_pdf()


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
SIRET_RE = re.compile(r"^\d{14}$")


def scdl_rows(table: AnnualTable) -> tuple[list[dict], list[str]]:
    """The organisation's participations paid to other employers, in the SCDL "Subventions"
    schema; rows lacking a SIRET are returned as reasons, not exported."""
    own = table.organisation.party
    rows, missing = [], []
    if own is None:
        return [], ["L'organisation n'est rattachée à aucune partie : rien à publier."]
    for row in table.rows:
        for cell in row.cells:
            if cell.party.pk != own.pk or cell.is_employer:
                continue
            convention = row.convention
            problems = []
            if not SIRET_RE.match(own.siret or ""):
                problems.append(f"SIRET de l'attribuant {own.name} manquant")
            if not SIRET_RE.match(row.employer.siret or ""):
                problems.append(f"SIRET du bénéficiaire {row.employer.name} manquant")
            if problems:
                missing.append(
                    f"{convention.reference} ({row.post.name}) : " + " ; ".join(problems)
                )
                continue
            decision = convention.deliberations.order_by("-date").first()
            start = convention.start_date or convention.notification_date
            end = convention.computed_end_date
            percent = (
                (cell.amount / row.cost).quantize(Decimal("0.0001")) if row.cost else Decimal(0)
            )
            rows.append(
                {
                    "nomAttribuant": own.name,
                    "idAttribuant": own.siret,
                    "dateConvention": (convention.signature_date or start).isoformat()
                    if (convention.signature_date or start)
                    else "",
                    "referenceDecision": decision.number if decision else "",
                    "nomBeneficiaire": row.employer.name,
                    "idBeneficiaire": row.employer.siret,
                    "objet": f"Financement {table.year} du poste d'intervenant social {row.post.name}"[
                        :1000
                    ],
                    "montant": f"{cell.amount:.2f}",
                    "nature": "aide en numéraire",
                    "conditionsVersement": "unique",
                    "datesPeriodeVersement": f"{start.isoformat()}/{end.isoformat()}"
                    if start and end
                    else "",
                    "idRAE": "",
                    "notificationUE": "non",
                    "pourcentageSubvention": f"{min(percent, Decimal(1))}",
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
