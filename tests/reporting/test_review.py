"""The coordinator's review page: the bilan's figures beside the post's figures of the year
before, with the differences; who may see it."""

import pytest

from reporting import comparison
from tests.factories import BilanFactory, OrganisationFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _text(response) -> str:
    return response.content.decode().replace(NBSP, " ").replace("\u202f", " ")


@pytest.fixture
def post():
    return PostFactory(organisation=OrganisationFactory(slug="org-revue"))


def test_review_page_shows_the_figures_beside_last_years(client, post):
    BilanFactory(
        post=post,
        year=2022,
        validated=True,
        referrals_total=80,
        referrals_women=50,
        referrals_men=20,
        referrals_children=10,
        vif_pct=58,
    )
    bilan = BilanFactory(post=post, year=2023, submitted=True, vif_pct="61.5")
    client.force_login(UserFactory(coordinateur=True, organisation=post.organisation))
    response = client.get(f"/bilans/bilan/{bilan.pk}/examiner/")
    assert response.status_code == 200
    html = _text(response)
    assert "Chiffres 2023 et comparaison avec 2022" in html
    assert "à côté de son bilan 2022 (validé)" in html
    rows = {row.label: row for row in response.context["compared"].rows}
    assert (rows["Saisines"].current, rows["Saisines"].previous) == (100, 80)
    assert rows["Saisines"].difference_text == "+20 (+25\u00a0%)"
    assert rows["dont hommes"].difference_text == "+5 (+25\u00a0%)"
    assert rows["Part des violences intrafamiliales"].difference_text == "+3,5\u00a0points"
    assert (
        '<th scope="row">Saisines</th><td class="num">100</td><td class="num">80</td>'
        '<td class="num diff hausse">+20 (+25 %)</td>' in html
    )
    assert "Valider" in html


def test_review_page_without_last_year(client, post):
    bilan = BilanFactory(post=post, year=2023, submitted=True)
    client.force_login(UserFactory(coordinateur=True, organisation=post.organisation))
    html = _text(client.get(f"/bilans/bilan/{bilan.pk}/examiner/"))
    assert "Aucun bilan 2022 pour ce poste : pas de comparaison possible." in html
    assert '<td class="num">100</td><td class="num">—</td><td class="num diff">—</td>' in html


def test_review_page_with_a_year_without_bilan_before(client, post):
    BilanFactory(post=post, year=2022, no_report=True, validated=True)
    bilan = BilanFactory(post=post, year=2023, submitted=True)
    client.force_login(UserFactory(coordinateur=True, organisation=post.organisation))
    html = _text(client.get(f"/bilans/bilan/{bilan.pk}/examiner/"))
    assert "Pas de bilan 2022 pour ce poste :" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("gestionnaire", 403), ("intervenant", 403), ("partenaire", 404), ("autre_coordinateur", 404)],
)
def test_review_page_denied(client, post, role, status):
    bilan = BilanFactory(post=post, year=2023, submitted=True)
    org = post.organisation
    users = {
        "gestionnaire": lambda: UserFactory(gestionnaire=True, organisation=org),
        "intervenant": lambda: UserFactory(intervenant=True, post=post, organisation=org),
        "partenaire": lambda: UserFactory(partenaire=True, organisation=org),
        "autre_coordinateur": lambda: UserFactory(
            coordinateur=True, organisation=OrganisationFactory(slug="org-autre")
        ),
    }
    client.force_login(users[role]())
    response = client.get(f"/bilans/bilan/{bilan.pk}/examiner/")
    assert response.status_code == status
    assert "Chiffres 2023" not in response.content.decode()


def test_comparison_rows_in_words():
    rows = comparison.year_on_year(
        {"referrals_total": 90, "vif_pct": 50, "problems": {"addictions": 3}},
        {"referrals_total": 100, "vif_pct": 51, "epci_count": 2},
    )
    texts = {
        row.label: tuple(
            text.replace(NBSP, " ")
            for text in (row.current_text, row.previous_text, row.difference_text)
        )
        for row in rows
    }
    assert texts == {
        "Saisines": ("90", "100", "\u221210 (\u221210 %)"),
        "Part des violences intrafamiliales": ("50 %", "51 %", "\u22121 point"),
        "EPCI couverts": ("—", "2", "—"),
        "Problématique : Addictions": ("3", "—", "—"),
    }
