"""A draft never sent to signature is deleted (kept in the history, listed for the staff); one
sent, even if the request was withdrawn, is abandoned instead."""

import pytest
from django.urls import reverse

from conventions import drafting, services
from conventions.models import Convention, ConventionParty, ConventionStatus
from financing.models import FinancingPlan
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    FinancingPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    convention = ConventionFactory(
        reference="BROU-1", title="Projet 2027", status=ConventionStatus.DRAFT, text_frozen_at=None
    )
    ConventionPartyFactory(convention=convention)
    FinancingPlanFactory(convention=convention)
    return convention


@pytest.fixture
def manager(draft):
    return UserFactory(gestionnaire=True, organisation=draft.organisation, last_name="Lefort")


def test_the_page_offers_delete_and_abandon_on_a_draft_never_sent(client, draft, manager):
    client.force_login(manager)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Supprimer ce brouillon" in page and "Abandonner ce brouillon" in page
    url = reverse("conventions:delete", args=[draft.reference])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Confirmer la suppression" in confirm.content.decode()
    assert Convention.objects.filter(pk=draft.pk).exists()  # GET deletes nothing


def test_deleting_a_draft_keeps_it_in_the_history_and_the_list(client, draft, manager):
    client.force_login(manager)
    response = client.post(
        reverse("conventions:delete", args=[draft.reference]), {"reason": "Créé en double"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("conventions:deleted_drafts")
    assert not Convention.objects.filter(pk=draft.pk).exists()
    assert not ConventionParty.objects.filter(convention_id=draft.pk).exists()
    assert not FinancingPlan.objects.filter(convention_id=draft.pk).exists()
    record = Convention.history.get(history_type="-", id=draft.pk)
    assert record.history_user == manager and record.reference == "BROU-1"
    assert record.history_change_reason == "Brouillon supprimé. Motif : Créé en double"
    listing = client.get(reverse("conventions:deleted_drafts")).content.decode()
    assert "BROU-1" in listing and "Projet 2027" in listing and "Créé en double" in listing
    assert "Lefort" in listing and "@" not in listing.split("<main", 1)[-1].split("</main>")[0]


def test_a_draft_once_sent_is_not_deleted_but_abandoned(client, draft, manager):
    services.convention_send_to_signature(
        convention=draft, by=manager, send_with_blanks=True, reason="Test"
    )
    services.convention_signature_withdraw(convention=draft, by=manager, reason="Erreur")
    draft.refresh_from_db()
    assert draft.status == ConventionStatus.DRAFT and not drafting.never_sent(draft)
    client.force_login(manager)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Supprimer ce brouillon" not in page and "ne se supprime pas" in page
    response = client.post(reverse("conventions:delete", args=[draft.reference]), follow=True)
    assert "seul un brouillon jamais envoyé se supprime" in response.content.decode()
    assert Convention.objects.filter(pk=draft.pk).exists()


def test_a_signed_convention_is_not_deleted(client, manager, draft):
    signed = ConventionFactory(organisation=draft.organisation)
    client.force_login(manager)
    response = client.post(reverse("conventions:delete", args=[signed.reference]))
    assert response.status_code == 302
    assert Convention.objects.filter(pk=signed.pk).exists()


def test_only_the_organisations_gestionnaire_deletes(client, draft):
    url = reverse("conventions:delete", args=[draft.reference])
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    assert client.post(url).status_code == 403
    client.force_login(UserFactory(gestionnaire=True))
    assert client.post(url).status_code == 404
    assert Convention.objects.filter(pk=draft.pk).exists()


def test_the_deleted_drafts_list_is_for_the_organisations_staff_only(client, draft, manager):
    drafting.convention_draft_delete(convention=draft, by=manager)
    url = reverse("conventions:deleted_drafts")
    client.force_login(UserFactory(coordinateur=True, organisation=draft.organisation))
    assert "BROU-1" in client.get(url).content.decode()
    client.force_login(UserFactory(gestionnaire=True))  # another organisation
    page = client.get(url)
    assert page.status_code == 200 and "BROU-1" not in page.content.decode()
    client.force_login(UserFactory(partenaire=True))
    assert client.get(url).status_code == 403


def test_the_abandon_page_points_to_deleting_a_draft_never_sent(client, draft, manager):
    client.force_login(manager)
    page = client.get(reverse("conventions:abandon", args=[draft.reference])).content.decode()
    assert reverse("conventions:delete", args=[draft.reference]) in page
