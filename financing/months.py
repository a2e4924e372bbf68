"""Months funded in a year, from the post's dates and absences (pure, no database).

Two readings, by how the plan is dated:

- A plan dated by its convention's period (``start``/``end``, set when a plan is saved in the
  product: ``period_of``) counts in days, as the acts count a part month: each whole month staffed
  counts 1, a part month its days staffed divided by its days, the year's total rounded half up
  to two decimals — the engine's rule for a funded period (``engine.period_months``). A post
  that starts on 31 March 2022 is then funded 9,03 months of 2022.
- A plan by exercice (whole calendar years, as the signed acts of the sources budget them) counts
  whole months: a month counts when the post is staffed for at least half of its days
  (``whole_months_staffed``), the way the sources prorate each co-funder's titre de recettes: a
  post starting on 5 January is funded for January.
"""

import calendar
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from financing import engine


def _days_staffed(
    year: int,
    month: int,
    start: date | None,
    end: date | None,
    absences: list[tuple[date, date | None]],
) -> int:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    if start is not None and start > first:
        first = start
    if end is not None and end < last:
        last = end
    if first > last:
        return 0
    staffed = 0
    day = first
    while day <= last:
        if not any(
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
) -> Decimal:
    """Months of ``year`` during which the post is staffed, counted in days (see the module):
    between ``start`` and ``end`` (both included, either open), absences left out. Whole
    months give an integral Decimal (``Decimal('9')``), part months two decimals (``9.03``)."""
    absences = list(absences)
    total = Fraction(0)
    for month in range(1, 13):
        days = calendar.monthrange(year, month)[1]
        total += Fraction(_days_staffed(year, month, start, end, absences), days)
    hundredths = int((total * 200 + 1) // 2)  # half up to the hundredth, exactly
    if hundredths % 100 == 0:
        return Decimal(hundredths // 100)
    return Decimal(hundredths).scaleb(-2)


def whole_months_staffed(
    year: int,
    *,
    start: date | None = None,
    end: date | None = None,
    absences: Iterable[tuple[date, date | None]] = (),
) -> int:
    """Months of ``year`` during which the post is staffed at least half the month (a plan by
    exercice, see the module)."""
    absences = list(absences)
    months = 0
    for month in range(1, 13):
        days = calendar.monthrange(year, month)[1]
        if _days_staffed(year, month, start, end, absences) * 2 >= days:
            months += 1
    return months


def _has_service_ranks(plan: engine.Plan) -> bool:
    return any(share.percent_by_rank is not None for share in plan.shares)


def period_of(
    plan: engine.Plan, *, period_start: date | None, period_end: date | None
) -> engine.Plan:
    """The plan dated by its convention's period, when the plan states no dates of its own and
    the period's first and last years are the plan's first and last years: a convention of
    15 March 2010 – 14 March 2013 funded 2010–2013 is funded 9,55 months in 2010 and 2,45 in
    2013. A plan whose years the period only overlaps (3 December 2022 – 2 December 2023,
    funded for 2023 by exercice) is left as it is, and so is a period of whole calendar years
    (dating would change nothing)."""
    years = {year.year for year in plan.years}
    if (
        plan.start is None
        and plan.end is None
        and period_start is not None
        and period_end is not None
        and period_start <= period_end
        and years
        and min(years) == period_start.year
        and max(years) == period_end.year
        and (
            period_start != date(period_start.year, 1, 1)
            or period_end != date(period_end.year, 12, 31)
        )
    ):
        return replace(plan, start=period_start, end=period_end)
    return plan


def with_service_start(plan: engine.Plan, service_start: date | None) -> engine.Plan:
    """The plan whose schedule by year of service (``percent_by_rank``) counts from the post's
    first day of service, unless the plan counts ranks from a ``first_year`` it states, states
    its own ``service_start``, or the post starts after the plan's first year (years budgeted
    before the service starts keep the calendar ranks)."""
    years = {year.year for year in plan.years}
    if (
        plan.service_start is None
        and plan.first_year is None
        and service_start is not None
        and years
        and service_start.year <= min(years)
        and (plan.end is None or service_start <= plan.end)
        and _has_service_ranks(plan)
    ):
        return replace(plan, service_start=service_start)
    return plan


def post_months(
    plan: engine.Plan,
    year: int,
    *,
    service_start: date | None,
    service_end: date | None,
    absences: Iterable[tuple[date, date | None]] = (),
) -> Decimal:
    """The months of ``year`` the post is staffed for ``plan`` (see the module): in days inside
    the plan's period and the post's dates for a dated plan, in whole months for a plan by
    exercice."""
    if plan.start is None and plan.end is None:
        return Decimal(
            whole_months_staffed(year, start=service_start, end=service_end, absences=absences)
        )
    first = max((d for d in (plan.start, service_start) if d is not None), default=None)
    last = min((d for d in (plan.end, service_end) if d is not None), default=None)
    return funded_months(year, start=first, end=last, absences=absences)
