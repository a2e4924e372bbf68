"""Which organisation a national view of the financing pages reads (financing/filters.py)."""

import pytest

from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(client):
    OrganisationFactory(slug="dept-b", name="Département B")
    organisation = OrganisationFactory(slug="dept-a", name="Département A")
    client.force_login(UserFactory(coordinateur=True, organisation=organisation, is_national=True))
    return client


def test_a_national_view_reads_the_organisation_asked_for_else_the_first(national):
    assert national.get("/financement/2023/").context["table"].organisation.slug == "dept-a"
    chosen = national.get("/financement/2023/?organisation=dept-b")
    assert chosen.context["table"].organisation.slug == "dept-b"


@pytest.mark.parametrize("url", ["/financement/2023/", "/financement/2023/tableau.xlsx"])
def test_an_unknown_organisation_is_not_found_rather_than_another_one(national, url):
    assert national.get(f"{url}?organisation=disparue").status_code == 404
    # A NUL byte is refused before any view (iscg.middleware.RejectNulMiddleware).
    assert national.get(f"{url}?organisation=%00").status_code == 400


def test_a_departmental_coordinator_cannot_choose_another_organisation(client):
    OrganisationFactory(slug="dept-b", name="Département B")
    own = OrganisationFactory(slug="dept-a", name="Département A")
    client.force_login(UserFactory(coordinateur=True, organisation=own))
    response = client.get("/financement/2023/?organisation=dept-b")
    assert response.context["table"].organisation == own
