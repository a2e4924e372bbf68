"""The engine follows the acts (issue 14): part months, the convention's period, years of service
counted month by month, plans whose shares cover the whole cost (``residue``). No database.

Each worked example of the issue is checked to the euro; each refusal by its French message,
naming the year, the share and the figures.
"""

import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from financing.engine import (
    REMAINDER,
    RESIDUE,
    Plan,
    PlanError,
    ShareRule,
    YearInput,
    compute_plan,
    full_year,
    months_by_year,
    only_years,
    parse_plan,
    period_months,
    plan_to_dict,
    read_plan,
    result_to_dict,
    shifted,
    stated_months,
    truncated,
    with_actual_cost,
    with_months,
    year_months,
)

ROOT = Path(__file__).resolve().parents[2]


def D(value) -> Decimal:
    return Decimal(str(value))


def years(*items: int, cost: str = "45000", **extra) -> list[dict]:
    return [{"year": year, "annual_cost": cost, **extra} for year in items]


def remainder(party: str = "departement") -> dict:
    return {"party": party, "rule": REMAINDER}


STATE_80_50_30 = {"party": "etat", "rule": "percent_of_cost", "percent_by_rank": ["80", "50", "30"]}

# "L'État finance 80 % du poste la première année, 50 % la seconde, 30 % la troisième", for a
# post whose first day of service is 1 September 2022, 45 000 € a year.
SERVICE_FROM_SEPTEMBER = {
    "service_start": "2022-09-01",
    "years": years(2022, 2023, 2024, 2025),
    "shares": [STATE_80_50_30, remainder()],
}

# "Signée pour trois ans le 15 mars 2010": 15 March 2010 to 14 March 2013.
THREE_YEARS_FROM_15_MARCH_2010 = {
    "start": "2010-03-15",
    "end": "2013-03-14",
    "years": years(2010, 2011, 2012, 2013),
    "shares": [{"party": "etat", "rule": "fixed", "amount": "17500"}, remainder()],
}

FIVE_CCS = [f"cc-{number}" for number in range(1, 6)]
# 80 % État, 20 % shared by five communautés de communes, nobody "reste à charge".
FULLY_CO_FUNDED = {
    "residue": "etat",
    "years": years(2024),
    "shares": [
        {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
        {
            "split": [{"party": cc, "key": "1"} for cc in FIVE_CCS],
            "rule": "percent_of_cost",
            "percent": "20",
        },
    ],
}


def shares_of(data: dict) -> dict[int, dict[str, Decimal]]:
    return {year.year: dict(year.shares) for year in compute_plan(parse_plan(data)).years}


def refusal(data: dict) -> PlanError:
    with pytest.raises(PlanError) as error:
        parse_plan(data)
    return error.value


# --- Part months ------------------------------------------------------------------------------


@pytest.mark.parametrize("months", ["9.5", "9.55", 9.5, D("9.55"), "0.5", "12", 12, "12.00"])
def test_months_may_have_two_decimals(months):
    plan = parse_plan({"years": years(2010, months=months), "shares": [remainder()]})
    assert plan.years[0].months == D(months)
    assert isinstance(plan.years[0].funded_months, Decimal)


def test_part_months_prorate_cost_and_fixed_shares():
    data = {
        "years": years(2010, months="9.5"),
        "shares": [{"party": "etat", "rule": "fixed", "amount": "17500"}, remainder()],
    }
    year = compute_plan(parse_plan(data)).years[0]
    # 45 000 x 9.5 / 12 = 35 625.00; 17 500 x 9.5 / 12 = 13 854.17 -> 13 854.
    assert (year.months, year.cost) == (D("9.5"), D("35625.00"))
    assert dict(year.shares) == {"etat": D("13854"), "departement": D("21771")}


@pytest.mark.parametrize(
    ("months", "message"),
    [
        ("0", "Année 2010 : 0 mois financés, il en faut plus de 0 et au plus 12."),
        ("12.01", "Année 2010 : 12,01 mois financés, il en faut plus de 0 et au plus 12."),
        ("-1", "Année 2010 : -1 mois financés, il en faut plus de 0 et au plus 12."),
        ("9.555", "Année 2010 : 9,555 mois financés, au plus deux décimales (9,55 par exemple)."),
        ("neuf", "Année 2010 : mois financés « neuf », il faut un nombre de mois"),
        (True, "Année 2010 : mois financés « true », il faut un nombre de mois"),
    ],
)
def test_months_out_of_range_or_too_precise_are_refused(months, message):
    error = refusal({"years": years(2010, months=months), "shares": [remainder()]})
    assert str(error).startswith(message)
    assert error.year == 2010


def test_months_built_in_python_are_checked_too():
    plan = Plan(
        years=(YearInput(year=2010, annual_cost=D("1000"), months=D("12.5")),),
        shares=(ShareRule(rule=REMAINDER, party="a"),),
    )
    with pytest.raises(PlanError, match="12,5 mois financés, il en faut plus de 0"):
        compute_plan(plan)


# --- The funded period ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "start", "end", "months"),
    [
        (2010, date(2010, 3, 15), date(2013, 3, 14), D("9.55")),  # 17/31 + 9
        (2013, date(2010, 3, 15), date(2013, 3, 14), D("2.45")),  # 2 + 14/31
        (2011, date(2010, 3, 15), date(2013, 3, 14), D("12")),
        (2009, date(2010, 3, 15), date(2013, 3, 14), D("0")),
        (2014, date(2010, 3, 15), date(2013, 3, 14), D("0")),
        (2022, date(2022, 9, 1), None, D("4")),
        (2024, None, date(2024, 2, 14), D("1.48")),  # 1 + 14/29 (a leap February)
        (2023, None, date(2023, 2, 14), D("1.5")),  # 1 + 14/28
        (2023, None, None, D("12")),
        (2023, date(2023, 6, 16), date(2023, 6, 16), D("0.03")),  # one day of June: 1/30
    ],
)
def test_period_months_counts_part_months_in_days(year, start, end, months):
    assert period_months(year, start, end) == months


