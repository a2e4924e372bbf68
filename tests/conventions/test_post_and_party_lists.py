"""The posts and parties lists' filters (conventions/filters.py): scoped choices, French
messages for bad values."""

import pytest
from django.urls import reverse

from conventions.models import PartyKind, PostKind
from tests.factories import OrganisationFactory, PartyFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    org = OrganisationFactory(slug="dept-a")
    departement = PartyFactory(
        organisation=org, kind=PartyKind.DEPARTEMENT, name="Département A", short_name="CD A"
    )
    epci = PartyFactory(organisation=org, kind=PartyKind.EPCI, name="CC du Ternois")
    posts = {
        "isc": PostFactory(
            organisation=org, employer=departement, kind=PostKind.ISC, name="Poste ISC Arras"
        ),
        "isg": PostFactory(
            organisation=org, employer=epci, kind=PostKind.ISG, name="Poste ISG Ternois"
        ),
    }
    other = OrganisationFactory(slug="dept-b")
    foreign = PartyFactory(organisation=other, kind=PartyKind.EPCI, name="CC d'ailleurs")
    PostFactory(organisation=other, employer=foreign, kind=PostKind.ISG, name="Poste ISG ailleurs")
    client.force_login(UserFactory(gestionnaire=True, organisation=org))
    return {"departement": departement, "epci": epci, "foreign": foreign, **posts}


def names(client, url_name, **params) -> list[str]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert response.context["filter_errors"] == []
    key = "posts" if url_name == "conventions:post_list" else "parties"
    return [item.name for item in response.context[key]]


def test_posts_filter_by_kind_employer_and_name(client, world):
    assert names(client, "conventions:post_list") == ["Poste ISC Arras", "Poste ISG Ternois"]
    assert names(client, "conventions:post_list", type="ISG") == ["Poste ISG Ternois"]
    assert names(client, "conventions:post_list", employeur=world["departement"].pk) == [
        "Poste ISC Arras"
    ]
    assert names(client, "conventions:post_list", q="ternois") == ["Poste ISG Ternois"]
    assert names(client, "conventions:post_list", q="ternois", type="ISC") == []


def test_posts_employer_of_another_organisation_shows_nothing_and_says_why(client, world):
    response = client.get(reverse("conventions:post_list"), {"employeur": world["foreign"].pk})
    assert response.status_code == 200
    assert list(response.context["posts"]) == []
    assert response.context["filter_errors"] == [
        "Employeur : Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]
    assert "Filtre non appliqué" in response.text
    employers = list(response.context["employers"])
    assert employers == [world["epci"], world["departement"]]  # by name, own organisation only


def test_parties_filter_by_kind_and_name(client, world):
    assert names(client, "conventions:party_list") == ["Département A", "CC du Ternois"]
    assert names(client, "conventions:party_list", nature="epci") == ["CC du Ternois"]
    assert names(client, "conventions:party_list", q="cd a") == ["Département A"]  # short name
    response = client.get(reverse("conventions:party_list"), {"nature": "planete"})
    assert list(response.context["parties"]) == []
    (error,) = response.context["filter_errors"]
    assert error.startswith("Nature : Sélectionnez un choix valide.")
