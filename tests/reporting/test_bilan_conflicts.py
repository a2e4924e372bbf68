"""Lost updates on bilans (issue 18): the intervenant and a gestionnaire save the same bilan
from the same loaded page; the second gets the conflict page (409) with both versions, and the
first save stays whole. And one bilan created twice at once gets a French message, not a 500."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError

from reporting import services
from reporting.models import Bilan
from tests.conflicts import logged_in, refused_as_stale, version_of
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory
from tests.reporting.test_views import post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    post = PostFactory(organisation=organisation)
    bilan = BilanFactory(post=post, year=2023, referrals_total=50, comment="Premier jet.")
    intervenant = UserFactory(
        intervenant=True, post=post, organisation=organisation, first_name="Inès"
    )
    gestionnaire = UserFactory(
        gestionnaire=True, organisation=organisation, first_name="Gaëlle", last_name="Martin"
    )
    return {"bilan": bilan, "post": post, "intervenant": intervenant, "gestionnaire": gestionnaire}


def test_the_second_save_of_a_bilan_gets_the_conflict_page(world):
    bilan = world["bilan"]
    url = f"/bilans/bilan/{bilan.pk}/modifier/"
    intervenant, gestionnaire = logged_in(world["intervenant"]), logged_in(world["gestionnaire"])
    stale = version_of(intervenant.get(url))
    assert version_of(gestionnaire.get(url)) == stale
    saved = gestionnaire.post(url, post_data(comment="Chiffres vérifiés.", version=stale))
    assert saved.status_code == 302
    history = bilan.history.count()
    refused = intervenant.post(
        url,
        post_data(
            referrals_women="",
            referrals_men="",
            referrals_children="",
            referrals_total="",
            comment="Ma version.",
            version=stale,
        ),
    )
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "le bilan 2023 du poste" in html
    assert "Gaëlle Martin" in html
    assert "Chiffres vérifiés." in html and "Ma version." in html  # both versions shown
    bilan.refresh_from_db()
    assert (bilan.referrals_total, bilan.comment) == (100, "Chiffres vérifiés.")
    assert bilan.history.count() == history  # nothing written


def test_a_fresh_page_saves_the_bilan(world):
    bilan = world["bilan"]
    url = f"/bilans/bilan/{bilan.pk}/modifier/"
    client = logged_in(world["intervenant"])
    client.post(url, post_data(version=version_of(client.get(url))))
    response = client.post(url, post_data(comment="Deuxième.", version=version_of(client.get(url))))
    assert response.status_code == 302
    bilan.refresh_from_db()
    assert bilan.comment == "Deuxième."


def test_monthly_parts_saved_in_between_are_not_lost(world):
    bilan = world["bilan"]
    url = f"/bilans/bilan/{bilan.pk}/modifier/"
    client = logged_in(world["gestionnaire"])
    stale = version_of(client.get(url))
    services.replace_parts(
        bilan, [{"kind": "mois", "number": 1, "label": "", "referrals_total": 9}]
    )
    refused = client.post(url, post_data(version=stale))
    assert refused.status_code == 409
    assert "Ventilation" in unescape(refused.content.decode())
    assert bilan.parts.get().referrals_total == 9


def test_a_bilan_created_in_between_gets_a_french_message(world, monkeypatch):
    """The unique constraint answers while the bilan is being created (another request won the
    race): the model's check or the database refuse, and the service says it in French."""
    post = world["post"]
    gestionnaire = world["gestionnaire"]
    real_defaults = services.new_bilan_defaults

    def created_meanwhile(post_):  # after the service's own check, before its insert
        Bilan.objects.create(post=post_, year=2024)
        return real_defaults(post_)

    monkeypatch.setattr(services, "new_bilan_defaults", created_meanwhile)
    client = logged_in(gestionnaire)
    response = client.post(f"/bilans/poste/{post.pk}/2024/saisir/", post_data())
    assert response.status_code == 400
    assert "a déjà un bilan pour 2024" in unescape(response.content.decode())
    # (The competitor, created here inside the refused request, is rolled back with it; the
    # real race on PostgreSQL is in tests/test_concurrency_postgres.py.)
    assert Bilan.objects.filter(post=post, year=2024).count() <= 1


def test_the_database_refusal_of_a_second_bilan_is_a_french_message(world, monkeypatch):
    post = world["post"]
    monkeypatch.setattr(Bilan, "full_clean", lambda self, *a, **k: None)  # the insert decides
    real_defaults = services.new_bilan_defaults

    def created_meanwhile(post_):
        Bilan.objects.create(post=post_, year=2025)
        return real_defaults(post_)

    monkeypatch.setattr(services, "new_bilan_defaults", created_meanwhile)
    with pytest.raises(ValidationError) as error:
        services.bilan_create(user=world["gestionnaire"], post=post, year=2025)
    assert "a déjà un bilan pour 2025" in str(error.value)
    assert Bilan.objects.filter(post=post, year=2025).count() <= 1


def test_a_save_without_the_version_is_refused_as_a_stale_page(world):
    bilan = world["bilan"]
    url = f"/bilans/bilan/{bilan.pk}/modifier/"
    gestionnaire = logged_in(world["gestionnaire"])
    history = bilan.history.count()
    refused = gestionnaire.post(url, post_data(comment="Sans version."))
    refused_as_stale(refused, "le bilan 2023 du poste", "Premier jet.", "Sans version.")
    bilan.refresh_from_db()
    assert (bilan.referrals_total, bilan.comment) == (50, "Premier jet.")
    assert bilan.history.count() == history
