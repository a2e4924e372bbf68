"""Confirmations before what cannot be undone: sending to signature (which freezes the text
and the plan) and the last signature (which makes the act signed). GET shows, POST acts;
signature dates are checked for order."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conventions import services
from conventions.models import Convention, ConventionStatus
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def draft():
    convention = ConventionFactory(
        reference="CONF-1",
        status=ConventionStatus.DRAFT,
        text_frozen_at=None,
        start_date=TODAY - timedelta(days=30),
        end_date=TODAY + timedelta(days=300),
        signature_place="Arras",
        original_copies=3,
    )
    for name in ("État", "CC du Ternois"):
        party = PartyFactory(organisation=convention.organisation, name=name)
        representative = RepresentativeFactory(party=party, name=f"Signataire {name}")
        ConventionPartyFactory(convention=convention, party=party, representative=representative)
    return convention


@pytest.fixture
def manager(draft):
    return UserFactory(gestionnaire=True, organisation=draft.organisation)


def _status(convention) -> str:
    return Convention.objects.get(pk=convention.pk).status


def _parties(convention):
    return [m.party for m in convention.memberships.order_by("order", "pk")]


# --------------------------------------------------------------------------- sending


def test_the_signature_page_links_to_the_confirmation_and_a_direct_post_sends_nothing(
    client, draft, manager
):
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[draft.reference])
    confirm = reverse("conventions:send_confirm", args=[draft.reference])
    assert f'href="{confirm}"' in client.get(url).content.decode()
    response = client.post(url, {"action": "envoyer"})
    assert response.status_code == 302 and response["Location"] == confirm
    assert _status(draft) == ConventionStatus.DRAFT


def test_the_send_confirmation_shows_what_is_frozen_and_get_changes_nothing(client, draft, manager):
    client.force_login(manager)
    url = reverse("conventions:send_confirm", args=[draft.reference])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce qui ne pourra plus être modifié" in page
    assert "Le texte" in page and "Le plan de financement" in page
    assert "Signataire CC du Ternois" in page
    assert "Confirmer l'envoi à la signature" in page
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.DRAFT and draft.text_frozen_at is None
    assert not draft.documents.exists()


def test_posting_the_confirmation_sends_to_signature(client, draft, manager):
    client.force_login(manager)
    response = client.post(reverse("conventions:send_confirm", args=[draft.reference]))
    assert response.status_code == 302
    assert response["Location"] == reverse("conventions:signatures", args=[draft.reference])
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.TO_SIGN and draft.text_frozen_at is not None
    assert draft.history.first().history_change_reason == "Envoi à la signature."


def test_the_send_confirmation_is_refused_to_a_coordinator_and_on_a_sent_act(
    client, draft, manager
):
    url = reverse("conventions:send_confirm", args=[draft.reference])
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(UserFactory(gestionnaire=True))  # another organisation
    assert client.get(url).status_code == 404
    assert _status(draft) == ConventionStatus.DRAFT
    services.convention_send_to_signature(convention=draft, by=manager)
    client.force_login(manager)
    response = client.post(url, follow=True)
    assert "Seul un brouillon part à la signature" in response.content.decode()
    assert _status(draft) == ConventionStatus.TO_SIGN


# --------------------------------------------------------------------------- the last signature


def _sign_post(party, on, name="Jacques BILLANT") -> dict:
    return {
        "action": "signer",
        "party": party.pk,
        f"p{party.pk}-signed_on": on.isoformat(),
        f"p{party.pk}-signatory_name": name,
    }


def test_the_last_signature_goes_through_its_confirmation(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    first, last = _parties(draft)
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[draft.reference])
    # Not the last one: recorded at once.
    assert client.post(url, _sign_post(first, TODAY)).status_code == 302
    assert draft.memberships.get(party=first).signed_on == TODAY
    assert "Dernière signature attendue" in client.get(url).content.decode()
    # The last one: sent to its confirmation, nothing recorded.
    response = client.post(url, _sign_post(last, TODAY, "Marc BRIDOUX"))
    confirm = reverse("conventions:sign_confirm", args=[draft.reference, last.pk])
    assert response.status_code == 302 and response["Location"].startswith(confirm + "?")
    assert draft.memberships.get(party=last).signed_on is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dernière signature" in text and "Ce qui ne pourra plus être modifié" in text
    assert "ne changeront plus que par un avenant" in text and "Marc BRIDOUX" in text
    assert draft.memberships.get(party=last).signed_on is None  # GET changed nothing
    assert _status(draft) == ConventionStatus.TO_SIGN
    response = client.post(confirm, {"signed_on": TODAY.isoformat(), "signatory_name": "Marc B."})
    assert response.status_code == 302
    membership = draft.memberships.get(party=last)
    assert (membership.signed_on, membership.signatory_name) == (TODAY, "Marc B.")
    assert _status(draft) == ConventionStatus.IN_FORCE


def test_the_signature_confirmation_is_refused_to_a_coordinator_and_off_signature(
    client, draft, manager
):
    last = _parties(draft)[-1]
    url = reverse("conventions:sign_confirm", args=[draft.reference, last.pk])
    query = "?" + urlencode({"signed_on": TODAY.isoformat(), "signatory_name": "X"})
    client.force_login(manager)
    response = client.post(url, {"signed_on": TODAY.isoformat(), "signatory_name": "X"})
    assert response.status_code == 302  # a draft: back to its page, nothing recorded
    assert not draft.memberships.filter(signed_on__isnull=False).exists()
    services.convention_send_to_signature(convention=draft, by=manager)
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    assert client.get(url + query).status_code == 403
    assert (
        client.post(url, {"signed_on": TODAY.isoformat(), "signatory_name": "X"}).status_code == 403
    )
    assert not draft.memberships.filter(signed_on__isnull=False).exists()


# --------------------------------------------------------------------------- dates in order


def test_a_signature_before_the_sending_or_in_the_future_is_refused(draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    party = _parties(draft)[0]
    kwargs = {"convention": draft, "party": party, "signatory_name": "X", "by": manager}
    with pytest.raises(ValidationError, match="précède l'envoi à la signature"):
        services.convention_sign(signed_on=TODAY - timedelta(days=1), **kwargs)
    with pytest.raises(ValidationError, match="futur"):
        services.convention_sign(signed_on=TODAY + timedelta(days=1), **kwargs)
    assert not draft.memberships.filter(signed_on__isnull=False).exists()


def test_the_signature_page_says_why_a_date_is_refused(client, draft, manager):
    services.convention_send_to_signature(convention=draft, by=manager)
    first, last = _parties(draft)
    client.force_login(manager)
    url = reverse("conventions:signatures", args=[draft.reference])
    for party in (first, last):  # an ordinary one, and the last (no confirmation offered)
        response = client.post(url, _sign_post(party, TODAY - timedelta(days=3)))
        assert response.status_code == 400
        assert "précède l&#x27;envoi à la signature" in response.content.decode()
    confirm = reverse("conventions:sign_confirm", args=[draft.reference, last.pk])
    early = {"signed_on": (TODAY - timedelta(days=3)).isoformat(), "signatory_name": "X"}
    response = client.post(confirm, early, follow=True)
    assert "précède l&#x27;envoi à la signature" in response.content.decode()
    response = client.post(confirm, {"signed_on": "2099-01-01", "signatory_name": "X"}, follow=True)
    assert "futur" in response.content.decode()
    assert not draft.memberships.filter(signed_on__isnull=False).exists()
