"""Deadlines that the conventions impose (pure: computed from a convention's fields).

Rules, from the sources (DOMAIN.md, "Deadlines the sources impose"):
- last day to give notice (dénonciation) — end date minus the notice period;
- end of the convention;
- renewal concertation — opened six months before the end of a convention that renews
  ("par période successive de 3 ans, après concertation"), our default;
- funding request to the State before 30 October of the year before each funded year (Dijon art. 8),
  when the State is a funder;
- bilan d'activité of each year due by 31 January of the next year (CAB art. 3), or when the
  convention's ``ReportDeadline`` says (``reporting.rules.due_date``, as the bilans' pages);
- yearly comité de suivi, which reviews that bilan: by 31 March of the next year, our default.
"""

import calendar as month_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from conventions import rules

CLOSED_STATUSES = {"expiree", "resiliee", "renouvelee", "abandonnee"}
#: Not signed yet (``conventions.models.DRAFT_STATUSES``; this module imports no model).
DRAFT_STATUSES = {"brouillon", "a_signer"}
#: Read today from the dates: a convention past its end keeps its deadlines (the bilan of its
#: last year is still due), one résiliée, renewed or abandoned has none.
CLOSED_READ_STATUSES = {"resiliee", "renouvelee", "abandonnee"}
RENEWAL_LEAD_MONTHS = rules.RENEWAL_LEAD_MONTHS


@dataclass(frozen=True, order=True)
class Deadline:
    date: date
    kind: str
    label: str
    reference: str
    url: str = ""
    #: Already past on the day the convention was entered: it was missed before anyone could
    #: act on it (a convention recorded late), so it is flagged rather than silently overdue.
    missed_at_creation: bool = field(default=False, compare=False)
    #: The convention and, for the yearly deadlines, the year they concern: what the deadline
    #: is, whatever its date (the identity of its calendar event, ``uid``).
    convention_id: int | None = field(default=None, compare=False)
    year: int | None = field(default=None, compare=False)
    #: The convention is not signed yet (a draft, or sent to signature): its deadlines are
    #: shown to staff but left out of the calendar exports.
    draft: bool = field(default=False, compare=False)

    @property
    def uid(self) -> str:
        """Stable across exports while the deadline is the same one: a moved date keeps it
        (the calendar application moves the event instead of adding another)."""
        owner = f"convention-{self.convention_id}" if self.convention_id else self.reference
        year = f"-{self.year}" if self.year is not None else ""
        return f"{owner}-{self.kind}{year}"


KIND_LABELS = {
    "preavis": "Dernier jour pour dénoncer",
    "fin": "Fin de la convention",
    "concertation": "Concertation de renouvellement",
    "demande_etat": "Demande de financement à l'État",
    "bilan": "Bilan d'activité dû",
    "comite": "Comité de suivi",
}


def convention_deadlines(convention, *, state_funds: bool | None = None) -> list[Deadline]:
    """Every deadline of one convention, sorted by date.

    ``state_funds`` says whether the State (kind "etat") funds it; computed from the
    memberships when not given (pass it to avoid a query per convention).
    """
    # Closed conventions have no deadline: as stored, or as read today from the dates.
    if convention.status in CLOSED_STATUSES or convention.current_status in CLOSED_READ_STATUSES:
        return []
    reference = convention.reference
    url = convention.get_absolute_url()
    created = _day(getattr(convention, "created_at", None))
    found: list[Deadline] = []

    draft = convention.status in DRAFT_STATUSES

    def add(day: date | None, kind: str, label: str, year: int | None = None) -> None:
        if day is not None:
            missed = created is not None and day < created
            found.append(
                Deadline(
                    day,
                    kind,
                    label,
                    reference,
                    url,
                    missed_at_creation=missed,
                    convention_id=convention.pk,
                    year=year,
                    draft=draft,
                )
            )

    start = convention.effective_start_date
    # Denounced or résiliée: it ends at its date of effect, with nothing left to denounce or renew.
    terminated = bool(getattr(convention, "termination_kind", ""))
    end = rules.last_day_in_force(
        convention.computed_end_date, getattr(convention, "termination_effective_date", None)
    )
    if end:
        if not terminated:
            add(convention.notice_deadline, "preavis", f"Dernier jour pour dénoncer {reference}")
        add(end, "fin", f"Fin de la convention {reference}")
        if convention.renewal_rule and not terminated:
            add(
                rules.add_months(end, -RENEWAL_LEAD_MONTHS),
                "concertation",
                f"Ouvrir la concertation de renouvellement de {reference}",
            )
    if start and end:
        if state_funds is None:
            state_funds = convention.memberships.filter(party__kind="etat", is_funder=True).exists()
        for year in range(start.year, end.year + 1):
            if state_funds:
                add(
                    date(year - 1, 10, 30),
                    "demande_etat",
                    f"Demande de financement {year} à l'État (FIPD) pour {reference}",
                    year,
                )
            add(
                _bilan_due(convention, year),
                "bilan",
                f"Bilan d'activité {year} dû ({reference})",
                year,
            )
            add(
                date(year + 1, 3, 31),
                "comite",
                f"Comité de suivi du bilan {year} ({reference})",
                year,
            )
    return sorted(found)


