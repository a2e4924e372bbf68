"""Months funded in a year from the post's dates and absences (pure: no database)."""

from datetime import date
from decimal import Decimal

import pytest

from financing import engine
from financing.months import (
    funded_months,
    period_of,
    post_months,
    whole_months_staffed,
    with_service_start,
)


def test_full_year_without_dates():
    assert funded_months(2023) == 12


def test_absence_from_first_of_june_leaves_five_months():
    assert funded_months(2023, absences=[(date(2023, 6, 1), None)]) == 5


def test_post_starting_first_of_september_is_funded_four_months():
    """Osartis Marquion: 1 September to 31 December 2023."""
    assert funded_months(2023, start=date(2023, 9, 1)) == 4


def test_absence_with_an_end_counts_only_the_months_away():
    assert funded_months(2023, absences=[(date(2023, 6, 1), date(2023, 8, 31))]) == 9


def test_part_months_count_in_days():
    # Started on 31 March 2022 (Dijon): 1 day of 31 in March, then April to December.
    assert funded_months(2022, start=date(2022, 3, 31)) == Decimal("9.03")
    # Started on 16 April: 15 days of 30 (0.5), May to December.
    assert funded_months(2023, start=date(2023, 4, 16)) == Decimal("8.5")
    # The examples: 15 March–31 December 2010, 1 January–14 March 2013.
    assert funded_months(2010, start=date(2010, 3, 15)) == Decimal("9.55")
    assert funded_months(2013, end=date(2013, 3, 14)) == Decimal("2.45")


def test_february_of_a_leap_year_has_29_days():
    # From 15 February 2024: 15 days of 29, then March to December.
    assert funded_months(2024, start=date(2024, 2, 15)) == Decimal("10.52")
    assert funded_months(2023, start=date(2023, 2, 15)) == Decimal("10.5")


def test_an_absence_in_days():
    # Away from 10 to 24 May 2023 (15 days of 31).
    assert funded_months(2023, absences=[(date(2023, 5, 10), date(2023, 5, 24))]) == Decimal(
        "11.52"
    )


def test_whole_months_have_no_decimals():
    assert str(funded_months(2023, start=date(2023, 9, 1))) == "4"


def test_absence_from_an_earlier_year_covers_the_whole_year():
    assert funded_months(2023, absences=[(date(2022, 6, 1), None)]) == 0
    assert funded_months(2022, absences=[(date(2022, 6, 1), None)]) == 5


def test_post_starting_after_the_year_or_ending_before_it():
    assert funded_months(2023, start=date(2024, 1, 1)) == 0
    assert funded_months(2024, end=date(2023, 12, 31)) == 0
    assert funded_months(2023, end=date(2023, 3, 31)) == 3


def test_overlapping_absences_are_not_counted_twice():
    absences = [(date(2023, 3, 1), date(2023, 4, 30)), (date(2023, 4, 1), date(2023, 5, 31))]
    assert funded_months(2023, absences=absences) == 9


@pytest.mark.parametrize("month", range(1, 13))
def test_start_on_the_first_of_each_month(month):
    assert funded_months(2023, start=date(2023, month, 1)) == 13 - month


# --------------------------------------------------------------------------- dated_plan


def _plan(years, *, ranks=True, **fields):
    share = (
        engine.ShareRule(
            rule=engine.PERCENT_OF_COST,
            party="etat",
            percent_by_rank=(Decimal(80), Decimal(50), Decimal(30)),
        )
        if ranks
        else engine.ShareRule(rule=engine.PERCENT_OF_COST, party="etat", percent=Decimal(50))
    )
    return engine.Plan(
        years=tuple(engine.YearInput(year=y, annual_cost=Decimal(45000)) for y in years),
        shares=(share, engine.ShareRule(rule=engine.REMAINDER, party="employeur")),
        **fields,
    )


def _dated(plan, start, end, service):
    return with_service_start(period_of(plan, period_start=start, period_end=end), service)


def test_the_conventions_period_dates_a_plan_of_its_years():
    plan = _dated(
        _plan([2026, 2027, 2028, 2029]), date(2026, 9, 1), date(2029, 8, 31), date(2026, 9, 1)
    )
    assert (plan.start, plan.end, plan.service_start) == (
        date(2026, 9, 1),
        date(2029, 8, 31),
        date(2026, 9, 1),
    )
    shares = {y.year: y.shares["etat"] for y in engine.compute_plan(plan).years}
    assert shares == {2026: 12000, 2027: 31500, 2028: 19500, 2029: 9000}