def test_whole_months_are_decimals_without_places():
    assert str(period_months(2022, date(2022, 9, 1), None)) == "4"
    assert str(period_months(2010, date(2010, 3, 15), None)) == "9.55"


def test_a_three_year_convention_from_15_march_2010_funds_36_months():
    """2010 is 9.55 months and 2013 is 2.45 (the convention ends on 14 March 2013: not a whole
    year); together with 2011 and 2012, 36 months, the whole cost of three years."""
    plan = parse_plan(THREE_YEARS_FROM_15_MARCH_2010)
    assert months_by_year(plan) == {2010: D("9.55"), 2011: 12, 2012: 12, 2013: D("2.45")}
    assert stated_months(plan) == {}
    result = compute_plan(plan)
    costs = {year.year: year.cost for year in result.years}
    # 45 000 x 9.55 / 12 = 35 812.50; 45 000 x 2.45 / 12 = 9 187.50.
    assert costs == {2010: D("35812.50"), 2011: 45000, 2012: 45000, 2013: D("9187.50")}
    assert sum(costs.values()) == 3 * 45000
    # State 17 500 x 9.55 / 12 = 13 927.08 -> 13 927; x 2.45 / 12 = 3 572.92 -> 3 572.
    assert shares_of(THREE_YEARS_FROM_15_MARCH_2010)[2010] == {
        "etat": D("13927"),
        "departement": D("21885.50"),
    }
    assert shares_of(THREE_YEARS_FROM_15_MARCH_2010)[2013] == {
        "etat": D("3572"),
        "departement": D("5615.50"),
    }
    assert [year.months for year in result.years] == [D("9.55"), 12, 12, D("2.45")]
    assert year_months(plan, 2013) == D("2.45")


