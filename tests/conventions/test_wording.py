"""The French wording of the documents (``conventions.wording``), tested alone: no database."""

import pytest

from conventions import wording
from conventions.templating import BLANK


@pytest.mark.parametrize(
    ("name", "kind", "phrase", "pronoun"),
    [
        (
            "Communauté de Communes du Ternois",
            "epci",
            "la Communauté de Communes du Ternois",
            "elle",
        ),
        ("CC du Ternois", "epci", "la CC du Ternois", "elle"),
        ("Département du Pas-de-Calais", "departement", "le Département du Pas-de-Calais", "il"),
        (
            "Le Conseil général de la Seine-Saint-Denis",
            "departement",
            "le Conseil général de la Seine-Saint-Denis",
            "il",
        ),
        ("L'Etat (Préfecture du Pas-de-Calais)", "etat", "l'État", "il"),
        ("Quimper", "commune", "la commune de Quimper", "elle"),
        ("Le Portel", "commune", "la commune du Portel", "elle"),
        ("Aubervilliers", "commune", "la commune d'Aubervilliers", "elle"),
        ("Ville de Dijon", "commune", "la Ville de Dijon", "elle"),
        ("France Victimes 62", "association", "l'association France Victimes 62", "elle"),
        ("CAF du Val-de-Marne", "caf", "la CAF du Val-de-Marne", "elle"),
        ("Paris", "caf", "la Caisse d'allocations familiales de Paris", "elle"),
        (
            "Caisse d'allocations familiales des Ardennes",
            "caf",
            "la Caisse d'allocations familiales des Ardennes",
            "elle",
        ),
        ("ARS Grand Est", "ars", "l'ARS Grand Est", "elle"),
        ("Grand Est", "ars", "l'Agence régionale de santé Grand Est", "elle"),
        ("MSA Picardie", "msa", "la MSA Picardie", "elle"),
        ("Picardie", "msa", "la Mutualité sociale agricole Picardie", "elle"),
        ("Région Bretagne", "region", "la Région Bretagne", "elle"),
        ("Grand Est", "region", "la Région Grand Est", "elle"),
        ("Pas-de-Calais Habitat", "bailleur", "le Pas-de-Calais Habitat", "il"),
        (
            "Groupement de Gendarmerie du Nord",
            "gendarmerie",
            "le Groupement de Gendarmerie du Nord",
            "il",
        ),
    ],
)
def test_a_party_gets_its_article_and_gender_from_its_kind(name, kind, phrase, pronoun):
    assert wording.with_article(name, kind) == phrase
    assert wording.pronoun(phrase) == pronoun


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        ("Préfet du Pas-de-Calais", "le Préfet du Pas-de-Calais"),
        ("Vice-Présidente", "la Vice-Présidente"),
        ("Directrice départementale", "la Directrice départementale"),
        ("Adjointe au Maire", "l'Adjointe au Maire"),
        ("Maire", "le Maire"),
        ("Le Président", "le Président"),
        ("", ""),
    ],
)
def test_a_title_gets_its_article_from_its_ending(title, phrase):
    assert wording.title_with_article(title) == phrase


def test_lists_are_joined_the_french_way_and_empty_items_dropped():
    assert wording.enumerate_fr([]) == ""
    assert wording.enumerate_fr(["l'État"]) == "l'État"
    assert wording.enumerate_fr(["a", "", "b"]) == "a et b"
    assert wording.enumerate_fr(["a", "b", "c"]) == "a, b et c"


def test_capitals_change_the_first_letter_only():
    assert wording.capitalise("l'État du Nord") == "L'État du Nord"
    assert wording.lower_first("Par délégation") == "par délégation"
    assert wording.capitalise("") == ""


def test_a_representative_is_named_person_first_then_delegation():
    line = wording.representative_line(
        title="Président", name="Jean DUPONT", delegation="Par délégation du Conseil"
    )
    assert line == "le Président, Jean DUPONT, par délégation du Conseil"
    assert wording.representative_line(title="Préfète", name="", delegation="") == "la Préfète"


def test_a_party_is_designated_with_its_representative_in_the_right_gender():
    assert (
        wording.party_designation(party="la commune de Quimper", representative="le Maire")
        == "La commune de Quimper, représentée par le Maire"
    )
    assert (
        wording.party_designation(party="le Département du Nord", representative=BLANK)
        == f"Le Département du Nord, représenté par {BLANK}"
    )


def test_a_written_wording_replaces_the_designation_or_follows_the_name():
    clause = "représenté par son Président, dûment habilité"
    assert (
        wording.party_designation(party="le CCAS de Dijon", wording=clause, representative="x")
        == f"Le CCAS de Dijon, {clause}"
    )
    assert (
        wording.party_designation(
            party="la ville", wording="la ville, représentée par X", representative="y"
        )
        == "La ville, représentée par X"
    )


@pytest.mark.parametrize(
    ("line", "visa"),
    [
        ("la circulaire du 1er août 2006", "Vu la circulaire du 1er août 2006,"),
        (
            "Code général des collectivités territoriales;",
            "Vu le Code général des collectivités territoriales,",
        ),
        ("Vu la loi du 5 mars 2007.", "Vu la loi du 5 mars 2007,"),
        ("arrêté du 3 mai", "Vu l'arrêté du 3 mai,"),
    ],
)
def test_a_legal_basis_line_reads_as_a_visa(line, visa):
    assert wording.visa(line) == visa


def test_numbers_and_durations_are_written_in_words():
    assert wording.number_words(3) == "trois"
    assert wording.duration_words(36) == "trois ans"
    assert wording.duration_words(18) == "un an et six mois"


def test_nouns_agree_with_their_count():
    assert wording.count_noun(1, "valeur absente") == "1 valeur absente"
    assert wording.count_noun(0, "valeur absente") == "0 valeurs absentes"
    assert wording.count_noun(2, "exemplaire original", "exemplaires originaux") == (
        "2 exemplaires originaux"
    )


def test_the_refusal_and_the_history_agree_with_the_number_of_blanks():
    assert wording.absent_values(1) == "1 valeur absente"
    assert wording.absent_values(2) == "2 valeurs absentes"
    one = wording.refused_for_blanks_message(1)
    assert one.startswith("Envoi refusé : le texte a 1 valeur absente (imprimée « ………… »).")
    assert "Complétez-la, ou confirmez l'envoi malgré la valeur absente" in one
    assert "Complétez-les" not in one
    three = wording.refused_for_blanks_message(3)
    assert "le texte a 3 valeurs absentes (imprimées « ………… »)" in three
    assert "Complétez-les, ou confirmez l'envoi malgré les valeurs absentes" in three


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("brigade de Saint-Pol-sur-Ternoise", "Saint-Pol-sur-Ternoise"),
        ("brigade d'Heuchin", "Heuchin"),
        ("communauté de brigades de BAPAUME", "BAPAUME"),
        ("Brigade territoriale autonome de Frévent", "Frévent"),
        ("VITRY EN ARTOIS", "VITRY EN ARTOIS"),
        ("brigade du Portel", "brigade du Portel"),  # no « de » to drop: kept whole
    ],
)
def test_a_unit_reads_as_its_place_after_les_brigades_de(name, place):
    assert wording.unit_place(name) == place
