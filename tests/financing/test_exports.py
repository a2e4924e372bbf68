"""Exports of the annual table on the demo data: XLSX, PDF and the SCDL open-data CSV."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from stdnum import luhn
from stdnum.fr import siret

from conventions.models import Party
from demo.users import GESTIONNAIRE_EMAIL
from financing import exports, selectors
from iscg.models import Organisation, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]

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
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
PERIOD_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$")


def luhn_siret(prefix: str) -> str:
    """A valid SIRET from 13 digits: the SIREN's 9th digit and the 14th made Luhn check digits."""
    assert len(prefix) == 13
    siren = prefix[:8] + luhn.calc_check_digit(prefix[:8])
    body = siren + prefix[9:]
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def gestionnaire(client):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    return client


def pdc_party(slug: str) -> Party:
    return Party.objects.get(organisation__slug="pas-de-calais", slug=slug)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_luhn_siret_helper():
    number = luhn_siret("2262000010001")
    assert len(number) == 14 and siret.is_valid(number)
    assert not siret.is_valid(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_xlsx_opens_and_holds_the_totals(gestionnaire):
    response = gestionnaire.get("/financement/2023/tableau.xlsx")
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


def test_pdf_export_is_a_pdf_with_posts_and_amounts(gestionnaire, fetch):
    response = fetch(gestionnaire, "/financement/2023/tableau.pdf")
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


def test_scdl_csv_has_the_14_columns_and_exports_no_row_without_siret(gestionnaire):
    response = gestionnaire.get("/financement/2023/subventions.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response.content)
    assert rows[0] == SCDL_COLUMNS
    assert len(rows) == 1  # no party of the demo has a SIRET: nothing exported silently


def test_scdl_check_page_lists_the_rows_lacking_a_siret(gestionnaire):
    response = gestionnaire.get("/financement/2023/subventions.csv?verifier=1")
    assert response.status_code == 200
    missing = response.context["missing"]
    # The Département's participations to other employers in signed acts (A13, awaiting
    # signature, is not published before it is signed).
    assert len(missing) == 9
    html = response.content.decode()
    assert "PDC2023-A08 (Poste ISG Ternois, 14\u00a0333\u00a0€)" in html
    assert "SIRET de l&#x27;attribuant Département du Pas-de-Calais manquant" in html
    assert "SIRET du bénéficiaire Communauté de Communes du Ternois manquant" in html


def test_scdl_row_when_both_parties_have_a_siret(gestionnaire):
    departement = pdc_party("departement_62")
    ternois = pdc_party("epci_cc_ternois")
    departement.siret = luhn_siret("2262000010001")
    departement.full_clean()
    departement.save()
    ternois.siret = luhn_siret("2462014230001")
    ternois.full_clean()
    ternois.save()

    response = gestionnaire.get("/financement/2023/subventions.csv")
    rows = read_csv(response.content)
    assert rows[0] == SCDL_COLUMNS
    assert len(rows) == 2
    row = dict(zip(SCDL_COLUMNS, rows[1], strict=True))
    assert row["nomAttribuant"] == "Département du Pas-de-Calais"
    assert row["idAttribuant"] == departement.siret
    assert row["nomBeneficiaire"] == ternois.name
    assert row["idBeneficiaire"] == ternois.siret
    assert DATE_RE.match(row["dateConvention"])
    assert date.fromisoformat(row["dateConvention"]) == date(2023, 1, 1)
    assert row["referenceDecision"] == "2023-332"
    assert row["montant"] == "14333.00"
    assert row["nature"] == "aide en numéraire"
    assert row["conditionsVersement"] == "unique"
    assert PERIOD_RE.match(row["datesPeriodeVersement"])
    assert row["datesPeriodeVersement"] == "2023-01-01/2023-12-31"
    assert row["notificationUE"] == "non"
    assert 0 < Decimal(row["pourcentageSubvention"]) <= 1
    assert 0 < len(row["objet"]) <= 256

    check = gestionnaire.get("/financement/2023/subventions.csv?verifier=1")
    assert len(check.context["missing"]) == 8  # the other beneficiaries still lack one


def test_scdl_rows_follow_the_schema_rules():
    """Every exported row, whatever the data: SIRET pattern, ISO dates, 0 < percentage ≤ 1."""
    for party in Party.objects.filter(organisation__slug="pas-de-calais"):
        party.siret = luhn_siret(f"{2000000000000 + party.pk:013d}")
        party.save()
    table = selectors.annual_table(Organisation.objects.get(slug="pas-de-calais"), 2023)
    rows, missing = exports.scdl_rows(table)
    assert missing == []
    assert len(rows) == 9
    assert sum(Decimal(row["montant"]) for row in rows) == 123687 - 4666
    assert not any("Osartis" in row["nomBeneficiaire"] for row in rows)  # A13: à signer


def test_scdl_publishes_osartis_once_signed():
    from conventions.models import Convention

    Convention.objects.filter(reference="PDC2023-A13").update(status="signee")
    for party in Party.objects.filter(organisation__slug="pas-de-calais"):
        party.siret = luhn_siret(f"{2000000000000 + party.pk:013d}")
        party.save()
    table = selectors.annual_table(Organisation.objects.get(slug="pas-de-calais"), 2023)
    rows, missing = exports.scdl_rows(table)
    assert sum(Decimal(row["montant"]) for row in rows) == 123687
    for row in rows:
        assert list(row) == SCDL_COLUMNS
        assert re.match(r"^\d{14}$", row["idAttribuant"])
        assert re.match(r"^\d{14}$", row["idBeneficiaire"])
        assert DATE_RE.match(row["dateConvention"])
        assert PERIOD_RE.match(row["datesPeriodeVersement"])
        assert 0 < Decimal(row["pourcentageSubvention"]) <= 1
    osartis = next(row for row in rows if "Osartis" in row["nomBeneficiaire"])
    assert osartis["montant"] == "4666.00"
    assert osartis["datesPeriodeVersement"] == "2023-09-01/2023-12-31"


def test_scdl_check_names_an_invalid_siret_stored_before_the_check():
    """A SIRET stored around the validator (an old import) is reported, not published."""
    Party.objects.filter(pk=pdc_party("departement_62").pk).update(siret="22620000100019")
    assert not siret.is_valid("22620000100019")
    table = selectors.annual_table(Organisation.objects.get(slug="pas-de-calais"), 2023)
    rows, missing = exports.scdl_rows(table)
    assert rows == []
    assert "SIRET de l'attribuant Département du Pas-de-Calais invalide" in missing[0]