def test_a_year_with_months_keeps_them_inside_the_period():
    data = {**THREE_YEARS_FROM_15_MARCH_2010, "years": years(2010, months=12) + years(2013)}
    assert months_by_year(parse_plan(data)) == {2010: 12, 2013: D("2.45")}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"years": years(2014)},
            "Année 2014 : hors de la période financée (du 15 mars 2010 au 14 mars 2013).",
        ),
        (
            {"years": years(2009, months=12)},
            "Année 2009 : hors de la période financée (du 15 mars 2010 au 14 mars 2013).",
        ),
        (
            {"end": None, "years": years(2009)},
            "Année 2009 : hors de la période financée (à partir du 15 mars 2010).",
        ),
        (
            {"start": None, "years": years(2014)},
            "Année 2014 : hors de la période financée (jusqu'au 14 mars 2013).",
        ),
        (
            {"start": None, "service_start": "2010-09-01", "years": years(2009)},
            "Année 2009 : hors de la période financée (du 1er septembre 2010, premier jour de "
            "service, au 14 mars 2013).",
        ),
    ],
)
def test_a_year_outside_the_period_is_refused(change, message):
    error = refusal({**THREE_YEARS_FROM_15_MARCH_2010, **change})
    assert str(error) == message
    assert error.year == int(message[6:10])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"start": "2013-03-15"},
            "La période financée commence le 15 mars 2013, après la fin de la période (14 mars "
            "2013) : vérifiez les dates « start » et « end ».",
        ),
        (
            {"start": None, "service_start": "2013-04-01"},
            "Le premier jour de service du poste, début de la période financée, commence le 1er "
            "avril 2013, après la fin de la période (14 mars 2013)",
        ),
        (
            {"service_start": "2013-04-01"},
            "Le premier jour de service du poste (1er avril 2013) est après la fin de la période "
            "financée (14 mars 2013).",
        ),
        ({"start": "2010-02-30"}, "Début de la période financée (start) : « 2010-02-30 » n'est "),
        (
            {"end": "14/03/2013"},
            "Fin de la période financée (end) : « 14/03/2013 » n'est pas une date (écrire "
            "AAAA-MM-JJ, par exemple 2010-03-15).",
        ),
        ({"service_start": 2022}, "Premier jour de service du poste (service_start) : « 2022 »"),
    ],
)
def test_period_dates_are_checked(change, message):
    assert str(refusal({**THREE_YEARS_FROM_15_MARCH_2010, **change})).startswith(message)


# --- Years of service counted month by month --------------------------------------------------


def test_a_schedule_by_year_of_service_from_1_september_2022():
    """The issue's example: 2022 is 4 months at 80 % (12 000 € of 15 000 €); 2023 is 8 months
    at 80 % and 4 at 50 %: 70 % of 45 000 = 31 500 € (the calendar reading gave 22 500 €)."""
    result = compute_plan(parse_plan(SERVICE_FROM_SEPTEMBER))
    by_year = {year.year: (year.months, year.cost, dict(year.shares)) for year in result.years}
    assert by_year[2022] == (4, D("15000"), {"etat": D("12000"), "departement": D("3000")})
    assert by_year[2023] == (12, D("45000"), {"etat": D("31500"), "departement": D("13500")})
    # 2024: 8 x 50 + 4 x 30 = 520 / 12 = 43.33 % -> 19 500; 2025 onwards: 30 %.
    assert by_year[2024][2] == {"etat": D("19500"), "departement": D("25500")}
    assert by_year[2025][2] == {"etat": D("13500"), "departement": D("31500")}


def test_without_service_start_ranks_stay_calendar_years():
    data = {**SERVICE_FROM_SEPTEMBER, "service_start": None, "first_year": 2022}
    data["years"] = [{**years(2022)[0], "months": 4}, *years(2023)]
    assert shares_of(data)[2023]["etat"] == D("22500")  # 50 % of 45 000: today's reading
    # ``start`` alone is the period, not the first day of service: still calendar years.
    data = {**data, "start": "2022-09-01"}
    assert shares_of(data)[2023]["etat"] == D("22500")


def test_service_start_overrides_first_year():
    data = {**SERVICE_FROM_SEPTEMBER, "first_year": 2020}
    assert shares_of(data)[2023]["etat"] == D("31500")


def test_a_part_first_month_weighs_its_days():
    """Service from 16 September 2022: September weighs 15/30 of a month funded, and is
    service month 1 all the same (the month holding the first day). 2023: January–August at
    80 %, September–December at 50 %: 70 %."""
    data = {**SERVICE_FROM_SEPTEMBER, "service_start": "2022-09-16", "rounding": "half_up"}
    result = compute_plan(parse_plan(data))
    first, second = result.years[0], result.years[1]
    assert first.months == D("3.5")  # 15/30 + 3
    assert first.cost == D("13125.00")  # 45 000 x 3.5 / 12
    assert first.shares["etat"] == D("10500")  # all at 80 %
    assert second.shares["etat"] == D("31500")


