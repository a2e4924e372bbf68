"""The financing engine reproduces every financing figure of the sources (no database).

Figures are read from ``demo/data/*.json`` (the reference extractions) wherever a source
gives them; where a source gives no cost (Quimper, Dijon, Aubervilliers, Ternois, CUA), the test
says which plausible cost it assumes.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from financing.engine import (
    Plan,
    PlanError,
    ShareRule,
    SplitPart,
    YearInput,
    compute_plan,
    parse_plan,
    plan_to_dict,
    result_to_dict,
    split_by_keys,
)

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


def load(name: str) -> dict:
    return json.loads((DEMO_DATA / f"{name}.json").read_text(encoding="utf-8"))


PAS_DE_CALAIS = load("pas_de_calais_2023")
ANNEXE2_ROWS = {
    row["post"]: row for group in PAS_DE_CALAIS["financing_2023"]["groups"] for row in group["rows"]
}
# The post's own convention (the CA du Boulonnais' subsidy annexes 6 and 7 come later).
CONVENTIONS: dict[str, dict] = {}
for _convention in PAS_DE_CALAIS["conventions"]:
    CONVENTIONS.setdefault(_convention["post"], _convention)


def D(value) -> Decimal:
    return Decimal(str(value))


def fixed(party: str, amount) -> dict:
    return {"party": party, "rule": "fixed", "amount": str(amount)}


def remainder(party: str) -> dict:
    return {"party": party, "rule": "remainder"}


def plan_2023(cost, *shares: dict, months: int = 12, **extra) -> dict:
    return {
        "rounding": "down",
        "years": [{"year": 2023, "annual_cost": str(cost), "months": months}],
        "shares": list(shares),
        **extra,
    }


def shares_of(data: dict, year: int = 2023) -> dict[str, Decimal]:
    return dict(compute_plan(parse_plan(data)).year(year).shares)


def written_amounts(row: dict) -> dict[str, Decimal]:
    """The amounts Annexe 2 writes in a row, per party ("reste à charge" left out)."""
    amounts: dict[str, Decimal] = {}
    for financer in row["financers"]:
        if isinstance(financer["amount"], int):
            party = financer["party"]
            amounts[party] = amounts.get(party, Decimal(0)) + financer["amount"]
    return amounts


EQUAL = [{"party": party, "key": "1"} for party in ("a", "b", "c")]

# Annexe 2 (2023), one plan per row; each reproduces every amount the row writes.
ANNEXE2_PLANS = {
    # Béthune commissariat: the estimate (52 510, travel included) equals the three shares.
    "isc_artois": plan_2023(
        52510,
        fixed("etat_62", 17500),
        fixed("epci_ca_bethune_bruay", 17500),
        remainder("departement_62"),
    ),
    # Boulogne commissariat: estimate 67 227 plus the Département's 915 € of travel.
    "isc_boulonnais": plan_2023(
        67227 + 915,
        fixed("etat_62", 22409),
        fixed("epci_ca_boulonnais", 22409),
        remainder("departement_62"),
    ),
    # Le Portel: estimate 58 044 + 1 066 travel, less the euro the EPCI third (3 x 6 449 =
    # 19 347) leaves unassigned; the third as written is split equally between three bodies.
    "isg_boulonnais": plan_2023(
        58044 + 1066 - 1,
        fixed("etat_62", 19348),
        {
            "split": [
                {"party": "epci_ca_boulonnais", "key": "1"},
                {"party": "cias_desvres_samer", "key": "1"},
                {"party": "epci_cc_terre_deux_caps", "key": "1"},
            ],
            "rule": "fixed",
            "amount": "19347",
        },
        remainder("departement_62"),
    ),
    # Ternois: no cost in the source; 43 000 € assumed (14 333 is its truncated third).
    "isg_ternois": plan_2023(
        43000,
        fixed("etat_62", 14333),
        fixed("departement_62", 14333),
        remainder("epci_cc_ternois"),
    ),
    "isg_artois": plan_2023(
        44403,
        fixed("etat_62", 14801),
        fixed("departement_62", 14801),
        remainder("epci_ca_bethune_bruay"),
    ),
    # CUA: no cost in the source; 36 000 € assumed.
    "iscg_arrageois_cua": plan_2023(
        36000,
        fixed("etat_62", 12000),
        fixed("departement_62", 12000),
        remainder("epci_cu_arras"),
    ),
    "isg_arrageois_ccca": plan_2023(
        46659,
        fixed("etat_62", 15553),
        fixed("departement_62", 15553),
        remainder("epci_cc_campagnes_artois"),
    ),
    "isg_arrageois_ccsa": plan_2023(
        44000,
        fixed("etat_62", 14665),
        fixed("departement_62", 14665),
        remainder("epci_cc_sud_artois"),
    ),
    # Osartis Marquion: 42 000 €/yr, funded September-December.
    "isg_osartis_marquion": plan_2023(
        42000,
        fixed("etat_62", 14000),
        fixed("departement_62", 14000),
        remainder("epci_cc_osartis_marquion"),
        months=4,
    ),
    # Calais commissariat: "budget réparti par 1/3", no amount in the convention.
    "isc_calaisis": plan_2023(
        3 * 11221,
        {
            "split": [
                {"party": "etat_62", "key": "1"},
                {"party": "departement_62", "key": "1"},
                {"party": "epci_ca_grand_calais", "key": "1"},
            ],
            "rule": "remainder",
        },
    ),
    # Calais/Saint-Omer gendarmerie: thirds of 12 220; the EPCI amounts as written (they do
    # not follow the population keys) leave 1 € with the employer.
    "isg_calaisis": plan_2023(
        3 * 12220,
        fixed("etat_62", 12220),
        fixed("departement_62", 12220),
        fixed("epci_ca_grand_calais", 1588),
        fixed("epci_cc_pays_opale", 5095),
        fixed("epci_cc_region_audruicq", 5536),
        remainder("assoc_france_victimes_62"),
    ),
    # Saint-Omer: the EPCI third split by population.
    "iscg_audomarois": plan_2023(
        3 * 11853,
        fixed("etat_62", 11853),
        fixed("departement_62", 11853),
        {
            "split": [
                {"party": "epci_ca_pays_saint_omer", "key": "81.32"},
                {"party": "epci_cc_pays_lumbres", "key": "18.68"},
            ],
            "split_by": "percent",
            "rule": "remainder",
        },
    ),
    # Montreuillois: the EPCI amounts as written (the source rounds the largest share up).
    "iscg_montreuillois": plan_2023(
        3 * 12375,
        fixed("etat_62", 12375),
        fixed("departement_62", 12375),
        fixed("epci_ca_2_baies_montreuillois", 7854),
        fixed("epci_cc_7_vallees", 2623),
        fixed("epci_cc_haut_pays_montreuillois", 1898),
        remainder("assoc_france_victimes_62"),
    ),
}


def test_every_annexe2_row_has_a_plan():
    assert set(ANNEXE2_PLANS) == set(ANNEXE2_ROWS)
    assert len(ANNEXE2_ROWS) == 13


@pytest.mark.parametrize("post", sorted(ANNEXE2_ROWS))
def test_annexe2_row_reproduced(post):
    row = ANNEXE2_ROWS[post]
    year = compute_plan(parse_plan(ANNEXE2_PLANS[post])).year(2023)
    expected = written_amounts(row)
    assert {party: year.shares[party] for party in expected} == expected
    assert sum(year.shares.values()) == year.cost
    if row.get("sum_of_amounts") is not None:
        assert sum(expected.values()) == row["sum_of_amounts"]


def test_annexe2_totals():
    """The extractor's totals over the 13 rows: State, Département, Département's line 421K01."""
    totals = PAS_DE_CALAIS["financing_2023"]["totals_computed"]
    etat = departement = on_line = Decimal(0)
    for post, data in ANNEXE2_PLANS.items():
        shares = shares_of(data)
        etat += shares["etat_62"]
        departement += shares["departement_62"]
        if ANNEXE2_ROWS[post]["employer"] != "departement_62":
            on_line += shares["departement_62"]
    assert etat == totals["etat_fipd"] == 182944
    assert departement == totals["departement_all"] == 184935
    assert on_line == totals["departement_on_line_421K01_6568"] == 123687


def test_bethune_2023():
    result = compute_plan(parse_plan(ANNEXE2_PLANS["isc_artois"]))
    assert result_to_dict(result) == {
        "years": [
            {
                "year": 2023,
                "cost": "52510.00",
                "shares": {
                    "etat_62": "17500.00",
                    "epci_ca_bethune_bruay": "17500.00",
                    "departement_62": "17510.00",
                },
            }
        ]
    }
    assert result.year(2023).remainder.parts == (("departement_62", Decimal("17510.00")),)


def test_bethune_and_boulogne_2022_2023_by_year_amounts():
    """The conventions' yearly amounts; no 2022 estimate is written, so the 2022 cost is the sum
    of the 2022 shares (Béthune 44 700 €, Boulogne 61 050 € with the Département's travel)."""
    for post, cost_2022, cost_2023, co_funder in (
        ("isc_artois", 44700, 52510, "epci_ca_bethune_bruay"),
        ("isc_boulonnais", 61050, 67227 + 915, "epci_ca_boulonnais"),
    ):
        convention = CONVENTIONS[post]["financing"]
        assert convention["checks"]["sum_2022"] == cost_2022
        by_year: dict[str, dict[int, int]] = {}
        for share in convention["shares"]:
            by_year.setdefault(share["party"], {})[share["year"]] = share["amount"]
        data = {
            "years": [
                {"year": 2022, "annual_cost": cost_2022},
                {"year": 2023, "annual_cost": cost_2023},
            ],
            "shares": [
                {"party": party, "rule": "fixed", "amount_by_year": by_year[party]}
                for party in ("etat_62", co_funder)
            ]
            + [remainder("departement_62")],
        }
        result = compute_plan(parse_plan(data))
        for year in (2022, 2023):
            expected = {party: D(amounts[year]) for party, amounts in by_year.items()}
            assert dict(result.year(year).shares) == expected


def test_osartis_marquion_prorated_four_months():
    row = ANNEXE2_ROWS["isg_osartis_marquion"]
    assert row["proration"]["months"] == 4
    result = compute_plan(parse_plan(ANNEXE2_PLANS["isg_osartis_marquion"])).year(2023)
    assert result.cost == Decimal("14000.00")
    assert dict(result.shares) == {
        "etat_62": D(row["proration"]["as_written"]),
        "departement_62": D(4666),
        "epci_cc_osartis_marquion": D(4668),
    }
    assert result.details[0].exact.quantize(Decimal("0.01")) == Decimal("4666.67")


def test_osartis_marquion_half_up():
    data = {**ANNEXE2_PLANS["isg_osartis_marquion"], "rounding": "half_up"}
    assert shares_of(data) == {
        "etat_62": D(4667),
        "departement_62": D(4667),
        "epci_cc_osartis_marquion": D(4666),
    }


def test_saint_omer_split_by_population():
    """The issue's form: a fixed share split 81.32 / 18.68; the employer pays nothing."""
    data = plan_2023(
        3 * 11853,
        fixed("etat_62", 11853),
        fixed("departement_62", 11853),
        {
            "rule": "fixed",
            "amount": "11853",
            "split": [
                {"party": "epci_ca_pays_saint_omer", "key": "81.32"},
                {"party": "epci_cc_pays_lumbres", "key": "18.68"},
            ],
        },
        remainder("assoc_france_victimes_62"),
    )
    shares = shares_of(data)
    assert shares["epci_ca_pays_saint_omer"] == 9639
    assert shares["epci_cc_pays_lumbres"] == 2214
    assert shares["assoc_france_victimes_62"] == 0
    assert split_by_keys(D(11853), [D("81.32"), D("18.68")]) == [D(9639), D(2214)]


def test_campagnes_artois_equal_split():
    """46 659 € "financement égalitaire": the whole cost as a remainder split equally."""
    estimate = CONVENTIONS["isg_arrageois_ccca"]["financing"]["annual_cost_estimate"]["amount"]
    data = plan_2023(
        estimate,
        {
            "split": [
                {"party": "etat_62", "key": "1"},
                {"party": "departement_62", "key": "1"},
                {"party": "epci_cc_campagnes_artois", "key": "1"},
            ],
            "rule": "remainder",
        },
    )
    assert shares_of(data) == dict.fromkeys(
        ("etat_62", "departement_62", "epci_cc_campagnes_artois"), D(15553)
    )


def test_le_portel_epci_third():
    """The written third 19 347 splits into 3 x 6 449; the exact third 19 348 does not."""
    assert CONVENTIONS["isg_boulonnais"]["financing"]["checks"]["epci_third_sum"] == 19347
    assert split_by_keys(D(19347), [D(1)] * 3) == [D(6449)] * 3
    assert split_by_keys(D(19348), [D(1)] * 3) == [D(6450), D(6449), D(6449)]


def test_le_portel_from_estimate_shows_the_gaps():
    """From the estimate (3 x 19 348), the Département's written 20 414 is 1 066 € above what
    the plan gives it (its travel), and the first EPCI is owed one more euro than written."""
    parties = ("epci_ca_boulonnais", "cias_desvres_samer", "epci_cc_terre_deux_caps")
    data = {
        "years": [
            {
                "year": 2023,
                "annual_cost": "58044",
                "as_written": {"departement_62": "20414", **dict.fromkeys(parties, "6449")},
            }
        ],
        "shares": [
            fixed("etat_62", 19348),
            {
                "split": [{"party": party, "key": "1"} for party in parties],
                "rule": "fixed",
                "amount": "19348",
            },
            remainder("departement_62"),
        ],
    }
    result = compute_plan(parse_plan(data)).year(2023)
    assert result.shares["departement_62"] == 19348
    assert dict(result.gaps) == {
        "departement_62": D(1066),
        "epci_ca_boulonnais": D(-1),
        "cias_desvres_samer": D(0),
        "epci_cc_terre_deux_caps": D(0),
    }
    assert result_to_dict(compute_plan(parse_plan(data)))["years"][0]["gaps"] == {
        "departement_62": "1066.00",
        "epci_ca_boulonnais": "-1.00",
        "cias_desvres_samer": "0.00",
        "epci_cc_terre_deux_caps": "0.00",
    }


def test_le_portel_written_amounts_exceed_the_estimate():
    """All Annexe 2 amounts as fixed shares (59 109 €) against the 58 044 € estimate: rejected."""
    row = ANNEXE2_ROWS["isg_boulonnais"]
    shares = [fixed(f["party"], f["amount"]) for f in row["financers"]]
    data = plan_2023(row["convention_cost_estimate"], *shares, remainder("departement_62"))
    with pytest.raises(PlanError) as error:
        parse_plan(data)
    message = str(error.value)
    assert "Année 2023" in message
    assert "59 109,00 €" in message
    assert "58 044,00 €" in message


def test_boulogne_from_estimate_shows_the_travel_gap():
    data = plan_2023(
        67227,
        fixed("etat_62", 22409),
        fixed("epci_ca_boulonnais", 22409),
        remainder("departement_62"),
    )
    data["years"][0]["as_written"] = {"departement_62": "23324"}
    result = compute_plan(parse_plan(data)).year(2023)
    assert result.shares["departement_62"] == 22409
    assert dict(result.gaps) == {"departement_62": D(915)}


def test_calais_gendarmerie_keys_disagree_with_annexe2():
    """The convention's population keys applied to the 12 220 € third, against Annexe 2."""
    convention = CONVENTIONS["isg_calaisis"]["financing"]
    keyed = [part for part in convention["split"] if "pct_of_epci_third" in part]
    row = written_amounts(ANNEXE2_ROWS["isg_calaisis"])
    data = plan_2023(
        3 * 12220,
        fixed("etat_62", 12220),
        fixed("departement_62", 12220),
        {
            "split": [{"party": p["party"], "key": p["pct_of_epci_third"]} for p in keyed],
            "split_by": "percent",
            "rule": "fixed",
            "amount": "12220",
        },
        remainder("assoc_france_victimes_62"),
    )
    data["years"][0]["as_written"] = {p["party"]: str(row[p["party"]]) for p in keyed}
    result = compute_plan(parse_plan(data)).year(2023)
    assert {p["party"]: result.shares[p["party"]] for p in keyed} == {
        "epci_cc_pays_opale": D(5106),
        "epci_cc_region_audruicq": D(5532),
        "epci_ca_grand_calais": D(1582),
    }
    assert dict(result.gaps) == {
        "epci_cc_pays_opale": D(-11),
        "epci_cc_region_audruicq": D(4),
        "epci_ca_grand_calais": D(6),
    }
    assert result.shares["assoc_france_victimes_62"] == 0


def test_montreuillois_keys_give_the_spare_euro_to_the_largest_fraction():
    """63.46 / 21.20 / 15.34 % of 12 375 = 7 853.18 / 2 623.50 / 1 898.33: the spare euro goes
    to 2 623.50, whereas the source rounds the largest share up (7 854 and 2 623)."""
    convention = CONVENTIONS["iscg_montreuillois"]["financing"]
    keyed = [part for part in convention["split"] if "pct_of_epci_third" in part]
    row = written_amounts(ANNEXE2_ROWS["iscg_montreuillois"])
    data = plan_2023(
        3 * 12375,
        fixed("etat_62", 12375),
        fixed("departement_62", 12375),
        {
            "split": [{"party": p["party"], "key": p["pct_of_epci_third"]} for p in keyed],
            "split_by": "percent",
            "rule": "remainder",
        },
    )
    data["years"][0]["as_written"] = {p["party"]: str(row[p["party"]]) for p in keyed}
    result = compute_plan(parse_plan(data)).year(2023)
    assert {p["party"]: result.shares[p["party"]] for p in keyed} == {
        "epci_cc_7_vallees": D(2624),
        "epci_cc_haut_pays_montreuillois": D(1898),
        "epci_ca_2_baies_montreuillois": D(7853),
    }
    assert dict(result.gaps) == {
        "epci_cc_7_vallees": D(-1),
        "epci_cc_haut_pays_montreuillois": D(0),
        "epci_ca_2_baies_montreuillois": D(1),
    }


# Quimper -------------------------------------------------------------------------------------

QUIMPER = load("quimper_2023")["financing"]


def quimper_plan(annual_cost, years=range(2024, 2029)) -> dict:
    """The State's degressive schedule by year of service, then 40 / 20 / 10 % of what is left
    to the three communes; the Département, employer, takes the remainder (its 30 % and any
    rounding residue). The post starts in January 2024 (rank 1)."""
    schedule = QUIMPER["state_schedule_validated_2023"]
    communes = [
        {"party": s["party"], "rule": "percent_of_remainder", "percent": str(s["pct_of_remainder"])}
        for s in QUIMPER["remainder_split"]["shares"]
        if s["party"] != "departement_29"
    ]
    return {
        "rounding": "down",
        "first_year": 2024,
        "years": [{"year": year, "annual_cost": str(annual_cost)} for year in years],
        "shares": [
            {
                "party": "etat_29",
                "rule": "percent_of_cost",
                "percent_by_rank": [str(step["state_pct"]) for step in schedule],
            },
            *communes,
            remainder("departement_29"),
        ],
    }


def test_quimper_schedule_matches_the_derived_percentages():
    """No amount in the source: 45 000 €/yr assumed (a round figure, so every share is a whole
    number of euros and must equal the extractor's derived percentage of the cost)."""
    result = compute_plan(parse_plan(quimper_plan(45000)))
    derived = QUIMPER["derived_shares_pct_of_post_cost"]
    parties = {
        "etat_29": "state_pct_of_cost",
        "departement_29": "departement_29_pct_of_cost",
        "commune_quimper": "commune_quimper_pct_of_cost",
        "commune_concarneau": "commune_concarneau_pct_of_cost",
        "commune_ergue_gaberic": "commune_ergue_gaberic_pct_of_cost",
    }
    for year, rank in zip(range(2024, 2029), (0, 1, 2, 3, 3), strict=True):
        expected = {party: 45000 * D(derived[rank][key]) / 100 for party, key in parties.items()}
        assert dict(result.year(year).shares) == expected


def test_quimper_residue_goes_to_the_departement():
    """47 351 €/yr assumed (no amount in the source), so that the percentages fall on cents."""
    result = compute_plan(parse_plan(quimper_plan(47351, years=(2024, 2027))))
    # Rank 1: 80 % = 37 880.80; left 9 471: 40 % 3 788.40, 20 % 1 894.20, 10 % 947.10.
    assert dict(result.year(2024).shares) == {
        "etat_29": D(37880),
        "commune_quimper": D(3788),
        "commune_concarneau": D(1894),
        "commune_ergue_gaberic": D(947),
        "departement_29": D(2842),  # 30 % = 2 841.30, plus the 0.70 € residue
    }
    # Rank 4: 33 % = 15 625.83; left 31 726: 12 690.40, 6 345.20, 3 172.60; 30 % = 9 517.80.
    assert dict(result.year(2027).shares) == {
        "etat_29": D(15625),
        "commune_quimper": D(12690),
        "commune_concarneau": D(6345),
        "commune_ergue_gaberic": D(3172),
        "departement_29": D(9519),
    }


def test_quimper_as_a_split_remainder():
    """The other reading: the remainder split 30/40/20/10 by largest remainder gives the spare
    euro to the largest fraction (Quimper's 0.40), not to the Département."""
    data = quimper_plan(47351, years=(2024,))
    data["shares"] = [
        data["shares"][0],
        {
            "split": [
                {"party": s["party"], "key": str(s["pct_of_remainder"])}
                for s in QUIMPER["remainder_split"]["shares"]
            ],
            "split_by": "percent",
            "rule": "remainder",
        },
    ]
    assert shares_of(data, 2024) == {
        "etat_29": D(37880),
        "departement_29": D(2841),
        "commune_quimper": D(3789),
        "commune_concarneau": D(1894),
        "commune_ergue_gaberic": D(947),
    }


# Dijon ---------------------------------------------------------------------------------------

DIJON = load("dijon_2022")


def dijon_plan() -> dict:
    """No amount in the source: salary charges of 40 000 € in 2022, +2 % a year, assumed. The
    post starts on 31 March 2022, so 2022 is funded April-December (9 months)."""
    percents = {
        str(p["year"]): str(p["state_pct"]) for p in DIJON["financing"]["state_percentages"]
    }
    return {
        "years": [
            {"year": 2022, "annual_cost": "40000", "months": 9},
            {"year": 2023, "annual_cost": "40800"},
            {"year": 2024, "annual_cost": "41616"},
        ],
        "shares": [
            {"party": "etat_21", "rule": "percent_of_cost", "percent_by_year": percents},
            remainder("ccas_dijon"),
        ],
    }


def test_dijon_state_percent_by_calendar_year():
    result = result_to_dict(compute_plan(parse_plan(dijon_plan())))
    assert [(y["year"], y["cost"], y["shares"]) for y in result["years"]] == [
        (2022, "30000.00", {"etat_21": "24000.00", "ccas_dijon": "6000.00"}),
        (2023, "40800.00", {"etat_21": "20400.00", "ccas_dijon": "20400.00"}),
        # 30 % of 41 616 = 12 484.80, rounded down.
        (2024, "41616.00", {"etat_21": "12484.00", "ccas_dijon": "29132.00"}),
    ]


def test_dijon_by_rank_gives_the_same_result():
    data = dijon_plan()
    data["first_year"] = 2022
    data["shares"][0] = {
        "party": "etat_21",
        "rule": "percent_of_cost",
        "percent_by_rank": ["80", "50", "30"],
    }
    assert result_to_dict(compute_plan(parse_plan(data))) == result_to_dict(
        compute_plan(parse_plan(dijon_plan()))
    )


def test_dijon_year_without_percentage_is_rejected():
    data = dijon_plan()
    data["years"].append({"year": 2025, "annual_cost": "42448"})
    with pytest.raises(PlanError, match="Année 2025 : pas de pourcentage pour etat_21"):
        parse_plan(data)


# Aubervilliers -------------------------------------------------------------------------------

AUBERVILLIERS = load("aubervilliers_2013")["posts"]


def test_aubervilliers_full_time_post():
    """FIPD 40 000 € for the full-time post; cost not given, 48 000 € assumed."""
    amount = AUBERVILLIERS[0]["funding_2013"]["amount"]
    data = plan_2023(48000, fixed("etat_93", amount), remainder("commune_aubervilliers"))
    data["years"][0]["year"] = 2013
    assert shares_of(data, 2013) == {"etat_93": D(40000), "commune_aubervilliers": D(8000)}


def test_aubervilliers_half_time_post_prorated_by_months():
    """18 000 € "versé au prorata du nombre de mois effectués", post started October 2013:
    3 months. The funder is not named (FIPD presumed); cost not given, 24 000 €/yr assumed."""
    post = AUBERVILLIERS[1]
    assert post["took_office"] == "2013-10"
    data = {
        "years": [{"year": 2013, "annual_cost": "24000", "months": 3}],
        "shares": [
            fixed("etat_93", post["funding_2013"]["amount"]),
            remainder("commune_aubervilliers"),
        ],
    }
    result = compute_plan(parse_plan(data)).year(2013)
    assert result.cost == D(6000)
    assert dict(result.shares) == {"etat_93": D(4500), "commune_aubervilliers": D(1500)}


# Rules ---------------------------------------------------------------------------------------


def test_cap_is_prorated():
    data = {
        "years": [{"year": 2023, "annual_cost": "60000", "months": 6}],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent": "80", "cap": "20000"},
            remainder("employeur"),
        ],
    }
    # 80 % of 30 000 = 24 000, capped at 20 000 x 6/12 = 10 000.
    assert shares_of(data) == {"etat": D(10000), "employeur": D(20000)}


