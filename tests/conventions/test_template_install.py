"""A new organisation has no template to draft from: its gestionnaire installs the templates
shipped with the application and shared by every organisation (the national model), from the
templates' page or from a convention's text page; nobody else can, and nothing is installed
twice."""

import pytest
from django.urls import reverse

from conventions.models import DocumentTemplate, TemplateVersion
from conventions.template_library import shipped_templates
from tests.factories import ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db

SHARED = {t.slug for t in shipped_templates() if not t.organisation}
URL = reverse("conventions:template_install")


def test_the_shared_templates_are_listed_then_installed_once(client, gestionnaire):
    assert "modele-national" in SHARED
    client.force_login(gestionnaire)
    listing = client.get(reverse("conventions:template_list")).content.decode()
    assert "Installer les modèles fournis" in listing
    page = client.get(URL)
    assert page.status_code == 200
    assert "Modèle national — convention triennale de partenariat" in page.content.decode()
    assert not DocumentTemplate.objects.exists()  # GET writes nothing

    response = client.post(URL, follow=True)
    assert response.redirect_chain[-1][0] == reverse("conventions:template_list")
    assert "Modèles installés : « Modèle national" in response.content.decode()
    installed = DocumentTemplate.objects.filter(organisation__isnull=True)
    assert set(installed.values_list("slug", flat=True)) == SHARED
    # Only the shared ones: the Pas-de-Calais' and Dijon's belong to their organisations.
    assert DocumentTemplate.objects.count() == len(SHARED)
    versions = TemplateVersion.objects.count()

    again = client.post(URL, follow=True).content.decode()
    assert "déjà installés" in again
    assert TemplateVersion.objects.count() == versions
    assert "Installer les modèles fournis" not in (
        client.get(reverse("conventions:template_list")).content.decode()
    )


def test_the_text_page_offers_them_and_the_install_comes_back_to_it(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation, draft=True)
    client.force_login(gestionnaire)
    text_url = reverse("conventions:text", args=[convention.reference])
    page = client.get(text_url).content.decode()
    assert "Aucun modèle de convention n'est encore disponible" in page
    assert f"{URL}?suivant={text_url}" in page.replace("%2F", "/")
    response = client.post(URL, {"suivant": text_url})
    assert response.status_code == 302 and response["Location"] == text_url
    page = client.get(text_url).content.decode()
    assert "Aucun modèle de convention" not in page
    assert "Modèle national — convention triennale de partenariat (version 1)" in page


def test_an_outside_address_to_come_back_to_is_ignored(client, gestionnaire):
    client.force_login(gestionnaire)
    response = client.post(URL, {"suivant": "https://exemple.invalid/"})
    assert response["Location"] == reverse("conventions:template_list")


@pytest.mark.parametrize("role", ["coordinateur", "partenaire", "intervenant"])
def test_only_a_gestionnaire_installs_them(client, role):
    user = UserFactory(**{role: True})
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL).status_code == 403
    assert not DocumentTemplate.objects.exists()
    if role == "coordinateur":  # the list it sees offers no install
        listing = client.get(reverse("conventions:template_list")).content.decode()
        assert "Installer les modèles fournis" not in listing
