"""The text editor in a real browser, at phone width: a variable inserted at the cursor, the
preview refreshed with the convention's values, the save, then two versions side by side."""

import pytest
from playwright.sync_api import expect

from conventions import services
from conventions.models import ConventionStatus
from tests.factories import PASSWORD, ConventionFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = {
    "title": "Convention de financement du poste",
    "parties_block": "Entre :\n\n{{ bloc.parties }}",
    "articles": [{"title": "Objet", "body": "La présente convention finance le poste."}],
    "closing": "Fait à Arras.",
}


def test_a_variable_is_inserted_at_the_cursor_and_versions_compare(
    page, live_server, login, screenshot
):
    organisation = OrganisationFactory()
    convention = ConventionFactory(
        organisation=organisation, status=ConventionStatus.DRAFT, reference="E2E-TEXTE"
    )
    user = UserFactory(gestionnaire=True, organisation=organisation)
    services.convention_text_save(convention=convention, text=TEXT, by=user)
    page.set_viewport_size({"width": 390, "height": 844})
    login(user.email, PASSWORD)

    page.goto(f"{live_server.url}/conventions/E2E-TEXTE/texte/")
    page.get_by_role("link", name="Modifier : Article 1 « Objet »").click()
    body = page.get_by_label("Texte de l'article")
    body.click()
    body.press("Control+Home")  # the cursor at the very start
    page.get_by_label("Chercher une valeur").fill("reference de la conv")  # no accents needed
    page.get_by_role("button", name="Insérer : Référence de la convention").click()
    expect(body).to_have_value(
        "{{ convention.reference }} La présente convention finance le poste."
    )
    expect(page.locator("#apercu")).to_contain_text("E2E-TEXTE La présente convention")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"la page défile de côté ({width} px)"

    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("Article 1 « Objet » enregistré.")
    convention.refresh_from_db()
    assert convention.text["articles"][0]["body"].startswith("{{ convention.reference }} La")

    page.get_by_role("link", name="Versions (2)").click()
    expect(page.locator(".comparison ins").first).to_contain_text("[Référence de la convention]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("texte-versions-390")