def _bilan_due(convention, year: int) -> date:
    """The bilan of ``year`` is due when the convention says (its ``ReportDeadline``), else on
    31 January of the next year: ``reporting.rules.due_date``, the rule of the bilans' pages."""
    from django.core.exceptions import ObjectDoesNotExist

    from reporting.rules import due_date

    try:
        deadline = convention.report_deadline
    except (ObjectDoesNotExist, ValueError):  # none set, or an unsaved convention
        deadline = None
    if deadline is None:
        return due_date(year)
    return due_date(year, deadline.month, deadline.day)


def upcoming(
    deadlines: Iterable[Deadline], *, today: date, days: int, overdue_days: int = 0
) -> list[Deadline]:
    """Deadlines from ``today - overdue_days`` to ``today + days`` included, by date."""
    low, high = today - timedelta(days=overdue_days), today + timedelta(days=days)
    return sorted(d for d in deadlines if low <= d.date <= high)


def _day(value: datetime | date | None) -> date | None:
    """The local day of a creation time (a date is kept as it is)."""
    if value is None or not isinstance(value, datetime):
        return value
    return (timezone.localtime(value) if value.tzinfo else value).date()


def missed_at_creation(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """The deadlines that were already past when their convention was entered."""
    return [d for d in deadlines if d.missed_at_creation]


# --------------------------------------------------------------------------- periods, calendar

#: Longest period the deadlines page shows at once (five years).
MAX_PERIOD_DAYS = 5 * 366


def default_period(today: date) -> tuple[date, date]:
    """The page's period when none is asked: the past month and the coming year."""
    return today - timedelta(days=31), today + timedelta(days=365)


def period_problem(start: date, end: date) -> str:
    """Why a period cannot be shown ("" when it can), in French."""
    if end < start:
        return "La fin de la période précède son début : inversez les deux dates."
    if (end - start).days > MAX_PERIOD_DAYS:
        return "La période dépasse cinq ans : choisissez une période plus courte."
    return ""


def in_period(deadlines: Iterable[Deadline], start: date, end: date) -> list[Deadline]:
    """Deadlines from ``start`` to ``end`` included, by date."""
    return sorted(d for d in deadlines if start <= d.date <= end)


@dataclass(frozen=True)
class CalendarDay:
    date: date
    in_month: bool
    deadlines: tuple[Deadline, ...]


def month_weeks(year: int, month: int, deadlines: Iterable[Deadline]) -> list[list[CalendarDay]]:
    """The month as weeks from Monday to Sunday (days of the neighbouring months included, to
    fill the weeks), each day with its deadlines."""
    by_day: dict[date, list[Deadline]] = {}
    for deadline in deadlines:
        by_day.setdefault(deadline.date, []).append(deadline)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [CalendarDay(day, day.month == month, tuple(sorted(by_day.get(day, ())))) for day in week]
        for week in weeks
    ]


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) ``months`` later (earlier when negative)."""
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def missed_warning(deadlines: Iterable[Deadline], *, shown: int = 3) -> str:
    """The French warning for deadlines already past when the convention was entered ("" when
    none): how many, and the first of them with their dates."""
    from iscg.formatting import format_date_long

    missed = sorted(missed_at_creation(deadlines))
    if not missed:
        return ""
    listed = " ; ".join(f"{d.label} ({format_date_long(d.date)})" for d in missed[:shown])
    rest = len(missed) - shown
    more = f" ; et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else ""
    if len(missed) == 1:
        return (
            f"Une échéance était déjà passée à la saisie : {listed}. Vérifiez qu'elle a été tenue."
        )
    return (
        f"{len(missed)} échéances étaient déjà passées à la saisie : {listed}{more}. "
        "Vérifiez qu'elles ont été tenues."
    )
