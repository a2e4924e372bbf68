"""The guided plan editor in a browser: rows added and removed in place (static/js/
plan_rows.js, no reload), a split share typed, the preview in words, the page at 390 px."""

import pytest
from playwright.sync_api import expect

from conventions.models import Convention
from demo.load import load_demo
from demo.users import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"
REFERENCE = "PDC2024-A10"  # the demo's draft renewal


@pytest.fixture
def demo():
    load_demo()


def test_rows_are_added_and_removed_in_place_and_a_split_is_saved(
    page, live_server, login, screenshot, demo
):
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    url = f"{live_server.url}/conventions/{REFERENCE}/financement/"
    page.goto(url)
    shares = page.locator("#rows-part > fieldset.plan-share")
    before = shares.count()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # Only the fields of the chosen rule show: a remainder has no amount; back to a fixed
    # amount, the value typed is still there.
    first = shares.nth(0)
    amount = first.get_by_label("Montant annuel (€)")
    typed = amount.input_value()
    first.get_by_label("Règle").select_option("remainder")
    expect(amount).to_be_hidden()
    expect(first.get_by_label("Pourcentage (%)")).to_be_hidden()
    first.get_by_label("Règle").select_option("fixed")
    expect(amount).to_have_value(typed)
    expect(first.get_by_label("Pourcentage (%)")).to_be_hidden()
    expect(first.locator("details[data-split]")).to_be_hidden()

    page.get_by_role("button", name="Ajouter une part").click()
    expect(shares).to_have_count(before + 1)
    new = shares.nth(before)
    new.get_by_label("Qui paie").select_option("__repartie__")
    expect(new.locator("details[data-split]")).to_have_attribute("open", "")
    new.get_by_label("Règle").select_option("fixed")
    new.get_by_label("Montant annuel (€)").fill("6000")
    rows = new.locator("details[data-split] tbody tr")
    expect(rows).to_have_count(2)
    new.get_by_role("button", name="Ajouter une partie à la répartition").click()
    expect(rows).to_have_count(3)
    rows.nth(0).locator("select").select_option("etat_62")
    rows.nth(1).locator("select").select_option("departement_62")
    # The third row, left blank, is removed in place.
    rows.nth(2).get_by_role("button", name="Retirer").click()
    expect(rows.nth(2)).to_be_hidden()

    # A year added then removed: nothing of it is saved.
    years = page.locator("#rows-annee > tr")
    count = years.count()
    page.get_by_role("button", name="Ajouter une année").click()
    expect(years).to_have_count(count + 1)
    years.nth(count).get_by_role("button", name="Retirer").click()
    expect(years.nth(count)).to_be_hidden()

    preview = page.locator("#apercu")
    expect(preview).to_contain_text("répartie entre")
    expect(preview).to_contain_text("à parts égales")
    assert navigations == []  # no reload
    screenshot("plan-editeur-repartition")

    page.get_by_role("button", name="Enregistrer et recalculer").click()
    expect(page.locator(".message-success")).to_contain_text("Plan enregistré")
    plan = Convention.objects.get(reference=REFERENCE).financing_plans.get()
    split = [s for s in plan.data["shares"] if "split" in s]
    assert split == [
        {
            "split": [{"party": "etat_62", "key": "1"}, {"party": "departement_62", "key": "1"}],
            "rule": "fixed",
            "amount": "6000",
        }
    ]

    # At 390 px the editor fits: one column, tables scroll inside their own box.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    screenshot("telephone-plan-editeur")
