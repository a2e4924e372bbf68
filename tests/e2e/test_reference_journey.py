"""A gestionnaire of an organisation with no data records its parties, a representative and a
post with two units, in the browser, without the back-office; then the same pages at 390 px."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conventions.models import Party, Post
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.queue import run_queue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_gestionnaire_builds_a_new_territory_from_nothing(page, live_server, login, screenshot):
    organisation = OrganisationFactory(name="Département du Finistère", slug="finistere")
    user = UserFactory(gestionnaire=True, organisation=organisation, email="g@finistere.fr")
    user.set_password(PASSWORD)
    user.save()
    login("g@finistere.fr", PASSWORD)

    # Parties: the employer and the State, from the Parties list
    for kind, name in [("CCAS / CIAS", "CIAS du Pays de Quimper"), ("État", "Préfecture")]:
        page.goto(f"{live_server.url}/conventions/parties/")
        page.get_by_role("link", name="Nouvelle partie").click()
        page.get_by_label("Nature").select_option(label=kind)
        page.get_by_label("Dénomination officielle").fill(name)
        page.get_by_role("button", name="Enregistrer la partie").click()
        expect(page.locator("h1")).to_have_text(name)

    # A representative for the State (the page is the préfecture's)
    page.get_by_role("link", name="Nouveau représentant").click()
    page.get_by_label("Nom").fill("Alexandre ROCHATTE")
    page.get_by_label("Qualité").fill("Préfet du Finistère")
    page.get_by_label("En fonction du").fill("2024-01-15")
    page.get_by_role("button", name="Enregistrer le représentant").click()
    expect(page.locator("main")).to_contain_text("Alexandre ROCHATTE, Préfet du Finistère")

    # A post with two units, the second row added in place
    page.goto(f"{live_server.url}/conventions/postes/")
    page.get_by_role("link", name="Nouveau poste").click()
    page.get_by_label("Intitulé").fill("ISCG Quimper")
    page.locator("#id_kind").select_option(value="ISCG")
    page.get_by_label("Employeur").select_option(label="CIAS du Pays de Quimper")
    units = page.locator("fieldset[data-rows='unites']")
    rows = units.locator("tbody tr")
    expect(rows).to_have_count(2)
    units.get_by_role("button", name="Ajouter une ligne").click()
    expect(rows).to_have_count(3)
    for index, (name, kind, share) in enumerate(
        [
            ("Commissariat de Quimper", "Commissariat", "60"),
            ("Compagnie de Quimper", "Compagnie de gendarmerie", "40"),
        ]
    ):
        row = rows.nth(index * 2)  # the first row and the one added in place
        row.locator("input[name$='-name']").fill(name)
        row.locator("select[name$='-kind']").select_option(label=kind)
        row.locator("input[name$='-time_share']").fill(share)
    page.get_by_role("button", name="Enregistrer le poste").click()
    expect(page.locator("h1")).to_have_text("ISCG Quimper")
    screenshot("referentiel-poste")
    post = Post.objects.get(organisation=organisation)
    assert sorted(post.units.values_list("time_share", flat=True)) == [Decimal(40), Decimal(60)]
    assert post.employer == Party.objects.get(name="CIAS du Pays de Quimper")

    # Communes from the model spreadsheet, imported from the Parties list
    page.goto(f"{live_server.url}/conventions/parties/")
    page.get_by_role("link", name="Importer depuis un tableur").click()
    page.get_by_label("Fichier du tableur").set_input_files(
        files=[
            {
                "name": "communes.csv",
                "mimeType": "text/csv",
                "buffer": b"nature;denomination\r\nCommune;Commune de Concarneau\r\n",
            }
        ]
    )
    page.get_by_role("button", name="Vérifier et importer").click()
    expect(page.locator("main")).to_contain_text("Fichier déposé")  # the worker imports it
    run_queue()
    page.reload()
    expect(page.locator("main")).to_contain_text("Import terminé : 1 partie ajoutée")
    assert Party.objects.filter(organisation=organisation, slug="commune_de_concarneau").exists()

    # The year's budget line, from the annual table's check
    page.goto(f"{live_server.url}/financement/2027/")
    page.get_by_role("link", name="Saisir la ligne budgétaire 2027").click()
    page.get_by_label("Imputation").fill("6568//934213")
    page.get_by_label("Crédits de paiement (CP)").fill("120000")
    page.get_by_label("Disponible").fill("90000")
    page.get_by_role("button", name="Enregistrer la ligne budgétaire").click()
    expect(page.get_by_role("link", name="Modifier la ligne budgétaire 2027")).to_be_visible()

    # The same pages fit a phone
    page.set_viewport_size({"width": 390, "height": 844})
    for url in [
        "/conventions/parties/",
        "/conventions/parties/nouvelle/",
        f"/conventions/postes/{post.pk}/modifier/",
        "/conventions/parties/importer/",
        "/conventions/deliberations/",
        "/financement/2027/ligne-budgetaire/",
    ]:
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") == 390, url
    page.goto(f"{live_server.url}/conventions/postes/{post.pk}/modifier/")
    screenshot("telephone-referentiel-poste")
