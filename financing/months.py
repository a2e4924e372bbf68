"""Months funded in a year, from the post's dates and absences (pure, no database).

A month counts when the post is staffed for at least half of its days: a post that starts on
5 January is funded for January; an absence from 1 June (never ended) leaves January to May,
5 months — the sources prorate each co-funder's titre de recettes that way.
"""

import calendar
from collections.abc import Iterable
from datetime import date, timedelta


def _days_staffed(year: int, month: int, start: date | None, end: date | None, absences) -> int:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    staffed = 0
    day = first
    while day <= last:
        active = (start is None or day >= start) and (end is None or day <= end)
        if active and not any(
            a_start <= day and (a_end is None or day <= a_end) for a_start, a_end in absences
        ):
            staffed += 1
        day += timedelta(days=1)
    return staffed


def funded_months(
    year: int,
    *,
    start: date | None = None,
    end: date | None = None,
    absences: Iterable[tuple[date, date | None]] = (),
) -> int:
    """Number of months of ``year`` during which the post is staffed at least half the month."""
    absences = list(absences)
    months = 0
    for month in range(1, 13):
        days = calendar.monthrange(year, month)[1]
        if _days_staffed(year, month, start, end, absences) * 2 >= days:
            months += 1
    return months
