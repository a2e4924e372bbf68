"""Months funded in a year from the post's dates and absences (pure: no database)."""

from datetime import date

import pytest

from financing.months import funded_months


def test_full_year_without_dates():
    assert funded_months(2023) == 12


def test_absence_from_first_of_june_leaves_five_months():
    assert funded_months(2023, absences=[(date(2023, 6, 1), None)]) == 5


def test_post_starting_first_of_september_is_funded_four_months():
    """Osartis Marquion: 1 September to 31 December 2023."""
    assert funded_months(2023, start=date(2023, 9, 1)) == 4


def test_absence_with_an_end_counts_only_the_months_away():
    assert funded_months(2023, absences=[(date(2023, 6, 1), date(2023, 8, 31))]) == 9


def test_month_counts_when_staffed_half_of_its_days_or_more():
    # Started on 31 March 2022 (Dijon): one day of March, not funded; April to December.
    assert funded_months(2022, start=date(2022, 3, 31)) == 9
    # Started on 16 April: 15 days of 30, half the month, funded.
    assert funded_months(2023, start=date(2023, 4, 16)) == 9
    # Started on 17 April: 14 days of 30, not funded.
    assert funded_months(2023, start=date(2023, 4, 17)) == 8


def test_february_of_a_leap_year_has_29_days():
    # From 15 February 2024: 15 days of 29 staffed, more than half.
    assert funded_months(2024, start=date(2024, 2, 15)) == 11
    # From 16 February 2024: 14 days of 29, less than half.
    assert funded_months(2024, start=date(2024, 2, 16)) == 10


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
