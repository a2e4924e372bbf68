"""The engine's pure functions that read or change a plan (no database)."""

from decimal import Decimal as D

import pytest

from financing.engine import (
    PlanError,
    YearInput,
    compute_plan,
    full_year,
    months_by_year,
    only_years,
    parse_plan,
    plan_parties,
    plan_to_dict,
    read_plan,
    shifted,
    stated_months,
    truncated,
    with_actual_cost,
    with_months,
    written_gaps_only,
)

OSARTIS = {
    "rounding": "down",
    "first_year": 2023,
    "years": [
        {"year": 2023, "annual_cost": "42000", "months": 4, "as_written": {"etat": "4666"}},
        {"year": 2024, "annual_cost": "43000"},
    ],
    "shares": [
        {"party": "etat", "rule": "fixed", "amount": "14000"},
        {
            "split": [{"party": "cc-a", "key": "1"}, {"party": "cc-b", "key": "1"}],
            "rule": "fixed",
            "amount": "14000",
        },
        {"party": "departement", "rule": "remainder"},
    ],
}


def test_plan_parties_lists_each_party_once_in_the_order_of_the_shares():
    assert plan_parties(read_plan(OSARTIS)) == ("etat", "cc-a", "cc-b", "departement")


def test_months_stated_and_funded():
    plan = read_plan(OSARTIS)
    assert stated_months(plan) == {2023: 4}
    assert months_by_year(plan) == {2023: 4, 2024: 12}
    assert plan.years[1].months is None  # not stated: 12 unless the post's dates say otherwise


def test_with_months_replaces_only_the_years_given():
    plan = with_months(read_plan(OSARTIS), {2024: 6})
    assert months_by_year(plan) == {2023: 4, 2024: 6}
    assert compute_plan(plan).year(2024).cost == D("21500.00")
    assert months_by_year(read_plan(OSARTIS)) == {2023: 4, 2024: 12}  # the given one unchanged


def test_only_years_keeps_the_years_named():
    assert [y.year for y in only_years(read_plan(OSARTIS), {2024}).years] == [2024]


def test_an_actual_cost_is_the_cost_of_the_months_worked():
    plan = with_actual_cost(read_plan(OSARTIS), 2023, D("13000"))
    assert plan.years[0].annual_cost == D("39000.0000")  # 13 000 × 12 / 4
    year = compute_plan(plan).year(2023)
    assert year.cost == D("13000.00")
    assert year.shares["etat"] == D("4666.00")
    with pytest.raises(PlanError, match="L'année 2030 ne figure pas dans le plan") as error:
        with_actual_cost(read_plan(OSARTIS), 2030, D("1"))
    assert error.value.year == 2030


def test_a_full_year_is_computed_over_twelve_months():
    year = full_year(read_plan(OSARTIS), 2023)
    assert (year.months, year.cost) == (12, D("42000.00"))
    assert year.shares == {
        "etat": D("14000.00"),
        "cc-a": D("7000.00"),
        "cc-b": D("7000.00"),
        "departement": D("14000.00"),
    }


def test_a_full_year_counts_the_rank_from_the_plans_first_year():
    data = {
        "years": [
            {"year": 2023, "annual_cost": "100", "months": 6},
            {"year": 2024, "annual_cost": "100", "months": 6},
        ],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent_by_rank": ["80", "50"]},
            {"party": "employeur", "rule": "remainder"},
        ],
    }
    assert full_year(read_plan(data), 2024).shares["etat"] == D("50.00")


def test_shifted_moves_years_and_per_year_values_and_drops_written_amounts():
    data = {
        "first_year": 2022,
        "years": [
            {"year": 2022, "annual_cost": "40000", "as_written": {"etat": "1"}},
            {"year": 2023, "annual_cost": "40800"},
            {"year": 2024, "annual_cost": "41616"},
        ],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent_by_year": {"2022": "80"}},
            {"party": "ccas", "rule": "fixed", "amount_by_year": {"2023": "10"}},
            {"party": "ccas2", "rule": "remainder"},
        ],
    }
    plan = read_plan(data)
    moved = shifted(plan, shift=3, last_year=2026)
    assert [y.year for y in moved.years] == [2025, 2026]
    assert all(not y.as_written for y in moved.years)
    assert moved.shares[0].percent_by_year == {2025: D(80)}
    assert moved.shares[1].amount_by_year == {2026: D(10)}
    assert moved.first_year == 2022  # the post's rank keeps counting from its own first year
    assert plan.years[0].year == 2022  # the source's plan is left alone
    # A last year before every moved year keeps them all (rather than none).
    assert [y.year for y in shifted(plan, shift=3, last_year=2000).years] == [2025, 2026, 2027]