def test_a_part_month_weighs_its_days_in_the_average():
    """Service from 16 February 2023, a period ending on 15 March 2024: January 2024 is service
    month 12 (80 %), February and March rank 2 (50 %), and March weighs 15/31:
    (80 + 50 + 50 x 15/31) / (2 + 15/31) = 4 780 / 77 = 62.08 %."""
    data = {
        "service_start": "2023-02-16",
        "end": "2024-03-15",
        "years": years(2024),
        "shares": [STATE_80_50_30, remainder()],
    }
    year = compute_plan(parse_plan(data)).years[0]
    assert year.months == D("2.48")  # 2 + 15/31 = 2.4838…
    assert year.cost == D("9300.00")  # 45 000 x 2.48 / 12
    # 9 300 x 4 780 / 7 700 = 5 773.25 -> 5 773.
    assert year.shares["etat"] == D("5773")


def test_an_average_rate_is_rounded_exactly():
    """(8 x 80 + 4 x 33) / 12 = 64.333… %: of 3 000 €, exactly 1 930 €; a 28-digit decimal
    rate (64.333…33) would give 1 929.99… and round down to 1 929."""
    data = {
        "service_start": "2022-09-01",
        "years": years(2025, cost="3000"),
        "shares": [
            {
                "party": "etat",
                "rule": "percent_of_cost",
                "percent_by_rank": ["80", "80", "80", "33"],
            },
            remainder(),
        ],
    }
    result = compute_plan(parse_plan(data)).years[0]
    # 2025: service months 29–40, January–August rank 3 (80 %), September–December rank 4 (33 %).
    assert result.shares["etat"] == D("1930")
    assert result.details[0].exact == D("1930")


def test_a_cap_bounds_an_averaged_rate():
    data = {**SERVICE_FROM_SEPTEMBER, "years": years(2023)}
    data["shares"] = [{**STATE_80_50_30, "cap": "30000"}, remainder()]
    assert shares_of(data)[2023]["etat"] == D("30000")


def test_explicit_months_with_service_start_weigh_the_service_months():
    """Months stated by hand set the cost; the rate still averages the year's months of service
    funded by the period: service from 1 September 2022, a period from 1 January 2023 with 6
    months stated for 2023 (an absence): 70 % of 45 000 x 6 / 12 = 15 750 €."""
    data = {
        "start": "2023-01-01",
        "service_start": "2022-09-01",
        "years": years(2023, months=6),
        "shares": [STATE_80_50_30, remainder()],
    }
    assert shares_of(data)[2023] == {"etat": D("15750"), "departement": D("6750")}


def test_a_post_starting_after_the_period_weighs_only_its_months_of_service():
    """Convention from 1 January 2022, post from 1 September 2022, 4 months stated: 80 %."""
    data = {
        "start": "2022-01-01",
        "service_start": "2022-09-01",
        "years": years(2022, months=4),
        "shares": [STATE_80_50_30, remainder()],
    }
    assert shares_of(data)[2022]["etat"] == D("12000")


def test_a_renewal_keeps_counting_the_years_of_service():
    """A post serving since 1 September 2022, renewed for 2025 from 1 January: its 2025 is
    service months 29–40, January–August at the third rate (30 %), then the last rate repeats."""
    data = {
        "start": "2025-01-01",
        "service_start": "2022-09-01",
        "years": years(2025),
        "shares": [STATE_80_50_30, remainder()],
    }
    assert shares_of(data)[2025]["etat"] == D("13500")


def test_a_year_without_a_month_of_service_has_no_rank():
    data = {**SERVICE_FROM_SEPTEMBER, "start": "2022-01-01", "service_start": "2023-03-01"}
    data["years"] = years(2022)
    error = refusal(data)
    assert str(error) == (
        "Année 2022 : aucun mois de service financé cette année (premier jour de service du "
        "poste : 1er mars 2023), la part de etat n'a pas de rang de service."
    )
    assert (error.year, error.share) == (2022, 0)


def test_full_year_with_service_start_is_twelve_months_ranked_by_month_of_service():
    plan = parse_plan(SERVICE_FROM_SEPTEMBER)
    first, second = full_year(plan, 2022), full_year(plan, 2023)
    assert (first.months, first.cost) == (12, D("45000"))
    assert dict(first.shares) == {"etat": D("36000"), "departement": D("9000")}  # 80 %
    assert dict(second.shares) == {"etat": D("31500"), "departement": D("13500")}  # 70 %


