"""Pure rules: dates, notice deadlines, time shares (no database)."""

from datetime import date
from decimal import Decimal

import pytest

from conventions import rules


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2023, 1, 1), 12, date(2023, 12, 31)),
        (date(2022, 12, 3), 12, date(2023, 12, 2)),  # annexe 3: 3 Dec 2022 → 2 Dec 2023
        (date(2022, 6, 24), 36, date(2025, 6, 23)),  # Dijon: three years from notification
        (date(2023, 9, 1), 4, date(2023, 12, 31)),  # Osartis Marquion
        (date(2024, 1, 31), 1, date(2024, 2, 28)),  # clamped to the month's last day, minus one
    ],
)
def test_end_from_duration(start, months, end):
    assert rules.end_from_duration(start, months) == end


@pytest.mark.parametrize(
    ("end", "months", "deadline"),
    [
        (date(2023, 12, 31), 3, date(2023, 9, 30)),
        (date(2023, 12, 2), 3, date(2023, 9, 2)),
        (date(2025, 6, 23), 3, date(2025, 3, 23)),
        (date(2023, 12, 31), 2, date(2023, 10, 31)),
        (date(2023, 12, 31), 0, date(2023, 12, 31)),
    ],
)
def test_notice_deadline_is_the_last_day_before_the_notice_period(end, months, deadline):
    assert rules.notice_deadline(end, months) == deadline


def test_add_months_crosses_years_backwards():
    assert rules.add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)


def test_time_shares_that_add_up_to_100_are_accepted():
    assert rules.time_shares_error([Decimal("50"), Decimal("50")]) is None
    assert rules.time_shares_error([None, None]) is None
    assert rules.time_shares_error([]) is None


def test_time_shares_that_do_not_add_up_are_refused_with_the_total():
    message = rules.time_shares_error([Decimal("50"), Decimal("40")])
    assert (
        message == "Les parts de temps des unités d'accueil totalisent 90\u00a0% au lieu de 100 %."
    )


def test_a_partial_set_of_time_shares_is_refused():
    assert "chaque unité" in rules.time_shares_error([Decimal("100"), None])


def test_a_negative_time_share_is_refused():
    assert "entre 0 et 100" in rules.time_shares_error([Decimal("120"), Decimal("-20")])