def test_written_gaps_only_keeps_the_written_amounts_that_differ():
    data = {
        **OSARTIS,
        "years": [
            {
                "year": 2023,
                "annual_cost": "42000",
                "months": 4,
                "as_written": {"etat": "4666", "departement": "4000"},
            }
        ],
    }
    plan = read_plan(data)
    kept = written_gaps_only(plan, compute_plan(plan))
    assert kept.years[0].as_written == {"departement": D("4000")}  # 4 668 computed


def test_truncated_keeps_the_months_due_and_drops_what_no_longer_applies():
    plan = read_plan(OSARTIS)
    cut = truncated(plan, {2023: 3, 2024: 0})
    assert [(y.year, y.months, dict(y.as_written)) for y in cut.years] == [(2023, 3, {})]
    same = truncated(plan, {2023: 4, 2024: 12})
    assert same.years[0].as_written == {"etat": D("4666")}  # months unchanged: still written
    assert same.years[1].months is None


def test_months_not_stated_are_not_written_back():
    assert plan_to_dict(read_plan(OSARTIS))["years"][1] == {"year": 2024, "annual_cost": "43000"}


def test_read_plan_checks_the_whole_plan_without_computing():
    no_remainder = {**OSARTIS, "shares": OSARTIS["shares"][:2]}
    with pytest.raises(PlanError, match="aucune part au reste à charge"):
        read_plan(no_remainder)
    too_much = {
        **OSARTIS,
        "shares": [{**OSARTIS["shares"][0], "amount": "50000"}, *OSARTIS["shares"][1:]],
    }
    read_plan(too_much)  # the year's figures are checked when computed
    with pytest.raises(PlanError):
        parse_plan(too_much)


@pytest.mark.parametrize(
    ("change", "year", "share"),
    [
        (
            {"shares": [{"party": "etat", "rule": "fixed"}, {"party": "d", "rule": "remainder"}]},
            None,
            0,
        ),
        ({"years": [{"year": 2023, "annual_cost": "-1"}]}, 2023, None),
        (
            {"years": [{"year": 2023, "annual_cost": "1"}, {"year": 2023, "annual_cost": "2"}]},
            2023,
            None,
        ),
        ({"years": [{"year": 2023, "annual_cost": "1", "months": 13}]}, 2023, None),
        (
            {
                "years": [{"year": 2023, "annual_cost": "1"}],
                "shares": [
                    {"party": "d", "rule": "remainder"},
                    {"party": "e", "rule": "remainder"},
                ],
            },
            None,
            1,  # the second share at the remainder: its row shows the message
        ),
    ],
)
def test_a_plan_error_says_which_year_and_share_it_is_about(change, year, share):
    with pytest.raises(PlanError) as error:
        parse_plan({**OSARTIS, **change})
    assert (error.value.year, error.value.share) == (year, share)


def test_a_computing_error_names_its_year_and_share():
    by_year = {
        "years": [{"year": 2023, "annual_cost": "100"}, {"year": 2024, "annual_cost": "100"}],
        "shares": [
            {"party": "d", "rule": "remainder"},
            {"party": "etat", "rule": "fixed", "amount_by_year": {"2023": "10"}},
        ],
    }
    with pytest.raises(PlanError, match="pas de montant pour etat") as error:
        parse_plan(by_year)
    assert (error.value.year, error.value.share) == (2024, 1)
    exceeds = {
        "years": [{"year": 2023, "annual_cost": "100"}],
        "shares": [
            {"party": "d", "rule": "remainder"},
            {"party": "e", "rule": "fixed", "amount": "200"},
        ],
    }
    with pytest.raises(PlanError, match="reste à charge serait négatif") as error:
        parse_plan(exceeds)
    assert (error.value.year, error.value.share) == (2023, None)


def test_a_year_built_in_python_funds_twelve_months_unless_told():
    assert YearInput(year=2023, annual_cost=D(1)).funded_months == 12
