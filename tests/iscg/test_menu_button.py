"""The main navigation's « Menu » button for phones: rendered hidden (shown by our own script,
static/js/menu.js, never a CDN), controlling the list of links; none before login."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_has_the_menu_button_and_its_script(client):
    client.force_login(UserFactory(gestionnaire=True))
    html = client.get(reverse("home")).content.decode()
    assert (
        '<button type="button" class="menu-button" aria-expanded="false" '
        'aria-controls="menu-principal" hidden>Menu</button>'
    ) in html
    assert '<ul class="container" id="menu-principal">' in html
    assert '<script src="/static/js/menu.js" defer></script>' in html
    script = (settings.BASE_DIR / "static" / "js" / "menu.js").read_text()
    assert "aria-expanded" in script and "http" not in script


def test_the_login_page_has_no_menu(client):
    html = client.get(reverse("login")).content.decode()
    assert "menu-principal" not in html