def test_full_year_ignores_the_period():
    plan = parse_plan(THREE_YEARS_FROM_15_MARCH_2010)
    assert full_year(plan, 2013).cost == D("45000")
    assert dict(full_year(plan, 2010).shares) == {"etat": D("17500"), "departement": D("27500")}


# --- Shares covering the whole cost: the residue ----------------------------------------------


def test_80_percent_state_and_five_communautes_without_a_remainder():
    year = compute_plan(parse_plan(FULLY_CO_FUNDED)).years[0]
    assert dict(year.shares) == {"etat": D("36000"), **{cc: D("1800") for cc in FIVE_CCS}}
    assert (year.residue_party, year.residue) == ("etat", 0)
    assert not year.has_remainder


def test_the_residue_party_receives_the_rounding():
    """9.55 months: cost 35 812.50; État 80 % = 28 650; the communautés' 20 % = 7 162.50 ->
    7 162, split 1 433, 1 433, 1 432, 1 432, 1 432; 0.50 € left, to the État."""
    data = {**FULLY_CO_FUNDED, "years": years(2024, months="9.55")}
    year = compute_plan(parse_plan(data)).years[0]
    assert year.cost == D("35812.50")
    assert dict(year.shares) == {
        "etat": D("28650.50"),
        "cc-1": D("1433"),
        "cc-2": D("1433"),
        "cc-3": D("1432"),
        "cc-4": D("1432"),
        "cc-5": D("1432"),
    }
    assert sum(year.shares.values()) == year.cost
    assert year.residue == D("0.50")
    state = year.details[0]
    assert (state.amount, state.residue, state.exact) == (D("28650.50"), D("0.50"), D("28650"))
    assert year.absorbing_parties == ("etat",)
    # ``remainder`` does not fail on such a plan: a stand-in naming the residue party.
    assert year.remainder.rule == RESIDUE
    assert year.remainder.parts == (("etat", D("0.50")),)
    assert year.remainder.index == 0


def test_the_residue_may_go_to_a_party_of_a_split_and_stays_out_of_the_split():
    data = {**FULLY_CO_FUNDED, "residue": "cc-3", "years": years(2024, months="9.55")}
    year = compute_plan(parse_plan(data)).years[0]
    assert year.shares["cc-3"] == D("1432.50")
    assert [amount for _, amount in year.details[1].parts] == [
        D("1433"),
        D("1433"),
        D("1432.50"),
        D("1432"),
        D("1432"),
    ]
    assert year.details[1].amount == D("7162.50")
    assert year.remainder.parts == (("cc-3", D("0.50")),)


def test_half_up_rounding_may_overshoot_and_the_residue_is_then_negative():
    """Cost 1 000.63 (12 months): 80 % = 800.504 -> 801, 20 % = 200.126 -> 200: 1 001 €, 0.37 €
    over; the État's share gives it back."""
    data = {
        "rounding": "half_up",
        "residue": "etat",
        "years": years(2024, cost="1000.63"),
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
            {"party": "cc", "rule": "percent_of_cost", "percent": "20"},
        ],
    }
    year = compute_plan(parse_plan(data)).years[0]
    assert dict(year.shares) == {"etat": D("800.63"), "cc": D("200")}
    assert year.residue == D("-0.37")


def test_residue_with_a_percentage_of_the_remainder():
    data = {
        "residue": "cc",
        "years": years(2024, cost="45000.55"),
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
            {"party": "cc", "rule": "percent_of_remainder", "percent": "100"},
        ],
    }
    # État 36 000.44 -> 36 000; the rest 9 000.55 at 100 % -> 9 000, + 0.55 of rounding.
    assert shares_of(data)[2024] == {"etat": D("36000"), "cc": D("9000.55")}


