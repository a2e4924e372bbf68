"""The number of original copies (« en quatre exemplaires originaux ») is typed at the draft's
first step, as the place of signature: the national model asks for it, and it was only in the
back-office, refused to a gestionnaire."""

import pytest
from django.urls import reverse

from conventions import blanks
from conventions.models import Convention
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_blank_number_of_copies_is_filled_at_the_information_step():
    for name in ("convention.exemplaires", "convention.exemplaires_lettres"):
        (first, *_) = blanks.where_to_fill(name, reference="FIN-1", convention_id=4)
        assert first.url == "/conventions/FIN-1/brouillon/informations/"
        assert "exemplaires" in first.label


def test_step_one_and_the_information_step_record_the_copies(client):
    gestionnaire = UserFactory(gestionnaire=True)
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    data = {
        "mode": "nouvelle",
        "post": post.pk,
        "kind": "partenariat_triennal",
        "reference": "FIN2027-N01",
        "title": "Convention triennale",
        "start_date": "2027-01-01",
        "end_date": "2029-12-31",
        "notice_months": 3,
        "signature_place": "Quimper",
        "original_copies": "5",
    }
    assert client.post(reverse("wizard_start"), data).status_code == 302
    convention = Convention.objects.get(reference="FIN2027-N01")
    assert convention.original_copies == 5

    info = reverse("wizard_info", args=[convention.reference])
    assert "Exemplaires originaux" in client.get(info).content.decode()
    values = {k: data[k] for k in ("title", "start_date", "end_date", "notice_months")}
    assert client.post(info, {**values, "original_copies": "4"}).status_code == 302
    convention.refresh_from_db()
    assert convention.original_copies == 4
    # Refused in French, nothing changed
    response = client.post(info, {**values, "original_copies": "0"})
    assert response.status_code == 400
    assert "supérieure ou égale à 1" in response.content.decode()
    convention.refresh_from_db()
    assert convention.original_copies == 4
