"""The conventions list (filters, sorting, pages) and the convention page (financing, deadlines)."""

import pytest
from django.urls import reverse

from conventions.models import Party, Post
from iscg.models import User

pytestmark = pytest.mark.django_db


def references(client, **params) -> list[str]:
    response = client.get(reverse("conventions:list"), params)
    assert response.status_code == 200
    return [c.reference for c in response.context["conventions"]]


def test_filter_by_party(demo_gestionnaire):
    ternois = Party.objects.get(slug="epci_cc_ternois")
    assert references(demo_gestionnaire, partie=ternois.pk) == ["PDC2023-A08"]


def test_filter_by_post(demo_gestionnaire):
    post = Post.objects.get(slug="isc_boulonnais")
    assert references(demo_gestionnaire, poste=post.pk) == ["PDC2023-A04", "PDC2023-A06"]


def test_filter_by_territory(demo_gestionnaire):
    lumbres = Party.objects.get(slug="epci_cc_pays_lumbres")
    assert "PDC2023-A16" in references(demo_gestionnaire, territoire=lumbres.pk)


def test_filter_by_status_and_year(demo_gestionnaire):
    assert references(demo_gestionnaire, statut="a_signer") == ["PDC2023-A13"]
    assert references(demo_gestionnaire, annee=2021) == []
    assert len(references(demo_gestionnaire, annee=2023)) == 15


def test_search_and_sort(demo_gestionnaire):
    assert references(demo_gestionnaire, q="Osartis") == ["PDC2023-A13"]
    by_start = references(demo_gestionnaire, tri="debut")
    # The demo's draft renewal starts on 1 January 2024; then A13, 1 September 2023.
    assert by_start[:2] == ["PDC2024-A10", "PDC2023-A13"]


def test_a_partner_filter_on_another_party_shows_nothing_more(client, demo_data):
    client.force_login(
        User.objects.get(email="partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr")
    )
    other = Party.objects.get(slug="epci_ca_bethune_bruay")
    assert references(client, partie=other.pk) == []


def test_a_partner_asking_for_another_party_is_told_in_french(client, demo_data):
    client.force_login(
        User.objects.get(email="partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr")
    )
    other = Party.objects.get(slug="epci_ca_bethune_bruay")
    response = client.get(reverse("conventions:list"), {"partie": other.pk})
    assert list(response.context["conventions"]) == []
    assert response.context["filter_errors"] == [
        "Partie : Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
    ]
    assert "Filtre non appliqué" in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"annee": "deux-mille"}, "Année : Saisissez un nombre entier."),
        ({"annee": "2023.5"}, "Année : Saisissez un nombre entier."),
        (
            {"annee": "99999"},
            "Année : Assurez-vous que cette valeur est inférieure ou égale à 2100.",
        ),
        ({"poste": "abc"}, "Poste : Sélectionnez un choix valide."),
        ({"territoire": "999999"}, "Territoire (EPCI) : Sélectionnez un choix valide."),
        (
            {"statut": "perdue"},
            "Statut : Sélectionnez un choix valide. perdue n’en fait pas partie.",
        ),
        ({"nature": "x", "annee": "2023"}, "Nature : Sélectionnez un choix valide."),
    ],
)
def test_a_bad_filter_value_gives_a_french_message_and_no_rows(demo_gestionnaire, params, message):
    response = demo_gestionnaire.get(reverse("conventions:list"), params)
    assert response.status_code == 200
    assert list(response.context["conventions"]) == []
    (error,) = response.context["filter_errors"]
    assert error.startswith(message)


def test_an_unknown_sort_falls_back_to_the_reference(demo_gestionnaire):
    assert references(demo_gestionnaire, tri="couleur") == references(demo_gestionnaire)
    assert references(demo_gestionnaire)[:2] == ["PDC2023-A03", "PDC2023-A04"]


def test_post_and_territory_filters_combine(demo_gestionnaire):
    """Both must hold: the post, and a post covering the territory."""
    post = Post.objects.get(slug="isc_boulonnais")
    covered = post.epcis.first()
    elsewhere = Party.objects.get(slug="epci_cc_pays_lumbres")
    assert not post.epcis.filter(pk=elsewhere.pk).exists()
    assert references(demo_gestionnaire, poste=post.pk, territoire=covered.pk) == [
        "PDC2023-A04",
        "PDC2023-A06",
    ]
    assert references(demo_gestionnaire, poste=post.pk, territoire=elsewhere.pk) == []


def test_convention_page_shows_financing_by_year_and_deadlines(demo_gestionnaire):
    response = demo_gestionnaire.get(reverse("conventions:detail", args=["PDC2023-A03"]))
    text = response.text
    assert "Financement par année" in text
    assert "17\u00a0510\u00a0€" in text and "14\u00a0900\u00a0€" in text
    assert "Dernier jour pour dénoncer PDC2023-A03" in text
    assert "Renouveler" in text


def test_convention_page_reads_in_a_bounded_number_of_queries(
    demo_gestionnaire, django_assert_max_num_queries
):
    """The staff's convention page (financing, deadlines, documents, signatures, history,
    e-mails) reads once per section, not once per line; its template version comes with the
    convention (26 queries for PDC2023-A08, 28 before)."""
    url = reverse("conventions:detail", args=["PDC2023-A08"])
    demo_gestionnaire.get(url)  # the session's first read of the user, once
    with django_assert_max_num_queries(26):
        assert demo_gestionnaire.get(url).status_code == 200


def test_partner_sees_only_its_own_financing_line(client, demo_data):
    client.force_login(
        User.objects.get(email="partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr")
    )
    response = client.get(reverse("conventions:detail", args=["PDC2023-A08"]))
    lines = list(response.context["share_lines"])
    assert {line.party.slug for line in lines} == {"epci_cc_ternois"}
    assert response.context["deadlines"] == []


def test_post_page_shows_its_financing_and_bilans(demo_gestionnaire):
    post = Post.objects.get(slug="isg_ternois")
    response = demo_gestionnaire.get(reverse("conventions:post_detail", args=[post.pk]))
    assert "14\u00a0334\u00a0€" in response.text
    assert "245 saisines" in response.text


def test_intervenant_sees_its_post_bilans_but_no_financing(client, demo_data):
    client.force_login(User.objects.get(email="intervenant@demo.iscg.fr"))
    post = Post.objects.get(slug="isg_ternois")
    response = client.get(reverse("conventions:post_detail", args=[post.pk]))
    assert list(response.context["share_lines"]) == []
    assert [b.year for b in response.context["bilans"]] == [2022]
