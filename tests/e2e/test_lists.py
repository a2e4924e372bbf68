"""The lists and the deadlines page in the browser (issue 15): at 390 px nothing scrolls
sideways, the "tick all" box and the feed link's copy button work (static/js/lists.js)."""

import pytest
from playwright.sync_api import expect

from demo.load import load_demo
from demo.users import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/conventions/",
    "/conventions/?tri=-titre&q=frevent",
    "/conventions/postes/",
    "/conventions/parties/",
    "/echeances/",
    "/echeances/?vue=mois&mois=2024-01",
]


@pytest.fixture
def demo():
    load_demo()


def test_lists_fit_a_phone_and_their_scripts_work(page, live_server, login, screenshot, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    login("gestionnaire@demo.iscg.fr", DEMO_PASSWORD)
    widths = {}
    for url in PAGES:
        page.goto(f"{live_server.url}{url}")
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
    screenshot("telephone-calendrier-echeances")
    assert widths == dict.fromkeys(PAGES, 390)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/conventions/")
    screenshot("liste-conventions-1280")
    page.get_by_label("Tout cocher sur cette page").check()
    boxes = page.locator('input[name="conventions"]')
    assert boxes.count() > 10
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.get_by_role("button", name="Envoyer à la signature…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("à la signature")
    expect(page.get_by_text("ne peuvent plus être modifiés")).to_be_visible()
    page.get_by_role("link", name="Annuler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conventions")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/echeances/")
    page.get_by_role("button", name="Copier le lien").click()
    expect(page.locator("#feed-url-status")).to_contain_text("copi")