def test_a_plan_by_exercice_keeps_whole_years():
    # PDC2023-A03: 3 December 2022 – 2 December 2023, funded for the 2023 exercice.
    plan = _dated(_plan([2023], ranks=False), date(2022, 12, 3), date(2023, 12, 2), None)
    assert (plan.start, plan.end) == (None, None)
    assert engine.months_by_year(plan) == {2023: 12}
    # The same period over 2022 and 2023 dates the plan: December 2022 is 29 days of 31.
    dated = _dated(_plan([2022, 2023], ranks=False), date(2022, 12, 3), date(2023, 12, 2), None)
    assert engine.months_by_year(dated) == {2022: Decimal("0.94"), 2023: Decimal("11.06")}


def test_service_start_only_for_ranks_and_never_over_a_stated_first_year():
    no_ranks = with_service_start(_plan([2026, 2027], ranks=False), date(2026, 9, 1))
    assert no_ranks.service_start is None
    stated = with_service_start(_plan([2026, 2027], first_year=2025), date(2026, 9, 1))
    assert stated.service_start is None
    later = with_service_start(_plan([2026, 2027]), date(2027, 1, 1))
    assert later.service_start is None


def test_dates_the_plan_states_are_kept():
    own = _plan([2026, 2027], start=date(2026, 1, 1), end=date(2027, 12, 31))
    assert period_of(own, period_start=date(2026, 9, 1), period_end=date(2027, 8, 31)) == own


def test_post_months_in_days_when_dated_in_whole_months_by_exercice():
    dated = _plan([2026, 2027], start=date(2026, 9, 1), end=date(2027, 8, 31))
    # The post starts on 16 September: 15 days of 30, then October to December.
    assert post_months(dated, 2026, service_start=date(2026, 9, 16), service_end=None) == Decimal(
        "3.5"
    )
    # By exercice a half month counts as a whole one (the sources' titres).
    by_exercice = _plan([2026, 2027])
    assert post_months(by_exercice, 2026, service_start=date(2026, 9, 16), service_end=None) == 4
    # The post's last day of service bounds a dated plan too: 15 of 31 days of March 2027.
    assert post_months(dated, 2027, service_start=None, service_end=date(2027, 3, 15)) == Decimal(
        "2.48"
    )


# --------------------------------------------------------------------------- by exercice


def test_by_exercice_full_year_without_dates():
    assert whole_months_staffed(2023) == 12


def test_by_exercice_absence_from_first_of_june_leaves_five_months():
    assert whole_months_staffed(2023, absences=[(date(2023, 6, 1), None)]) == 5


def test_by_exercice_post_starting_first_of_september_is_funded_four_months():
    """Osartis Marquion: 1 September to 31 December 2023."""
    assert whole_months_staffed(2023, start=date(2023, 9, 1)) == 4


def test_by_exercice_absence_with_an_end_counts_only_the_months_away():
    assert whole_months_staffed(2023, absences=[(date(2023, 6, 1), date(2023, 8, 31))]) == 9


def test_by_exercice_month_counts_when_staffed_half_of_its_days_or_more():
    # Started on 31 March 2022 (Dijon): one day of March, not funded; April to December.
    assert whole_months_staffed(2022, start=date(2022, 3, 31)) == 9
    # Started on 16 April: 15 days of 30, half the month, funded.
    assert whole_months_staffed(2023, start=date(2023, 4, 16)) == 9
    # Started on 17 April: 14 days of 30, not funded.
    assert whole_months_staffed(2023, start=date(2023, 4, 17)) == 8


def test_by_exercice_february_of_a_leap_year_has_29_days():
    # From 15 February 2024: 15 days of 29 staffed, more than half.
    assert whole_months_staffed(2024, start=date(2024, 2, 15)) == 11
    # From 16 February 2024: 14 days of 29, less than half.
    assert whole_months_staffed(2024, start=date(2024, 2, 16)) == 10


def test_by_exercice_absence_from_an_earlier_year_covers_the_whole_year():
    assert whole_months_staffed(2023, absences=[(date(2022, 6, 1), None)]) == 0
    assert whole_months_staffed(2022, absences=[(date(2022, 6, 1), None)]) == 5


def test_by_exercice_post_starting_after_the_year_or_ending_before_it():
    assert whole_months_staffed(2023, start=date(2024, 1, 1)) == 0
    assert whole_months_staffed(2024, end=date(2023, 12, 31)) == 0
    assert whole_months_staffed(2023, end=date(2023, 3, 31)) == 3


def test_by_exercice_overlapping_absences_are_not_counted_twice():
    absences = [(date(2023, 3, 1), date(2023, 4, 30)), (date(2023, 4, 1), date(2023, 5, 31))]
    assert whole_months_staffed(2023, absences=absences) == 9


@pytest.mark.parametrize("month", range(1, 13))
def test_by_exercice_start_on_the_first_of_each_month(month):
    assert whole_months_staffed(2023, start=date(2023, month, 1)) == 13 - month
