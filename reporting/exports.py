"""Exports of the bilans dashboard (XLSX, CSV in French spreadsheet style, PDF) and the comité
de suivi pack (PDF)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from iscg.pdf import render_pdf
from iscg.spreadsheets import csv_safe, xlsx_texts_as_text
from reporting.selectors import CommitteePack, Dashboard

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

POST_COLUMNS = [
    "Organisation",
    "Porté par",
    "Poste",
    "Type",
    "Employeur",
    "Nombre d'EPCI",
    "Nombre de communes",
    "Saisines femmes",
    "Saisines hommes",
    "Saisines enfants",
    "Saisines total",
    "Entretiens",
    "% VIF",
    "État",
    "Échéance",
    "En retard",
    "Motif de l'absence de bilan",
]


def post_rows(board: Dashboard) -> list[list]:
    """The Annexe 1 table as rows of plain values (units of a post on their own rows)."""
    rows = []
    for group in board.groups:
        for row in group.rows:
            bilan = row.bilan
            post = row.post
            figures = [None] * 8
            if bilan is not None:
                figures = [
                    bilan.epci_count,
                    bilan.communes_count,
                    bilan.referrals_women,
                    bilan.referrals_men,
                    bilan.referrals_children,
                    bilan.referrals_total,
                    bilan.interviews_total,
                    bilan.vif_pct,
                ]
            rows.append(
                [
                    str(post.organisation),
                    group.label,
                    post.name,
                    post.kind,
                    str(post.employer),
                    *figures,
                    row.state,
                    row.due,
                    "oui" if row.late else "",
                    bilan.no_report_reason if bilan else "",
                ]
            )
            for part in row.parts:
                rows.append(
                    [
                        "",
                        group.label,
                        f"{post.name} : {part}",
                        post.kind,
                        str(post.employer),
                        part.epci_count,
                        part.communes_count,
                        part.referrals_women,
                        part.referrals_men,
                        part.referrals_children,
                        part.referrals_total,
                        part.interviews_total,
                        part.vif_pct,
                        "détail",
                        None,
                        "",
                        "",
                    ]
                )
    totals = board.totals
    rows.append(
        [
            "",
            "",
            "Total (bilans transmis ou validés)",
            "",
            "",
            None,
            None,
            totals.women,
            totals.men,
            totals.children,
            totals.referrals,
            totals.interviews,
            totals.vif_share,
            f"{totals.bilans} bilans",
            None,
            str(len(board.late)) if board.late else "",
            "",
        ]
    )
    return rows


def summary_rows(board: Dashboard) -> list[list]:
    rows: list[list] = [["Indicateur", "Valeur"]]
    totals = board.totals
    rows += [
        ["Saisines", totals.referrals],
        ["dont femmes", totals.women],
        ["dont hommes", totals.men],
        ["dont enfants", totals.children],
        ["non ventilées", totals.sex_not_split],
        ["Entretiens", totals.interviews],
        ["Part des VIF (moyenne pondérée par les saisines, %)", totals.vif_share],
        ["Bilans comptés", totals.bilans],
        ["Postes sans bilan (motif indiqué)", len(board.with_reason)],
        ["Postes dont le bilan n'est pas reçu", len(board.not_received)],
    ]
    for breakdown in (board.by_public, board.by_employer_kind, board.by_territory):
        rows += [[], [breakdown.title, breakdown.unit]]
        rows += [[label, value] for label, value in breakdown.items]
        if breakdown.note:
            rows.append([breakdown.note])
    rows += [[], ["Comparaison des années"]]
    rows.append(
        ["Année", "Saisines", "Femmes", "Hommes", "Enfants", "Entretiens", "% VIF", "Bilans"]
    )
    for year in board.by_year:
        t = year.totals
        rows.append(
            [
                year.year,
                t.referrals,
                t.women,
                t.men,
                t.children,
                t.interviews,
                t.vif_share,
                t.bilans,
            ]
        )
    return rows


# --------------------------------------------------------------------------- XLSX


def dashboard_xlsx(board: Dashboard) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Postes {board.year}"
    sheet.append(
        [f"Bilans d'activité {board.year} des postes ISCG {board.filters.describe()}".strip()]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(POST_COLUMNS)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in post_rows(board):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    for column, width in zip(
        "ABCDEFGHIJKLMNOPQ", [22, 30, 40, 6, 36] + [11] * 8 + [22, 12, 10, 60], strict=True
    ):
        sheet.column_dimensions[column].width = width
    summary = workbook.create_sheet("Synthèse")
    for row in summary_rows(board):
        summary.append(row)
    summary.column_dimensions["A"].width = 60
    xlsx_texts_as_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- CSV (French)


def french_cell(value) -> str:
    """A value as a French spreadsheet reads it: decimal comma, dates dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal | float):
        return f"{Decimal(value):f}".replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return csv_safe(str(value))


def french_csv(header: list[str], rows: list[list]) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM, CRLF: opens as is in Excel (fr)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([french_cell(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def dashboard_csv(board: Dashboard) -> bytes:
    return french_csv(POST_COLUMNS, post_rows(board))


# --------------------------------------------------------------------------- PDF


def pdf_from_html(html: str) -> bytes:
    """PDF/A-3u, tagged (``iscg.pdf.render_pdf``: the one PDF helper)."""
    return render_pdf(html)[0]


def dashboard_pdf_html(board: Dashboard) -> str:
    return render_to_string("reporting/dashboard_pdf.html", {"board": board})


def committee_pdf_html(pack: CommitteePack) -> str:
    return render_to_string("reporting/committee_pdf.html", {"pack": pack})


def dashboard_pdf(board: Dashboard) -> bytes:
    return pdf_from_html(dashboard_pdf_html(board))


def committee_pdf(pack: CommitteePack) -> bytes:
    return pdf_from_html(committee_pdf_html(pack))


def prepared_pdf(prepared, progress) -> bytes:
    """``iscg.downloads`` builder: the worker renders the HTML the request decided."""
    return pdf_from_html(prepared.source)
