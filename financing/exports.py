"""Exports of the annual table: XLSX (openpyxl), PDF (WeasyPrint). The open data file (SCDL
Subventions) is financing/opendata.py."""

import io
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from financing.selectors import AnnualTable
from iscg.pdf import render_pdf
from iscg.spreadsheets import xlsx_texts_as_text

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
    xlsx_texts_as_text(workbook)
    workbook.save(buffer)
    return buffer.getvalue()


def annual_pdf_html(table: AnnualTable) -> str:
    """The annual table as printed (decided in the request, rendered by the worker)."""
    return render_to_string("financing/annual_pdf.html", {"table": table})


def pdf_from_html(html: str) -> bytes:
    """PDF/A-3u, tagged (``iscg.pdf.render_pdf``: the one PDF helper)."""
    return render_pdf(html)[0]


def annual_pdf(table: AnnualTable) -> bytes:
    return pdf_from_html(annual_pdf_html(table))


def prepared_pdf(prepared, progress) -> bytes:
    """``iscg.downloads`` builder: the worker renders the HTML the request decided."""
    return pdf_from_html(prepared.source)
