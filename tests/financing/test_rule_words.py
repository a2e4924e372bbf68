"""Each share's rule in words (financing/rule_words.py): pure, no database."""

from financing.engine import read_plan
from financing.rule_words import french_list, ordinal, party_words, plan_words, share_words

NB = "\u00a0"
NAMES = {
    "etat_29": "État",
    "commune_quimper": "Quimper",
    "departement_29": "Département du Finistère",
    "epci_a": "CA du Pays de Saint-Omer",
    "epci_b": "CC du Pays de Lumbres",
}


def one_share(share: dict, *, more: list | None = None, **plan) -> dict:
    return {
        "years": [{"year": 2024, "annual_cost": "45000"}],
        "shares": [share, *(more or [{"party": "departement_29", "rule": "remainder"}])],
        **plan,
    }


def words_of(share: dict, **plan) -> str:
    return share_words(read_plan(one_share(share, **plan)).shares[0], NAMES)


def test_the_degressive_schedule_by_year_of_service():
    share = {"party": "etat_29", "rule": "percent_of_cost", "percent_by_rank": ["80", "50", "30"]}
    assert words_of(share) == (
        f"80{NB}% du coût la 1re année de service, 50{NB}% la 2e, 30{NB}% ensuite"
    )
    quimper = {**share, "percent_by_rank": ["80", "50", "30", "33"]}
    assert words_of(quimper) == (
        f"80{NB}% du coût la 1re année de service, 50{NB}% la 2e, 30{NB}% la 3e, 33{NB}% ensuite"
    )
    # The last rate repeats: said once.
    assert words_of({**share, "percent_by_rank": ["80", "50", "50"]}) == (
        f"80{NB}% du coût la 1re année de service, 50{NB}% ensuite"
    )
    assert words_of({**share, "percent_by_rank": ["33"]}) == (
        f"33{NB}% du coût chaque année de service"
    )


def test_fixed_amounts_percentages_and_caps():
    assert words_of({"party": "etat_29", "rule": "fixed", "amount": "17500"}) == (
        f"17{NB}500{NB}€ par an"
    )
    assert words_of({"party": "etat_29", "rule": "fixed", "amount": "17500.5"}) == (
        f"17{NB}500,50{NB}€ par an"
    )
    by_year = {"party": "etat_29", "rule": "fixed", "amount_by_year": {"2024": "14900"}}
    assert words_of(by_year) == f"14{NB}900{NB}€ par an en 2024"
    dijon = {
        "party": "etat_29",
        "rule": "percent_of_cost",
        "percent_by_year": {"2024": "30", "2023": "50"},
    }
    assert words_of(dijon) == f"50{NB}% du coût en 2023, 30{NB}% en 2024"
    capped = {"party": "etat_29", "rule": "percent_of_cost", "percent": "81.5", "cap": "12000"}
    assert words_of(capped) == f"81,5{NB}% du coût, au plus 12{NB}000{NB}€ par an"
    remainder = {"party": "commune_quimper", "rule": "percent_of_remainder", "percent": "40"}
    assert words_of(remainder) == f"40{NB}% du reste après les parts sur le coût"


def test_splits_by_population_equal_and_percent():
    split = [{"party": "epci_a", "key": "81.32"}, {"party": "epci_b", "key": "18.68"}]
    share = {"split": split, "rule": "fixed", "amount": "11853"}
    assert words_of({**share, "split_by": "percent"}) == (
        f"11{NB}853{NB}€ par an, répartie entre CA du Pays de Saint-Omer et CC du Pays de "
        f"Lumbres selon les pourcentages (81,32{NB}% / 18,68{NB}%)"
    )
    populations = [{"party": "epci_a", "key": "104938"}, {"party": "epci_b", "key": "24103"}]
    assert words_of({**share, "split": populations, "split_by": "population"}) == (
        f"11{NB}853{NB}€ par an, répartie entre CA du Pays de Saint-Omer et CC du Pays de "
        f"Lumbres au prorata de la population (81,32{NB}% / 18,68{NB}%)"
    )
    equal = [{"party": p, "key": "1"} for p in ("epci_a", "epci_b", "commune_quimper")]
    assert words_of({**share, "split": equal}) == (
        f"11{NB}853{NB}€ par an, répartie entre CA du Pays de Saint-Omer, CC du Pays de "
        "Lumbres et Quimper à parts égales"
    )
    weights = [{"party": "epci_a", "key": "3"}, {"party": "epci_b", "key": "1"}]
    assert words_of({**share, "split": weights}) == (
        f"11{NB}853{NB}€ par an, répartie entre CA du Pays de Saint-Omer et CC du Pays de "
        f"Lumbres selon les clés 3 / 1 (75{NB}% / 25{NB}%)"
    )


def test_plan_words_say_who_pays_and_the_remainder_and_residue():
    plan = read_plan(
        one_share(
            {"party": "etat_29", "rule": "percent_of_cost", "percent_by_rank": ["80", "50"]},
            more=[
                {"party": "commune_quimper", "rule": "percent_of_remainder", "percent": "40"},
                {"party": "departement_29", "rule": "remainder"},
            ],
        )
    )
    assert plan_words(plan, NAMES) == [
        ("État", f"80{NB}% du coût la 1re année de service, 50{NB}% ensuite"),
        ("Quimper", f"40{NB}% du reste après les parts sur le coût"),
        ("Département du Finistère", "reste à charge"),
    ]
    residue = read_plan(
        {
            "residue": "etat_29",
            "years": [{"year": 2024, "annual_cost": "45000"}],
            "shares": [
                {"party": "etat_29", "rule": "percent_of_cost", "percent": "80"},
                {
                    "split": [{"party": "epci_a", "key": "1"}, {"party": "epci_b", "key": "1"}],
                    "rule": "percent_of_cost",
                    "percent": "20",
                },
            ],
        }
    )
    assert plan_words(residue, NAMES) == [
        ("État", f"80{NB}% du coût ; reçoit aussi les arrondis"),
        (
            "CA du Pays de Saint-Omer et CC du Pays de Lumbres",
            f"20{NB}% du coût, répartie entre CA du Pays de Saint-Omer et CC du Pays de "
            "Lumbres à parts égales",
        ),
    ]
    assert party_words(residue, NAMES)["etat_29"] == f"80{NB}% du coût ; reçoit les arrondis"
    assert party_words(residue, NAMES)["epci_b"].startswith(f"20{NB}% du coût, répartie")


def test_a_party_with_two_shares_gets_both_and_unknown_names_show_the_identifier():
    plan = read_plan(
        one_share(
            {"party": "departement_29", "rule": "percent_of_remainder", "percent": "30"},
            more=[{"party": "departement_29", "rule": "remainder"}],
        )
    )
    assert party_words(plan) == {
        "departement_29": f"30{NB}% du reste après les parts sur le coût ; reste à charge"
    }


def test_helpers():
    assert ordinal(1) == "1re" and ordinal(4) == "4e"
    assert french_list(["a"]) == "a"
    assert french_list(["a", "b", "c"]) == "a, b et c"
    assert french_list([]) == ""
