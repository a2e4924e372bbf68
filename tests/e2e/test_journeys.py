"""The journeys users make, in a real browser (headless Chromium)."""

import json
import re

import pytest
from playwright.sync_api import expect

from conventions.demo import load_demo
from conventions.models import Convention, Party
from iscg.demo_users import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


@pytest.fixture
def demo():
    load_demo()


def party_pk(slug: str) -> int:
    return Party.objects.get(slug=slug, organisation__slug="pas-de-calais").pk


def test_gestionnaire_drafts_a_convention_with_three_co_funders(
    page, live_server, login, screenshot, demo
):
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    page.get_by_role("link", name="Rédiger une nouvelle convention").click()

    # 1. Post and kind
    page.get_by_label("Nouvelle convention").check()
    page.locator("#id_post").select_option(label="Poste ISG Osartis Marquion")
    page.locator("#id_kind").select_option(label="Convention de financement")
    page.get_by_label("Référence").fill("PDC2027-E2E")
    page.get_by_label("Intitulé").fill(
        "Convention de financement 2027 du poste ISG Osartis Marquion"
    )
    page.get_by_label("Date de début").fill("2027-01-01")
    page.get_by_label("Date de fin").fill("2027-12-31")
    page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()
    expect(page.locator("h1")).to_contain_text("PDC2027-E2E — parties et rôles")

    # 2. Parties: the State and the Département fund, the CC employs and bears the rest
    rows = page.locator("table.formset tbody tr")
    for index, (party, roles) in enumerate(
        [
            ("etat_62", ["signataire", "financeur"]),
            ("departement_62", ["signataire", "financeur"]),
        ]
    ):
        row = rows.nth(index)
        row.locator("select[name$='-party']").select_option(value=str(party_pk(party)))
        for role in roles:
            row.get_by_label(role.capitalize(), exact=True).check()
    page.get_by_role("button", name="Enregistrer et passer au financement").click()
    expect(page.locator("h1")).to_contain_text("Plan de financement — PDC2027-E2E")
    # Two new rows were offered; come back to the step to add the employer: nothing was lost.
    page.goto(f"{live_server.url}/conventions/PDC2027-E2E/brouillon/parties/")
    row = page.locator("table.formset tbody tr").nth(2)
    row.locator("select[name$='-party']").select_option(
        value=str(party_pk("epci_cc_osartis_marquion"))
    )
    for role in ("Signataire", "Financeur", "Employeur"):
        row.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Enregistrer et passer au financement").click()
    expect(page.locator("h1")).to_contain_text("Plan de financement — PDC2027-E2E")

    # 3. Financing: the split is recomputed as the plan is typed
    plan = {
        "rounding": "down",
        "first_year": 2027,
        "years": [{"year": 2027, "annual_cost": "42000", "months": 4}],
        "shares": [
            {"party": "etat_62", "rule": "fixed", "amount": "14000"},
            {"party": "departement_62", "rule": "fixed", "amount": "14000"},
            {"party": "epci_cc_osartis_marquion", "rule": "remainder"},
        ],
    }
    page.get_by_label(re.compile("Mois financés saisis à la main")).check()
    page.locator("#id_plan").fill(json.dumps(plan, indent=2))
    preview = page.locator("#apercu")
    expect(preview).to_contain_text(f"4{NBSP}666{NBSP}€")
    expect(preview).to_contain_text(f"4{NBSP}668{NBSP}€")
    page.get_by_role("button", name="Enregistrer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    expect(page.locator("table").first).to_contain_text(f"4{NBSP}668{NBSP}€")
    screenshot("gestionnaire-plan")

    convention = Convention.objects.get(reference="PDC2027-E2E")
    amounts = {line.party.slug: line.amount for line in convention.share_lines.all()}
    assert {k: str(v) for k, v in amounts.items()} == {
        "etat_62": "4666.00",
        "departement_62": "4666.00",
        "epci_cc_osartis_marquion": "4668.00",
    }