@pytest.mark.parametrize(
    ("data", "message", "year", "share"),
    [
        (
            {
                "residue": "etat",
                "years": years(2024),
                "shares": [
                    {"party": "etat", "rule": "fixed", "amount": "30000"},
                    {"party": "cd", "rule": "fixed", "amount": "13000"},
                    {"party": "cc", "rule": "fixed", "amount": "0"},
                ],
            },
            "Année 2024 : les parts totalisent 43 000,00 € pour un coût de 45 000,00 € : il "
            "reste 2 000,00 €, plus que les arrondis (au plus 3 € pour 3 parts). Les arrondis "
            "vont à etat (« residue ») mais pas ce reste",
            2024,
            None,
        ),
        (
            {
                "residue": "etat",
                "years": years(2024),
                "shares": [{"party": "etat", "rule": "percent_of_cost", "percent": "99"}],
            },
            "Année 2024 : les parts totalisent 44 550,00 € pour un coût de 45 000,00 € : il "
            "reste 450,00 €, plus que les arrondis (au plus 1 € pour 1 part).",
            2024,
            None,
        ),
        (
            {
                "residue": "etat",
                "years": years(2024),
                "shares": [
                    {"party": "etat", "rule": "fixed", "amount": "36000"},
                    {"party": "cc", "rule": "fixed", "amount": "9003"},
                ],
            },
            "Année 2024 : les parts totalisent 45 003,00 € pour un coût de 45 000,00 € : elles "
            "le dépassent de 3,00 €, plus que les arrondis (au plus 2 € pour 2 parts).",
            2024,
            None,
        ),
        (
            {**FULLY_CO_FUNDED, "shares": [*FULLY_CO_FUNDED["shares"], remainder("cd")]},
            "Le plan a une part au reste à charge (règle « remainder ») : part n° 3 (cd), et "
            "donne les arrondis à etat (« residue ») : c'est l'un ou l'autre.",
            None,
            2,
        ),
        (
            {**FULLY_CO_FUNDED, "residue": "cd"},
            "Les arrondis (« residue ») vont à cd, qui n'a aucune part dans le plan (parties : "
            "etat, cc-1, cc-2, cc-3, cc-4, cc-5)",
            None,
            None,
        ),
        (
            {**FULLY_CO_FUNDED, "residue": None},
            "Le plan n'a aucune part au reste à charge (règle « remainder ») : il en faut "
            "exactement une, celle de la partie qui paie ce que les autres ne paient pas "
            "(l'employeur) ; si les parts couvrent tout le coût (80 % et 20 %, par exemple), "
            "nommez plutôt la partie qui reçoit les arrondis (« residue »).",
            None,
            None,
        ),
        (
            {
                "rounding": "half_up",
                "residue": "cc",
                "years": years(2024, cost="1000.63"),
                "shares": [
                    {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
                    {"party": "cc", "rule": "fixed", "amount": "0"},
                    {"party": "cd", "rule": "percent_of_cost", "percent": "20"},
                ],
            },
            "Année 2024 : les arrondis (-0,37 €) rendraient négative la part de cc (-0,37 €)",
            2024,
            1,
        ),
    ],
)
def test_residue_refusals_name_the_figures(data, message, year, share):
    error = refusal(data)
    assert str(error).startswith(message)
    assert (error.year, error.share) == (year, share)


# --- Reading, changing and writing a plan -----------------------------------------------------


def test_new_fields_round_trip_and_whole_months_stay_ints():
    data = {
        "rounding": "half_up",
        "start": "2010-03-15",
        "end": "2013-03-14",
        "service_start": "2010-03-15",
        "residue": "etat",
        "years": [
            {"year": 2010, "annual_cost": "45000", "months": "9.55"},
            {"year": 2011, "annual_cost": "45000", "months": 12},
            {"year": 2012, "annual_cost": "45000"},
            {"year": 2013, "annual_cost": "45000", "months": "2.5"},
        ],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent_by_rank": ["80", "20"]},
            {"party": "cc", "rule": "percent_of_remainder", "percent": "100"},
        ],
    }
    plan = parse_plan(data)
    assert (plan.start, plan.end, plan.service_start, plan.residue) == (
        date(2010, 3, 15),
        date(2013, 3, 14),
        date(2010, 3, 15),
        "etat",
    )
    written = plan_to_dict(plan)
    assert written == data
    assert json.loads(json.dumps(written)) == written  # plain JSON
    assert parse_plan(written) == plan
    # Months given as numbers or Decimals are written the same way.
    again = plan_to_dict(with_months(plan, {2010: D("9.550"), 2011: D("12.00"), 2012: 11}))
    assert [y.get("months") for y in again["years"]] == ["9.55", 12, 11, "2.5"]


def test_a_plan_of_today_writes_back_unchanged():
    data = {
        "rounding": "down",
        "first_year": 2023,
        "years": [{"year": 2023, "annual_cost": "42000", "months": 4}],
        "shares": [{"party": "etat", "rule": "fixed", "amount": "14000"}, remainder("cc")],
    }
    assert plan_to_dict(parse_plan(data)) == data


