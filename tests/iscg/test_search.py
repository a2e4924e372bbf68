"""The accent- and case-insensitive search (iscg/search.py): pure functions."""

from iscg.search import matches, matching_pks, normalise, terms


def test_normalise_folds_accents_case_ligatures_and_separators():
    assert normalise("Frévent") == "frevent"
    assert normalise("FRÉVENT") == "frevent"
    assert normalise("Saint-Omer d’Artois") == "saint omer d artois"
    assert normalise("Cœur  de l'Œuvre") == "coeur de l oeuvre"
    assert normalise(None) == "" and normalise("") == ""


def test_search_works_both_ways_with_or_without_accents():
    # a query without accents finds an accented text…
    assert matches("frevent", "Poste ISG Frévent")
    # …and a query with accents finds a text written without them
    assert matches("écuire", "Compagnie de Montreuil-Ecuire")
    assert matches("BÉTHUNE", "béthune")
    assert not matches("arras", "Poste ISG Frévent")


def test_every_word_must_appear_in_one_of_the_texts():
    assert matches("isg frevent", "Poste ISG", "Frévent")
    assert not matches("isg lumbres", "Poste ISG", "Frévent")
    assert terms("  ") == [] and matches("", "anything")


def test_matching_pks_gathers_the_rows_of_one_object():
    rows = [(1, "PDC2023-A08", "Poste ISG Ternois"), (1, None, "CC du Ternois"), (2, "A09", "X")]
    assert matching_pks("ternois pdc2023", rows) == {1}
    assert matching_pks("", rows) == {1, 2}
