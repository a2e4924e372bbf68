"""Where a blank is filled in, as the signature page lists it: a gestionnaire is never sent to
the back-office, which refuses it (the post's page instead); an administrator still is."""

from html import unescape

import pytest
from django.urls import reverse

from tests.conventions.test_blanks import world  # noqa: F401  (the draft with blanks)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_gestionnaire_is_sent_to_its_pages_only(world, client):  # noqa: F811
    convention, post = world["convention"], world["post"]
    url = reverse("conventions:signatures", args=[convention.reference])
    client.force_login(world["manager"])
    page = unescape(client.get(url).content.decode())
    assert f'href="/conventions/postes/{post.pk}/"' in page
    assert "/admin/" not in page and "back-office (administrateur)" not in page
    # Each value by its French label, not its name in the template language
    assert "« Lieu de signature » n'a pas de valeur" in page
    assert "« Unités d'accueil » n'a pas de valeur" in page
    assert "convention.lieu_signature" not in page and "poste.unites" not in page

    admin = UserFactory(admin=True, organisation=convention.organisation)
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert f'href="/admin/conventions/post/{post.pk}/change/"' in page
