"""The lists (issue 15): readable titles beside references, accent- and case-insensitive search,
sortable columns, filters that fit the role, on the demo."""

import html
import re

import pytest
from django.urls import reverse

from conventions.filters import filters_to_show, sort_links, sort_ordering
from iscg.models import User

pytestmark = pytest.mark.django_db

GESTIONNAIRE = "gestionnaire@demo.iscg.fr"
TERNOIS_PARTNER = "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr"
STATE_PARTNER = "partenaire.pas-de-calais.etat-62@demo.iscg.fr"


def login(client, email):
    client.force_login(User.objects.get(email=email))
    return client


def references(client, **params) -> list[str]:
    response = client.get(reverse("conventions:list"), params)
    assert response.status_code == 200
    assert response.context["filter_errors"] == []
    return [c.reference for c in response.context["conventions"]]


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


# --------------------------------------------------------------------------- search


def test_search_ignores_accents_and_case_both_ways(client, demo_data):
    login(client, GESTIONNAIRE)
    # "frevent" finds the Ternois post's convention: its brigade de Frévent, its EPCI
    found = references(client, q="frevent")
    assert "PDC2023-A08" in found
    assert references(client, q="FRÉVENT") == found == references(client, q="Frévent")
    # the other way: accents typed, the source wrote none (Montreuil-Ecuire)
    assert references(client, q="écuire") == ["PDC2023-A17"] == references(client, q="ECUIRE")
    assert references(client, q="bethune") == references(client, q="Béthune") != []
    assert references(client, q="frevent zzz") == []


def test_posts_and_parties_search_ignores_accents(client, demo_data):
    login(client, GESTIONNAIRE)
    posts = client.get(reverse("conventions:post_list"), {"q": "frevent"}).context["posts"]
    assert "Poste ISG Ternois" in [p.name for p in posts]
    assert "Poste ISC Boulonnais" not in [p.name for p in posts]
    parties = client.get(reverse("conventions:party_list"), {"q": "region de frevent"})
    assert [p.name for p in parties.context["parties"]] == [
        "communauté de communes de la Région de Frévent"
    ]


def test_a_partner_search_never_reaches_beyond_its_conventions(client, demo_data):
    login(client, TERNOIS_PARTNER)
    assert references(client, q="bethune") == []
    assert references(client, q="ternois") == ["PDC2023-A08"]


# --------------------------------------------------------------------------- titles


def test_titles_beside_references_read_in_sentence_case(client, demo_data):
    login(client, GESTIONNAIRE)
    response = client.get(reverse("conventions:list"), {"q": "PDC2023-A08"})
    page = text(response)
    # shortened on a word in the cell, whole in its tooltip
    assert (
        "Convention relative à la mise à disposition d'un poste d'intervenant social recruté "
        "par la communauté de communes du…" in page
    )
    assert "recruté par la communauté de communes du Ternois mis à disposition" in html.unescape(
        response.text
    )
    assert "RECRUTE PAR LA COMMUNAUTE" not in page


def test_home_panels_show_titles_beside_references(client, demo_data):
    login(client, GESTIONNAIRE)
    page = text(client.get(reverse("home")))
    assert "PDC2023-A13 — Convention de partenariat relative au financement" in page
    assert "PDC2024-A10 — " in page  # the draft renewal, with its title


# --------------------------------------------------------------------------- sorting


def test_column_headers_sort_both_ways(client, demo_data):
    login(client, GESTIONNAIRE)
    ascending = references(client, tri="reference")
    assert ascending == sorted(ascending)
    assert references(client, tri="-reference") == ascending[::-1]
    by_title = client.get(reverse("conventions:list"), {"tri": "titre"}).context["conventions"]
    titles = [c.title.lower() for c in by_title]
    assert titles == sorted(titles)  # capitals or not
    page = client.get(reverse("conventions:list"), {"tri": "titre", "q": "PDC"})
    # the header of the current sort links to the reverse order, keeping the search
    assert 'href="?q=PDC&amp;tri=-titre"' in page.text
    assert 'aria-sort="ascending"' in page.text
    # a reversed sort stays chosen in the form, so filtering again keeps it
    reversed_page = client.get(reverse("conventions:list"), {"tri": "-titre"})
    assert '<option value="-titre" selected>Intitulé (ordre inverse)</option>' in html.unescape(
        reversed_page.text
    )