def test_party_with_several_shares_is_summed():
    data = plan_2023(
        30000,
        fixed("departement", 1000),
        {
            "split": [{"party": "departement", "key": "1"}, {"party": "epci", "key": "1"}],
            "rule": "fixed",
            "amount": "10000",
        },
        remainder("employeur"),
    )
    result = compute_plan(parse_plan(data)).year(2023)
    assert dict(result.shares) == {"departement": D(6000), "epci": D(5000), "employeur": D(19000)}
    assert [detail.parts for detail in result.details] == [
        (("departement", D(1000)),),
        (("departement", D(5000)), ("epci", D(5000))),
        (("employeur", D(19000)),),
    ]


def test_remainder_keeps_cents_and_split_cents_stay_with_first_part():
    data = {
        "years": [{"year": 2023, "annual_cost": "10001", "months": 7}],  # 5 833.916… -> 5 833.92
        "shares": [
            fixed("etat", 1000),  # 583.33 -> 583
            {"split": EQUAL, "rule": "remainder"},
        ],
    }
    result = compute_plan(parse_plan(data)).year(2023)
    assert result.cost == Decimal("5833.92")
    # 5 250.92: 5 250 split 1 750 each, the 0.92 with the first part.
    assert dict(result.shares) == {
        "etat": D(583),
        "a": Decimal("1750.92"),
        "b": D(1750),
        "c": D(1750),
    }
    assert result_to_dict(compute_plan(parse_plan(data)))["years"][0]["shares"]["a"] == "1750.92"


