"""Readable titles (conventions/titles.py): pure functions."""

from conventions.titles import proper_words, readable_title, short_title

PROPER = proper_words(["CU d'Arras", "CC du Ternois", "Département du Pas-de-Calais", "Dijon"])


def test_proper_words_keep_names_and_leave_common_nouns_out():
    assert PROPER["arras"] == "Arras" and PROPER["ternois"] == "Ternois"
    assert PROPER["pas-de-calais"] == "Pas-de-Calais"
    assert "département" not in PROPER and "du" not in PROPER and "cu" not in PROPER


def test_a_shouting_title_reads_in_sentence_case_with_names_and_acronyms():
    title = (
        "CONVENTION RELATIVE AU FINANCEMENT D'UN POSTE D'INTERVENANTE SOCIALE EN COMMISSARIAT "
        "ET GENDARMERIE (ISCG) RECRUTEE PAR LA COMMUNAUTE URBAINE D'ARRAS MIS A DISPOSITION "
        "DU PAS DE CALAIS"
    )
    assert readable_title(title, PROPER) == (
        "Convention relative au financement d'un poste d'intervenante sociale en commissariat "
        "et gendarmerie (ISCG) recrutée par la communauté urbaine d'Arras mis à disposition "
        "du Pas-de-Calais"
    )


def test_a_name_alone_in_capitals_is_a_name_and_a_normal_title_is_left_alone():
    assert readable_title("au sein du commissariat de police de DIJON") == (
        "Au sein du commissariat de police de Dijon"
    )
    assert readable_title("CONVENTION DE PARTENARIAT 2023 relative au poste") == (
        "Convention de partenariat 2023 relative au poste"
    )
    normal = "Convention d'objectifs — Programmation FIPD 2023"
    assert readable_title(normal) == normal
    assert readable_title("") == "" and readable_title(None) == ""


def test_short_title_cuts_on_a_word():
    assert short_title("Un titre court") == "Un titre court"
    cut = short_title("Convention de partenariat relative au financement du poste", length=30)
    assert cut == "Convention de partenariat…"
    assert len(cut) <= 30
