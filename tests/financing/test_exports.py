"""Exports of the annual table on the demo data: XLSX and PDF (the open data file:
test_opendata.py)."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from financing import selectors
from iscg.models import Organisation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def test_xlsx_opens_and_holds_the_totals(demo_gestionnaire):
    response = demo_gestionnaire.get("/financement/2023/tableau.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="financement-2023.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    labelled = {row[3]: row[4] for row in rows if len(row) > 4 and isinstance(row[3], str)}
    assert labelled["Crédits de paiement"] == 172500
    assert labelled["Disponible"] == 149800
    # A13 awaits signature: prévisionnel, beside what is due.
    assert labelled["Dû à d'autres employeurs (actes signés)"] == 123687 - 4666
    assert labelled["Prévisionnel (à signer ou en brouillon)"] == 4666
    assert labelled["Proposition (signés et prévisionnel)"] == 123687
    assert labelled["Solde après signature du prévisionnel"] == 26113
    assert any(row[2] == "PDC2023-A13" and "prévisionnel" in str(row[5]) for row in rows)
    totals = {row[0]: row for row in rows if row[0] == "Total"}
    table = selectors.annual_table(Organisation.objects.get(slug="pas-de-calais"), 2023)
    assert Decimal(str(totals["Total"][4])) == table.total
    assert Decimal(str(totals["Total"][6])) == table.total_cost
    # Row by row: a co-funder's amount, and the written amount beside a gap.
    bethune = [row for row in rows if row[0] == "Poste ISC Artois"]
    assert {row[3]: row[4] for row in bethune}["Département du Pas-de-Calais"] == 17510
    boulogne = [row for row in rows if row[0] == "Poste ISC Boulonnais" and row[2] == "PDC2023-A04"]
    departement = next(row for row in boulogne if row[3] == "Département du Pas-de-Calais")
    assert (departement[4], departement[8], departement[9]) == (22409, 23324, 915)
    assert any(
        row[0] == "Subventions par convention d'objectifs (non ajoutées aux totaux)" for row in rows
    )


def test_pdf_export_is_a_pdf_with_posts_and_amounts(demo_gestionnaire, fetch):
    response = fetch(demo_gestionnaire, "/financement/2023/tableau.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"[\u00a0\u202f\s]+", " ", text)
    assert "Poste ISC Artois" in text
    assert "17 510 €" in text
    assert "123 687 €" in text  # proposition: signed + prévisionnel
    assert "26 113 €" in text
    assert "Prévisionnel 2023" in text
    # The grand total is printed once, after the last post, not under each page's part.
    pages = [re.sub(r"[\u00a0\u202f ]+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) > 1
    totals = [n for n, page in enumerate(pages) if re.search(r"^Total 534 850 €", page, re.M)]
    assert len(totals) == 1, totals