def test_annual_cost_may_have_more_decimals():
    """An actual cost brought back to a year (10 000 € over 7 months) is not a whole cent."""
    data = {
        "years": [{"year": 2023, "annual_cost": "17142.8571", "months": 7}],
        "shares": [remainder("employeur")],
    }
    assert compute_plan(parse_plan(data)).year(2023).cost == Decimal("10000.00")


def test_years_are_returned_in_order():
    data = {
        "years": [{"year": 2025, "annual_cost": "100"}, {"year": 2024, "annual_cost": "200"}],
        "shares": [remainder("employeur")],
    }
    assert [y.year for y in compute_plan(parse_plan(data)).years] == [2024, 2025]


def test_floats_and_decimals_are_read_exactly():
    data = plan_2023(0, fixed("etat", 0), remainder("employeur"))
    data["years"][0]["annual_cost"] = 100.1
    data["shares"][0]["amount"] = Decimal("0.1")
    plan = parse_plan(data)
    assert plan.years[0].annual_cost == Decimal("100.1")
    assert plan.shares[0].amount == Decimal("0.1")


# split_by_keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "keys", "parts"),
    [
        ("10", ["1", "1", "1"], ["4", "3", "3"]),  # tie: the earlier part
        ("10", ["1", "1", "2"], ["3", "2", "5"]),  # 2.5 / 2.5 / 5: the first 0.5 wins
        ("100", ["0", "1"], ["0", "100"]),
        ("10.50", ["1", "1"], ["5.50", "5"]),
        ("7", ["2000", "1000"], ["5", "2"]),  # populations: 4.67 / 2.33
        ("0", ["1", "1"], ["0", "0"]),
    ],
)
def test_split_by_keys(amount, keys, parts):
    assert split_by_keys(D(amount), [D(k) for k in keys]) == [D(p) for p in parts]


