"""Deadlines that the conventions impose (pure: computed from a convention's fields).

Rules, from the sources (DOMAIN.md, "Deadlines the sources impose"):
- last day to give notice (dénonciation) — end date minus the notice period;
- end of the convention;
- renewal concertation — opened six months before the end of a convention that renews
  ("par période successive de 3 ans, après concertation"), our default;
- funding request to the State before 30 October of the year before each funded year (Dijon art. 8),
  when the State is a funder;
- bilan d'activité of each year due by 31 January of the next year (CAB art. 3);
- yearly comité de suivi, which reviews that bilan: by 31 March of the next year, our default.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from conventions import rules

CLOSED_STATUSES = {"expiree", "resiliee", "renouvelee", "abandonnee"}
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

    @property
    def uid(self) -> str:
        return f"{self.reference}-{self.kind}-{self.date.isoformat()}@iscg"


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
    found: list[Deadline] = []

    def add(day: date | None, kind: str, label: str) -> None:
        if day is not None:
            found.append(Deadline(day, kind, label, reference, url))

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
                )
            add(date(year + 1, 1, 31), "bilan", f"Bilan d'activité {year} dû ({reference})")
            add(date(year + 1, 3, 31), "comite", f"Comité de suivi du bilan {year} ({reference})")
    return sorted(found)


def upcoming(
    deadlines: Iterable[Deadline], *, today: date, days: int, overdue_days: int = 0
) -> list[Deadline]:
    """Deadlines from ``today - overdue_days`` to ``today + days`` included, by date."""
    low, high = today - timedelta(days=overdue_days), today + timedelta(days=days)
    return sorted(d for d in deadlines if low <= d.date <= high)