def test_only_whitelisted_sorts_are_applied():
    assert sort_ordering({"n": ("number", "N")}, "-n", "pk") == ["-number", "pk"]
    assert sort_ordering({"n": ("number", "N")}, "password", "pk") == ["number", "pk"]
    caseless = sort_ordering({"nom": ("name", "Nom")}, "-nom", "pk")[0]
    assert caseless.descending and caseless.expression.source_expressions[0].name == "name"
    assert sort_ordering({"debut": ("-start_date", "Début")}, "-debut", "pk") == [
        "start_date",
        "pk",
    ]
    links = sort_links({"a": ("a", "A"), "b": ("b", "B")}, "-b")
    assert links["b"] == {"value": "b", "aria": "descending", "arrow": "▼"}
    assert links["a"]["aria"] == "none"


def test_an_unknown_sort_on_the_lists_falls_back_quietly(client, demo_data):
    login(client, GESTIONNAIRE)
    assert references(client, tri="organisation__secret") == references(client)
    posts = client.get(reverse("conventions:post_list"), {"tri": "-employeur"}).context["posts"]
    employers = [p.employer.name.lower() for p in posts]
    assert employers == sorted(employers, reverse=True)
    parties = client.get(reverse("conventions:party_list"), {"tri": "-nom"}).context["parties"]
    names = [p.name.lower() for p in parties]
    assert names == sorted(names, reverse=True)


# --------------------------------------------------------------------------- filters by role


def test_a_partner_with_one_convention_gets_no_filter(client, demo_data):
    login(client, TERNOIS_PARTNER)
    response = client.get(reverse("conventions:list"))
    assert response.context["shown"] == []
    assert 'aria-label="Filtrer les conventions"' not in response.text
    assert 'name="partie"' not in response.text and 'name="territoire"' not in response.text


def test_a_partner_with_many_conventions_gets_only_useful_filters(client, demo_data):
    login(client, STATE_PARTNER)
    shown = client.get(reverse("conventions:list")).context["shown"]
    assert "q" in shown
    assert not {"partie", "territoire", "deliberation"} & set(shown)


def test_the_gestionnaire_gets_every_filter_including_the_deliberation(client, demo_data):
    login(client, GESTIONNAIRE)
    response = client.get(reverse("conventions:list"))
    assert {"partie", "territoire", "deliberation", "poste"} <= set(response.context["shown"])
    deliberation = next(
        d for d in response.context["deliberations"] if d.number and "2023" in d.number
    )
    found = references(client, deliberation=deliberation.pk)
    assert len(found) >= 15 and all(r.startswith("PDC2023") for r in found)
    page = client.get(reverse("conventions:list"), {"deliberation": deliberation.pk})
    assert reverse("conventions:deliberation_zip", args=[deliberation.pk]) in page.text


def test_filters_to_show_rules():
    few = filters_to_show(staff=False, total=1, choices={"statut": 1}, applied=set())
    assert few == []
    kept = filters_to_show(staff=False, total=1, choices={}, applied={"statut"})
    assert kept == ["statut"]  # a filter in use stays, to be cleared
    partner = filters_to_show(
        staff=False, total=10, choices={"statut": 1, "nature": 2, "partie": 5}, applied=set()
    )
    assert partner == ["q", "nature"]
    staff = filters_to_show(
        staff=True, total=10, choices={"statut": 3, "partie": 5, "deliberation": 2}, applied=set()
    )
    assert staff == ["q", "statut", "partie", "deliberation"]