@pytest.mark.parametrize(
    ("amount", "keys", "message"),
    [
        ("10", [], "aucune clé"),
        ("10", ["1", "-1"], "clé négative"),
        ("10", ["0", "0"], "nulles"),
        ("-10", ["1"], "négatif"),
    ],
)
def test_split_by_keys_rejects(amount, keys, message):
    with pytest.raises(PlanError, match=message):
        split_by_keys(D(amount), [D(k) for k in keys])


# Rejections ----------------------------------------------------------------------------------


def valid() -> dict:
    return plan_2023(42000, fixed("etat", 14000), remainder("employeur"))


def with_share(share: dict) -> dict:
    data = valid()
    data["shares"].insert(0, share)
    return data


def with_year(**fields) -> dict:
    data = valid()
    data["years"][0].update(fields)
    return data


INVALID = [
    (plan_2023(1000, fixed("etat", 10)), "aucune part au reste à charge"),
    (
        plan_2023(1000, remainder("a"), remainder("b")),
        "2 parts au reste à charge (règle « remainder ») : parts n° 1 et 2 (a ; b)",
    ),
    (with_year(months=13), "Année 2023 : 13 mois financés, il en faut plus de 0 et au plus 12."),
    (with_year(months=0), "Année 2023 : 0 mois financés"),
    (with_year(months="quatre"), "mois financés « quatre »"),
    (with_year(annual_cost="-42000"), "Année 2023, coût annuel : -42 000 est négatif."),
    (with_year(annual_cost="abc"), "« abc » n'est pas un nombre"),
    (with_year(annual_cost="14 000"), "« 14 000 » n'est pas un nombre"),
    (with_year(annual_cost=True), "« true » n'est pas un nombre"),
    (with_year(annual_cost="NaN"), "n'est pas un nombre"),
    (with_share(fixed("dep", "100.005")), "Part n° 1 (dep), montant : 100,005 a plus de deux"),
    (with_share(fixed("dep", "-5")), "Part n° 1 (dep), montant : -5 est négatif."),
    (
        with_share({"party": "dep", "rule": "percent_of_cost", "percent": "120"}),
        "Part n° 1 (dep), pourcentage : 120 % est hors de 0 à 100 %.",
    ),
    (
        with_share({"party": "dep", "rule": "percent_of_cost", "percent_by_rank": ["80", "101"]}),
        "année de service n° 2 : 101 %",
    ),
    (
        plan_2023(
            1000,
            {"party": "a", "rule": "percent_of_remainder", "percent": "60"},
            {"party": "b", "rule": "percent_of_remainder", "percent": "50"},
            remainder("c"),
        ),
        "totalisent 110 % du reste",
    ),
    (
        with_share(
            {
                "split": [{"party": "a", "key": "60"}, {"party": "b", "key": "41"}],
                "split_by": "percent",
                "rule": "fixed",
                "amount": "100",
            }
        ),
        "les clés de répartition totalisent 101 %, il faut 100 %.",
    ),
    (
        with_share(
            {
                "split": [{"party": "a", "key": "160"}, {"party": "b", "key": "-60"}],
                "split_by": "percent",
                "rule": "fixed",
                "amount": "100",
            }
        ),
        "clé : 160 % est hors de 0 à 100 %",
    ),
    (
        with_share(
            {"split": [{"party": "a", "key": "-1"}], "rule": "fixed", "amount": "100"},
        ),
        "(a), clé : -1 est négatif",
    ),
    (
        with_share(
            {
                "split": [{"party": "a", "key": "0"}, {"party": "b", "key": "0"}],
                "rule": "fixed",
                "amount": "100",
            }
        ),
        "toutes les clés de répartition sont nulles",
    ),
    (
        with_share(
            {
                "split": [{"party": "a", "key": "1"}, {"party": "a", "key": "2"}],
                "rule": "fixed",
                "amount": "100",
            }
        ),
        "la partie a figure deux fois",
    ),
    (
        {
            "years": [{"year": 2023, "annual_cost": "1"}, {"year": 2023, "annual_cost": "2"}],
            "shares": [remainder("a")],
        },
        "Année 2023 en double dans le plan.",
    ),
    (
        plan_2023(42000, fixed("etat", 30000), fixed("dep", 12001), remainder("employeur")),
        "Année 2023 : les parts autres que le reste à charge totalisent 42 001,00 €, plus que "
        "le coût de l'année (42 000,00 €) ; le reste à charge serait négatif (-1,00 €).",
    ),
    (
        plan_2023(
            42000,
            {"party": "etat", "rule": "percent_of_cost", "percent": "60"},
            fixed("dep", 17000),
            remainder("employeur"),
        ),
        "totalisent 42 200,00 €",
    ),
    (
        with_share({"party": "dep", "rule": "fixed", "amount_by_year": {"2024": "100"}}),
        "Année 2023 : pas de montant pour dep",
    ),
    (
        {
            **valid(),
            "first_year": 2024,
            "shares": [
                {"party": "etat", "rule": "percent_of_cost", "percent_by_rank": ["80"]},
                remainder("employeur"),
            ],
        },
        "Année 2023 : antérieure à la première année du poste (2024)",
    ),  # fmt: skip
    (with_share({"party": "dep", "rule": "fixed", "ammount": "1"}), "« ammount »"),
    (with_share({"party": "dep", "rule": "fixed"}), "« amount » ou « amount_by_year »"),
    (
        with_share({"party": "dep", "rule": "fixed", "amount": "1", "amount_by_year": {}}),
        "(un seul)",
    ),
    (with_share({"party": "dep", "rule": "fixed", "amount": "1", "cap": "2"}), "« cap »"),
    (with_share({"party": "dep", "rule": "forfait", "amount": "1"}), "règle « forfait » inconnue"),
    (
        with_share({"party": "dep", "split": EQUAL, "rule": "fixed", "amount": "1"}),
        "soit « party », soit « split »",
    ),
    (with_year(as_written={"inconnu": "1"}), "montant écrit pour inconnu, qui n'a aucune part"),
    ({**valid(), "rounding": "nearest"}, "Arrondi « nearest » inconnu"),
    ({**valid(), "years": []}, "aucune année"),
    ([], "doit être un objet JSON"),
]


