"""The new-convention wizard: each step saves the draft; renewals and avenants start from a source."""

from datetime import date

import pytest
from django.urls import reverse

from conventions import drafting
from conventions.models import Convention, ConventionParty
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def gestionnaire():
    return UserFactory(gestionnaire=True)


def test_step_one_creates_a_draft_for_a_post(client, gestionnaire):
    post = PostFactory(organisation=gestionnaire.organisation, name="Poste ISG Ternois")
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "PDC2027-N01",
            "title": "Convention de financement 2027",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": 3,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wizard_parties", args=["PDC2027-N01"])
    convention = Convention.objects.get(reference="PDC2027-N01")
    assert convention.status == "brouillon"
    assert list(convention.posts.all()) == [post]
    assert convention.organisation == gestionnaire.organisation


def test_step_one_refuses_end_before_start_in_french_and_writes_nothing(client, gestionnaire):
    post = PostFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "X-1",
            "title": "T",
            "start_date": "2027-12-31",
            "end_date": "2027-01-01",
            "notice_months": 3,
        },
    )
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.text
    assert not Convention.objects.filter(reference="X-1").exists()


def test_step_two_saves_parties_and_refuses_a_foreign_representative(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation, draft=True)
    ternois = PartyFactory(organisation=gestionnaire.organisation, name="CC du Ternois")
    etat = PartyFactory(organisation=gestionnaire.organisation, name="État", kind="etat")
    prefet = RepresentativeFactory(party=etat, name="Jacques BILLANT", title="Préfet")
    client.force_login(gestionnaire)
    url = reverse("wizard_parties", args=[convention.reference])
    data = {
        "parties-TOTAL_FORMS": 2,
        "parties-INITIAL_FORMS": 0,
        "parties-0-order": 1,
        "parties-0-party": ternois.pk,
        "parties-0-is_signatory": "on",
        "parties-0-is_employer": "on",
        "parties-0-representative": prefet.pk,  # not Ternois' representative
        "parties-1-order": 2,
        "parties-1-party": etat.pk,
        "parties-1-is_signatory": "on",
        "parties-1-is_funder": "on",
        "parties-1-representative": prefet.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "ne représente pas CC du Ternois" in response.text
    assert not ConventionParty.objects.filter(convention=convention).exists()
    data["parties-0-representative"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("conventions:plan", args=[convention.reference])
    roles = {m.party.name: [r.value for r in m.roles] for m in convention.memberships.all()}
    assert roles == {
        "CC du Ternois": ["signataire", "employeur"],
        "État": ["signataire", "financeur"],
    }


def test_parties_of_a_signed_convention_cannot_change(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation)
    client.force_login(gestionnaire)
    response = client.get(reverse("wizard_parties", args=[convention.reference]))
    assert response.status_code == 302
    assert response["Location"] == convention.get_absolute_url()


def test_renewal_starts_the_day_after_the_source_ends_with_its_parties(gestionnaire):
    source = ConventionFactory(
        organisation=gestionnaire.organisation,
        start_date=date(2023, 1, 1),
        end_date=date(2023, 12, 31),
        duration_months=12,
        renewal_rule="par période successive d'un an",
    )
    source.posts.add(PostFactory(organisation=gestionnaire.organisation))
    ConventionPartyFactory(convention=source)
    renewal = drafting.convention_draft_start(
        organisation=gestionnaire.organisation,
        mode="renouvellement",
        source=source,
        reference="R-2024",
    )
    assert (renewal.start_date, renewal.end_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert renewal.renews == source
    assert renewal.memberships.count() == 1
    assert list(renewal.posts.all()) == list(source.posts.all())


def test_avenant_points_at_its_parent(gestionnaire):
    source = ConventionFactory(organisation=gestionnaire.organisation)
    avenant = drafting.convention_draft_start(
        organisation=gestionnaire.organisation, mode="avenant", source=source, reference="AV-1"
    )
    assert avenant.kind == "avenant"
    assert avenant.parent == source
    assert avenant.title == f"Avenant à la convention {source.reference}"


def test_next_reference_skips_used_numbers(gestionnaire):
    organisation = gestionnaire.organisation
    first = drafting.next_reference(organisation, 2027)
    ConventionFactory(organisation=organisation, reference=first)
    assert drafting.next_reference(organisation, 2027) != first


def draft_for(gestionnaire, **fields):
    post = PostFactory(organisation=gestionnaire.organisation)
    convention = ConventionFactory(
        organisation=gestionnaire.organisation,
        status="brouillon",
        title="Convention 2027",
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        duration_months=None,
        **fields,
    )
    convention.posts.add(post)
    return convention


def test_step_one_reopens_to_correct_a_draft(client, gestionnaire):
    convention = draft_for(gestionnaire)
    client.force_login(gestionnaire)
    url = reverse("wizard_info", args=[convention.reference])
    page = client.get(url).content.decode()
    assert 'value="2027-01-01"' in page
    assert (
        f'href="{url}"'
        in client.get(reverse("wizard_parties", args=[convention.reference])).content.decode()
    )
    response = client.post(
        url,
        {
            "title": "Convention de financement 2027 du poste",
            "start_date": "2027-02-01",
            "end_date": "2027-12-31",
            "notice_months": "2",
            "signature_place": "Arras",
        },
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.title == "Convention de financement 2027 du poste"
    assert (convention.start_date, convention.notice_months) == (date(2027, 2, 1), 2)
    assert convention.history.first().history_user == gestionnaire


def test_step_one_refuses_bad_dates_in_french_and_changes_nothing(client, gestionnaire):
    convention = draft_for(gestionnaire)
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_info", args=[convention.reference]),
        {
            "title": "Autre intitulé",
            "start_date": "2027-12-31",
            "end_date": "2027-01-01",
            "notice_months": "3",
        },
    )
    assert response.status_code == 400
    assert "La date de fin précède la date de début." in response.content.decode()
    convention.refresh_from_db()
    assert (convention.title, convention.start_date) == ("Convention 2027", date(2027, 1, 1))


def test_step_one_is_closed_once_sent_to_signature(client, gestionnaire):
    convention = draft_for(gestionnaire)
    convention.status = "a_signer"
    convention.save()
    client.force_login(gestionnaire)
    response = client.post(
        reverse("wizard_info", args=[convention.reference]),
        {
            "title": "Changé",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
            "notice_months": "3",
        },
    )
    assert response.status_code == 302
    assert response.url == convention.get_absolute_url()
    convention.refresh_from_db()
    assert convention.title == "Convention 2027"
