"""Lost updates on the reference data's forms (issue 18): a party, a representative, a
délibération, a post and the year's budget line saved from a stale page get the conflict page
(409) with what was saved in between, and nothing is written; from a fresh page they save."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from conventions import reference
from conventions.models import Deliberation, PartyKind, PostHolder
from financing.models import BudgetLine
from tests.conflicts import refused_as_stale, version_of
from tests.factories import (
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(organisation):
    return UserFactory(
        gestionnaire=True, organisation=organisation, first_name="Odile", last_name="Autre"
    )


def _refused(response, *shown: str) -> None:
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "Quelqu'un a enregistré entre-temps" in html
    for text in shown:
        assert text in html


def test_a_party_saved_in_between(client_g, other, organisation):
    party = PartyFactory(organisation=organisation, kind=PartyKind.EPCI, name="CA Quimper")
    url = reverse("conventions:party_edit", args=[party.pk])
    stale = version_of(client_g.get(url))
    reference.party_save(
        organisation=organisation,
        values={"name": "Quimper Bretagne Occidentale"},
        by=other,
        party=party,
    )
    history = party.history.count()
    response = client_g.post(
        url, {"kind": PartyKind.EPCI, "name": "CA de Quimper", "version": stale}
    )
    _refused(response, "Odile Autre", "Quimper Bretagne Occidentale", "CA de Quimper")
    party.refresh_from_db()
    assert party.name == "Quimper Bretagne Occidentale" and party.history.count() == history
    fresh = version_of(client_g.get(url))
    response = client_g.post(url, {"kind": PartyKind.EPCI, "name": "QBO", "version": fresh})
    assert response.status_code == 302
    party.refresh_from_db()
    assert party.name == "QBO"


def test_a_representative_saved_in_between(client_g, other, organisation):
    party = PartyFactory(organisation=organisation, kind=PartyKind.ETAT, name="Préfecture")
    representative = RepresentativeFactory(party=party, name="Philippe MAHÉ", title="Préfet")
    url = reverse("conventions:representative_edit", args=[party.pk, representative.pk])
    stale = version_of(client_g.get(url))
    reference.representative_save(
        party=party,
        values={"name": "Philippe MAHÉ", "title": "Préfet du Finistère"},
        by=other,
        representative=representative,
    )
    response = client_g.post(url, {"name": "Philippe MAHE", "title": "Préfet", "version": stale})
    _refused(response, "Préfet du Finistère")
    representative.refresh_from_db()
    assert (representative.name, representative.title) == ("Philippe MAHÉ", "Préfet du Finistère")


def test_a_deliberation_saved_in_between(client_g, other, organisation):
    party = PartyFactory(organisation=organisation, name="Département du Finistère")
    deliberation = Deliberation.objects.create(
        party=party, body="Commission permanente", date=date(2023, 7, 3)
    )
    url = reverse("conventions:deliberation_edit", args=[deliberation.pk])
    stale = version_of(client_g.get(url))
    reference.deliberation_save(
        organisation=organisation,
        values={
            "party": party,
            "body": "Commission permanente",
            "date": date(2023, 7, 4),
            "number": "CP-2023-07",
        },
        by=other,
        deliberation=deliberation,
    )
    response = client_g.post(
        url,
        {
            "party": party.pk,
            "body": "Conseil départemental",
            "date": "2023-07-03",
            "version": stale,
        },
    )
    _refused(response, "4 juillet 2023", "Conseil départemental")
    deliberation.refresh_from_db()
    assert (deliberation.body, deliberation.date) == ("Commission permanente", date(2023, 7, 4))


def _post_data(post, **extra):
    data = {
        "name": post.name,
        "kind": post.kind,
        "employer": post.employer_id,
        "working_time_pct": "100",
        "unites-TOTAL_FORMS": "0",
        "unites-INITIAL_FORMS": "0",
        "titulaires-TOTAL_FORMS": "0",
        "titulaires-INITIAL_FORMS": "0",
        "absences-TOTAL_FORMS": "0",
        "absences-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_a_post_whose_holder_was_added_in_between(client_g, organisation):
    employer = PartyFactory(organisation=organisation, kind=PartyKind.CCAS_CIAS, name="CIAS")
    post = PostFactory(organisation=organisation, employer=employer, name="ISCG Quimper")
    url = reverse("conventions:post_edit", args=[post.pk])
    stale = version_of(client_g.get(url))
    PostHolder.objects.create(post=post, name="Intervenante A", start=date(2023, 9, 1))
    response = client_g.post(url, _post_data(post, name="ISCG de Quimper", version=stale))
    _refused(response, "ISCG de Quimper")
    post.refresh_from_db()
    assert post.name == "ISCG Quimper" and post.holders.count() == 1
    page = client_g.get(url)
    data = _post_data(post, name="ISCG de Quimper", version=version_of(page))
    data.update({"titulaires-TOTAL_FORMS": "1", "titulaires-INITIAL_FORMS": "1"})
    holder = post.holders.get()
    data.update(
        {
            "titulaires-0-id": holder.pk,
            "titulaires-0-name": holder.name,
            "titulaires-0-start": "2023-09-01",
        }
    )
    assert client_g.post(url, data).status_code == 302
    post.refresh_from_db()
    assert post.name == "ISCG de Quimper"


def test_the_budget_line_entered_twice_from_the_same_page(client_g, other, organisation):
    url = reverse("financing:budget_line", args=[2027])
    stale = version_of(client_g.get(url))  # no line yet: its own token
    values = {"imputation": "6568//934213", "credits": "250000", "available": "180000"}
    assert client_g.post(url, {**values, "version": stale}).status_code == 302
    response = client_g.post(url, {**values, "available": "90000", "version": stale})
    _refused(response, "180000", "90000")
    assert BudgetLine.objects.get(organisation=organisation, year=2027).available == Decimal(180000)
    fresh = version_of(client_g.get(url))
    assert client_g.post(url, {**values, "available": "90000", "version": fresh}).status_code == 302
    assert BudgetLine.objects.get(organisation=organisation, year=2027).available == Decimal(90000)


def test_an_edit_without_the_version_is_refused_but_a_creation_needs_none(client_g, organisation):
    party = PartyFactory(organisation=organisation, kind=PartyKind.EPCI, name="CA Quimper")
    url = reverse("conventions:party_edit", args=[party.pk])
    refused = client_g.post(url, {"kind": PartyKind.EPCI, "name": "CA de Quimper"})
    refused_as_stale(refused, "la partie « ", "CA de Quimper")
    party.refresh_from_db()
    assert party.name == "CA Quimper" and party.history.count() == 1
    created = client_g.post(
        reverse("conventions:party_create"), {"kind": PartyKind.COMMUNE, "name": "Ergué-Gabéric"}
    )
    assert created.status_code == 302  # a new party overwrites nothing