@pytest.mark.parametrize(("data", "message"), INVALID, ids=[m for _, m in INVALID])
def test_invalid_plans_are_rejected(data, message):
    with pytest.raises(PlanError) as error:
        parse_plan(data)
    assert message in str(error.value)


def test_plan_error_is_a_value_error():
    assert issubclass(PlanError, ValueError)


def test_compute_checks_a_plan_built_in_python():
    plan = Plan(
        years=(YearInput(year=2023, annual_cost=D(100)),),
        shares=(ShareRule(rule="fixed", party="etat", amount=D(10)),),
    )
    with pytest.raises(PlanError, match="aucune part au reste à charge"):
        compute_plan(plan)


# JSON form -----------------------------------------------------------------------------------

ALL_PLANS = [
    *ANNEXE2_PLANS.values(),
    quimper_plan(45000),
    dijon_plan(),
    {**valid(), "rounding": "half_up"},
]


@pytest.mark.parametrize("data", ALL_PLANS)
def test_plan_round_trips(data):
    plan = parse_plan(data)
    again = parse_plan(plan_to_dict(plan))
    assert again == plan
    assert plan_to_dict(again) == plan_to_dict(plan)
    assert json.loads(json.dumps(plan_to_dict(plan))) == plan_to_dict(plan)


def test_plan_to_dict_form():
    plan = Plan(
        years=(YearInput(year=2023, annual_cost=D("42000"), months=4),),
        shares=(
            ShareRule(
                rule="fixed",
                amount=D("11853"),
                split=(SplitPart("a", D("81.32")), SplitPart("b", D("18.68"))),
            ),
            ShareRule(rule="remainder", party="employeur"),
        ),
        first_year=2023,
    )
    assert plan_to_dict(plan) == {
        "rounding": "down",
        "first_year": 2023,
        "years": [{"year": 2023, "annual_cost": "42000", "months": 4}],
        "shares": [
            {
                "split": [{"party": "a", "key": "81.32"}, {"party": "b", "key": "18.68"}],
                "rule": "fixed",
                "amount": "11853",
            },
            {"party": "employeur", "rule": "remainder"},
        ],
    }