def test_plans_built_with_dates_in_python():
    plan = read_plan({**SERVICE_FROM_SEPTEMBER, "service_start": date(2022, 9, 1)})
    assert plan == read_plan(SERVICE_FROM_SEPTEMBER)
    assert plan.period_start == date(2022, 9, 1)


def test_with_months_accepts_ints_and_decimals():
    plan = with_months(parse_plan(THREE_YEARS_FROM_15_MARCH_2010), {2010: 9, 2013: D("2.5")})
    assert months_by_year(plan) == {2010: 9, 2011: 12, 2012: 12, 2013: D("2.5")}
    assert all(isinstance(m, Decimal) for m in months_by_year(plan).values())


def test_an_actual_cost_over_part_months_is_brought_back_exactly():
    plan = parse_plan(THREE_YEARS_FROM_15_MARCH_2010)
    actual = with_actual_cost(plan, 2010, D("33333.33"))
    assert compute_plan(only_years(actual, [2010])).years[0].cost == D("33333.33")


def test_truncated_with_the_period_months():
    plan = parse_plan(THREE_YEARS_FROM_15_MARCH_2010)
    cut = truncated(plan, {2010: D("9.55"), 2011: 12, 2012: D("5.5")})
    assert [(y.year, y.months) for y in cut.years] == [(2010, None), (2011, None), (2012, D("5.5"))]


def test_shifted_moves_the_period_but_not_the_service():
    data = {**SERVICE_FROM_SEPTEMBER, "start": "2024-02-29", "end": "2025-12-31"}
    plan = read_plan({**data, "years": years(2024, 2025)})
    moved = shifted(plan, shift=3)
    assert (moved.start, moved.end, moved.service_start) == (
        date(2027, 2, 28),
        date(2028, 12, 31),
        date(2022, 9, 1),
    )
    assert [y.year for y in moved.years] == [2027, 2028]
    # Ranks keep counting from the first day of service: 2028 is service months 65–76, 30 %.
    assert compute_plan(moved).years[1].shares["etat"] == D("13500")


# --- The command ------------------------------------------------------------------------------


def write(tmp_path: Path, content) -> Path:
    path = tmp_path / "plan.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_compute_reads_the_new_fields(tmp_path, capsys):
    plan = (
        '{"service_start": "2022-09-01", "years": [{"year": 2022, "annual_cost": 45000}, '
        '{"year": 2023, "annual_cost": 45000, "months": 9.5}], "shares": ['
        '{"party": "etat", "rule": "percent_of_cost", "percent_by_rank": [80, 50, 30]}, '
        '{"party": "département", "rule": "remainder"}]}'
    )
    call_command("financing", "compute", str(write(tmp_path, plan)))
    # 2023 over 9.5 months: cost 35 625, 70 % = 24 937.50 -> 24 937.
    assert json.loads(capsys.readouterr().out) == {
        "years": [
            {
                "year": 2022,
                "cost": "15000.00",
                "shares": {"etat": "12000.00", "département": "3000.00"},
            },
            {
                "year": 2023,
                "cost": "35625.00",
                "shares": {"etat": "24937.00", "département": "10688.00"},
            },
        ]
    }


def test_compute_prints_a_residue_plan_like_any_other(tmp_path, capsys):
    data = {**FULLY_CO_FUNDED, "years": years(2024, months="9.55")}
    call_command("financing", "compute", str(write(tmp_path, data)))
    out = json.loads(capsys.readouterr().out)
    assert out == result_to_dict(compute_plan(parse_plan(data)))
    assert out["years"][0]["shares"]["etat"] == "28650.50"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"years": years(2014)}, "Année 2014 : hors de la période financée (du 15 mars 2010"),
        ({"residue": "etat"}, "Le plan a une part au reste à charge (règle « remainder »)"),
        ({"start": "2010-3-15"}, "Début de la période financée (start) : « 2010-3-15 »"),
    ],
)
def test_compute_refuses_in_french_with_exit_code_1(tmp_path, change, message):
    path = write(tmp_path, {**THREE_YEARS_FROM_15_MARCH_2010, **change})
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("financing", "compute", str(path))
    run = subprocess.run(
        [sys.executable, "manage.py", "financing", "compute", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )
    assert run.returncode == 1
    assert message in run.stderr
    assert run.stdout == ""
