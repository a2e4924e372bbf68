"""The bilans pages' GET filters (reporting/filters.py): scoped choices, French messages for bad
values, never a server error."""

import pytest

from conventions.models import PartyKind, PostKind
from reporting import selectors
from reporting.filters import DashboardFilter
from reporting.models import BilanStatus
from tests.factories import (
    BilanFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two organisations, each with an EPCI-employed ISG post and its validated 2022 bilan."""
    found = {}
    for slug in ("dept-a", "dept-b"):
        org = OrganisationFactory(slug=slug)
        epci = PartyFactory(organisation=org, kind=PartyKind.EPCI)
        post = PostFactory(organisation=org, employer=epci, kind=PostKind.ISG, first_year=2022)
        post.epcis.set([epci])
        BilanFactory(post=post, year=2022, validated=True)
        found[slug] = {"org": org, "epci": epci, "post": post}
    return found


def test_a_territory_of_another_organisation_is_ignored_with_a_message(client, world):
    client.force_login(UserFactory(coordinateur=True, organisation=world["dept-a"]["org"]))
    other = world["dept-b"]["epci"]
    response = client.get(f"/bilans/2022/?territoire={other.pk}&type=ISG")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.filters.epci is None and board.filters.kind == PostKind.ISG
    assert [row.post for row in board.rows] == [world["dept-a"]["post"]]  # nothing of dept-b
    assert response.context["filter_errors"] == [
        "Territoire (EPCI) : Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux "
        "disponibles."
    ]
    assert "Filtre ignoré" in response.text


@pytest.mark.parametrize(
    "query",
    ["territoire=abc", "employeur=-1", "type=ZZZ", "employeur=1.5&territoire=x"],
)
def test_bad_dashboard_values_never_fail(client, world, query):
    client.force_login(UserFactory(coordinateur=True, organisation=world["dept-a"]["org"]))
    for url in ("/bilans/2022/", "/bilans/2022/tableau.csv", "/bilans/2022/tableau.xlsx"):
        assert client.get(f"{url}?{query}").status_code == 200, url
    assert client.get(f"/bilans/2022/?{query}").context["filter_errors"]


def test_an_unknown_organisation_is_ignored_with_a_message_for_a_national_view(client, world):
    org = world["dept-a"]["org"]
    client.force_login(UserFactory(coordinateur=True, organisation=org, is_national=True))
    response = client.get("/bilans/2022/?organisation=disparue")
    assert response.status_code == 200
    assert response.context["board"].organisations is not None  # every organisation, one row each
    (error,) = response.context["filter_errors"]
    assert error.startswith("Organisation : Sélectionnez un choix valide.")
    chosen = client.get("/bilans/2022/?organisation=dept-b").context["board"]
    assert [row.post for row in chosen.rows] == [world["dept-b"]["post"]]


def test_organisation_is_no_filter_for_a_departmental_coordinator(world):
    user = UserFactory(coordinateur=True, organisation=world["dept-a"]["org"])
    found = DashboardFilter({"organisation": "dept-b"}, user=user, sees_every_organisation=False)
    assert found.error_messages == []
    assert found.to_filters() == selectors.Filters()
    assert list(found.qs) == [world["dept-a"]["post"]]


def test_the_filterset_narrows_posts_as_the_dashboard_does(world):
    user = UserFactory(coordinateur=True, organisation=world["dept-a"]["org"])
    epci = world["dept-a"]["epci"]
    found = DashboardFilter(
        {"territoire": str(epci.pk), "employeur": str(epci.pk), "type": "ISC"},
        user=user,
        sees_every_organisation=False,
    )
    assert found.to_filters() == selectors.Filters(epci=epci, employer=epci, kind="ISC")
    assert list(found.qs) == []  # the post is an ISG
    found = DashboardFilter({"type": "ISG"}, user=user, sees_every_organisation=False)
    assert list(found.qs) == [world["dept-a"]["post"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("annee=vingt", "Année : Saisissez un nombre entier."),
        ("annee=1999", "Année : Assurez-vous que cette valeur est supérieure ou égale à 2000."),
        ("etat=perdu", "État : Sélectionnez un choix valide. perdu n’en fait pas partie."),
    ],
)
def test_a_bad_bilans_list_filter_shows_no_bilan_and_says_why(client, world, query, message):
    client.force_login(UserFactory(coordinateur=True, organisation=world["dept-a"]["org"]))
    response = client.get(f"/bilans/liste/?{query}")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["filter_errors"] == [message]


def test_the_bilans_list_filters_by_year_and_state(client, world):
    post = world["dept-a"]["post"]
    BilanFactory(post=post, year=2021)
    client.force_login(UserFactory(coordinateur=True, organisation=world["dept-a"]["org"]))

    def years(query):
        response = client.get(f"/bilans/liste/?{query}")
        assert response.context["filter_errors"] == []
        return [row["bilan"].year for row in response.context["rows"]]

    assert years("") == [2022, 2021]
    assert years("annee=2021") == [2021]
    assert years(f"etat={BilanStatus.VALIDATED}") == [2022]
    assert years(f"annee=2021&etat={BilanStatus.VALIDATED}") == []
