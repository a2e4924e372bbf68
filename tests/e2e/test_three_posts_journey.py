"""Issue 14's journey in a real browser: a gestionnaire drafts one convention for three posts,
the État paying 80 % of each post the first year of service, 50 % the second, 30 % after, the
posts starting mid-year; the convention page and its PDF give each post's figures and the
convention's total, read in months of service."""

import json
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from conventions.models import Convention, Party
from demo.load import load_demo
from demo.users import DEMO_PASSWORD
from financing.models import ShareLine
from iscg.models import Organisation
from tests.e2e.test_journeys import download, french, party_pk
from tests.factories import PostFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAMES = ("Poste ISG Ternois Nord", "Poste ISG Ternois Sud", "Poste ISG Ternois Est")

#: The plan the gestionnaire writes for the first post, then applies to the two others: no
#: dates, no months (the convention and each post give them).
PLAN = {
    "rounding": "down",
    "years": [{"year": y, "annual_cost": "45000"} for y in (2027, 2028, 2029, 2030)],
    "shares": [
        {"party": "etat_62", "rule": "percent_of_cost", "percent_by_rank": ["80", "50", "30"]},
        {"party": "departement_62", "rule": "fixed", "amount": "5000"},
        {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
    ],
}


@pytest.fixture
def three_posts():
    load_demo()
    organisation = Organisation.objects.get(slug="pas-de-calais")
    employer = Party.objects.get(organisation=organisation, slug="epci_cc_osartis_marquion")
    starts = (date(2027, 9, 1), date(2027, 9, 1), date(2027, 11, 1))
    return [
        PostFactory(
            organisation=organisation,
            employer=employer,
            name=name,
            slug=f"ternois-{index}",
            start_date=start,
            first_year=2027,
        )
        for index, (name, start) in enumerate(zip(NAMES, starts, strict=True))
    ]


def _lines(reference: str, post_slug: str, year: int) -> dict[str, str]:
    lines = ShareLine.objects.filter(
        convention__reference=reference, post__slug=post_slug, year=year
    )
    return {line.party.slug: str(line.amount) for line in lines}


def test_gestionnaire_drafts_a_three_post_convention_by_year_of_service(
    page, live_server, login, screenshot, three_posts
):
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/conventions/nouvelle/")
    page.get_by_role("link", name="Nouvelle convention").click()
    for name in NAMES:
        page.get_by_label(name, exact=True).check()
    page.locator("#id_kind").select_option(label="Convention de financement")
    page.get_by_label("Référence").fill("PDC2027-TER")
    page.get_by_label("Intitulé").fill("Convention de financement de trois postes du Ternois")
    page.get_by_label("Date de début").fill("2027-09-01")
    page.get_by_label("Date de fin").fill("2030-08-31")
    page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()
    expect(page.locator("h1")).to_contain_text("PDC2027-TER — parties et rôles")

    # Parties: État and Département fund; the CC employs the three intervenants.
    parties = [
        ("etat_62", ("Signataire", "Financeur")),
        ("departement_62", ("Signataire", "Financeur")),
        ("epci_cc_osartis_marquion", ("Signataire", "Financeur", "Employeur")),
    ]
    for _ in range(3):  # rows are offered as the step is saved (bounded)
        rows = page.locator("table.formset tbody tr")
        chosen = {
            rows.nth(i).locator("select[name$='-party']").input_value() for i in range(rows.count())
        }
        for index in range(rows.count()):
            row = rows.nth(index)
            if row.locator("select[name$='-party']").input_value():
                continue
            missing = [p for p in parties if str(party_pk(p[0])) not in chosen]
            if not missing:
                break
            slug, roles = missing[0]
            row.locator("select[name$='-party']").select_option(value=str(party_pk(slug)))
            chosen.add(str(party_pk(slug)))
            for role in roles:
                row.get_by_label(role, exact=True).check()
        page.get_by_role("button", name="Enregistrer et passer au financement").click()
        expect(page.locator("h1")).to_contain_text("Plan de financement — PDC2027-TER")
        if all(str(party_pk(slug)) in chosen for slug, _ in parties):
            break
        page.goto(f"{live_server.url}/conventions/PDC2027-TER/brouillon/parties/")

    # The plan of the first post, then the same plan for the two others.
    page.goto(f"{live_server.url}/conventions/PDC2027-TER/financement/?poste=ternois-0")
    page.locator("summary", has_text="Exporter ou importer un plan").click()
    page.locator("#id_plan").fill(json.dumps(PLAN))  # a plan exported elsewhere, pasted
    page.get_by_role("button", name="Importer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    page.get_by_role("link", name="Appliquer ce plan aux autres postes").click()
    page.get_by_role("button", name="Afficher les postes concernés").click()
    page.get_by_label("Je confirme").check()
    page.get_by_role("button", name="Appliquer ce plan").click()

    # Months of service: 2027 is 4 months at 80 % (2 for the third post, from 1 November),
    # 2028 8 months at 80 % and 4 at 50 % (70 %; 10 and 2 for the third: 75 %), 2030 ends on
    # 31 August.
    nord = {y: _lines("PDC2027-TER", "ternois-0", y) for y in (2027, 2028, 2029, 2030)}
    assert nord == {
        2027: {"etat_62": "12000.00", "departement_62": "1666.00", "epci_cc_osartis_marquion": "1334.00"},
        2028: {"etat_62": "31500.00", "departement_62": "5000.00", "epci_cc_osartis_marquion": "8500.00"},
        2029: {"etat_62": "19500.00", "departement_62": "5000.00", "epci_cc_osartis_marquion": "20500.00"},
        2030: {"etat_62": "9000.00", "departement_62": "3333.00", "epci_cc_osartis_marquion": "17667.00"},
    }  # fmt: skip
    assert _lines("PDC2027-TER", "ternois-1", 2028) == nord[2028]
    assert _lines("PDC2027-TER", "ternois-2", 2027) == {
        "etat_62": "6000.00",
        "departement_62": "833.00",
        "epci_cc_osartis_marquion": "667.00",
    }
    assert _lines("PDC2027-TER", "ternois-2", 2028)["etat_62"] == "33750.00"

    # The convention page: each post's share and the convention's total for 2028.
    page.goto(f"{live_server.url}/conventions/PDC2027-TER/")
    main = french(page.locator("main").inner_text())
    for name in NAMES:
        assert name in main
    assert "31 500 €" in main and "33 750 €" in main
    assert "96 750 €" in main  # the État in 2028: 31 500 + 31 500 + 33 750
    screenshot("convention-trois-postes")

    # The PDF's financing table: a block per post, the convention's total.
    pdf = download(page, live_server, page.get_by_role("link", name="PDF du projet"), "ter.pdf")
    text = french(" ".join(p.extract_text() for p in PdfReader(pdf).pages))
    for name in NAMES:
        assert name in text.replace("\n", " ")
    for figure in ("12 000", "31 500", "33 750", "96 750", "6 000"):
        assert figure in text, figure
    assert Convention.objects.get(reference="PDC2027-TER").financing_plans.count() == 3

    # On a phone, the convention's page and its plan scroll only inside their tables.
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (
        "/conventions/PDC2027-TER/",
        "/conventions/PDC2027-TER/financement/?poste=ternois-2",
    ):
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") == 390, url
    screenshot("convention-trois-postes-telephone")
