"""No page answers 500 to what a user (or a red team) can type in its address: every GET page of
the access matrix, for the gestionnaire and the partner, with query parameters drawn by
hypothesis — the product's own names (years, searches, filters, sorts, pages) and others, with
values from ordinary to hostile (NUL bytes, year 10000, huge numbers, long strings, bidi
characters). A refusal is a 4xx with the French page, never a crash (issue 18)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access import build_world
from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db

#: Parameter names the pages read (filters, sorts, pages, dates), and a few they do not.
NAMES = [
    "q",
    "annee",
    "statut",
    "nature",
    "poste",
    "partie",
    "territoire",
    "tri",
    "page",
    "organisation",
    "convention",
    "depuis",
    "jusqua",
    "etat",
    "vue",
    "mois",
    "periode",
    "debut",
    "fin",
    "next",
    "format",
    "modele",
    "role",
    "type",
    "annee_debut",
    "annee_fin",
    "financeur",
    "employeur",
    "x",
    "année",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "2023",
            "10000",
            "0",
            "-1",
            "99999999999999999999",
            "2023-13-45",
            "1e309",
            "\x00",
            "a\x00b",
            "NaN",
            "../../etc/passwd",
            "<script>",
            "' OR 1=1 --",
            "\u202eevil",
            "PDC2023-A08",
            "﷽" * 50,
            "9" * 400,
            "%",
            "true",
            "[]",
            "{}",
        ]
    ),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
QUERIES = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4)

PAGES = [
    (name, kwargs)
    for name, entries in sorted(MATRIX.items())
    for _label, kwargs, statuses in entries[:1]
    if statuses["gestionnaire"] == 200 or statuses["partenaire"] == 200
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[name for name, _ in PAGES])
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_no_500_for_any_query(client, name, kwargs, query):
    if not hasattr(client, "world"):  # once per page: hypothesis reuses the test's database
        client.world = build_world()
        client.url = reverse(name, kwargs=kwargs(client.world))
    world, url = client.world, client.url
    for role in ("gestionnaire", "partenaire"):
        client.force_login(world.users[role])
        response = client.get(url, query)
        assert response.status_code < 500, f"{role} : {url} {query!r} → {response.status_code}"


@pytest.mark.parametrize("query", ["q=%00", "organisation=1%00", "convention=A%00", "depuis=%00"])
def test_a_nul_byte_is_refused_with_the_french_page(client, query):
    """The red team's requests: a NUL in ?q=, ?organisation=, ?convention=, ?depuis= answered
    500 on PostgreSQL."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(gestionnaire=True))
    response = client.get(f"/conventions/?{query}")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
