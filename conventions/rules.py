"""Pure rules of the conventions domain: dates, notice deadlines, time shares.

No database here, so each rule is tested by itself (tests/conventions/test_rules.py).
"""

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from iscg.formatting import format_date_long

HUNDRED = Decimal("100")


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (or earlier); clamps to the month's last day (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def end_from_duration(start: date, months: int) -> date:
    """Last day of a period of ``months`` starting on ``start``: 1 Jan 2023 + 12 → 31 Dec 2023."""
    return add_months(start, months) - timedelta(days=1)


def notice_deadline(end: date, notice_months: int) -> date:
    """Last day to give notice so that the convention ends on ``end``.

    "dénoncée … par lettre recommandée adressée trois mois avant la date d'expiration":
    for an end on 31 December 2023 and 3 months, the letter must leave by 30 September 2023
    (the day before the notice period of three whole months starts).
    """
    return add_months(end + timedelta(days=1), -notice_months) - timedelta(days=1)


def time_shares_error(shares: Iterable[Decimal | None]) -> str | None:
    """Return a French message when the units' time shares do not add up to 100 %.

    Units with no share at all are allowed (the sources often do not say); a partial set is not.
    """
    values = list(shares)
    given = [v for v in values if v is not None]
    if not given:
        return None
    if len(given) != len(values):
        return "Indiquez la part de temps de chaque unité d'accueil, ou d'aucune."
    if any(v < 0 or v > HUNDRED for v in given):
        return "Chaque part de temps doit être comprise entre 0 et 100 %."
    total = sum(given, Decimal("0"))
    if total != HUNDRED:
        return f"Les parts de temps des unités d'accueil totalisent {format_percent(total)} au lieu de 100 %."
    return None


def format_percent(value: Decimal) -> str:
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"


# --------------------------------------------------------------------------- status from the dates

#: The renewal concertation opens six months before the end (conventions/deadlines.py): from
#: then on a convention in force reads "à renouveler".
RENEWAL_LEAD_MONTHS = 6

DRAFT = "brouillon"
TO_SIGN = "a_signer"
SIGNED = "signee"
IN_FORCE = "en_vigueur"
TO_RENEW = "a_renouveler"
EXPIRED = "expiree"
TERMINATED = "resiliee"
RENEWED = "renouvelee"
ABANDONED = "abandonnee"

#: Every status a convention can read, in life-cycle order, with its French label. All but
#: "à renouveler" are also stored values (``ConventionStatus``); "à renouveler" is only read.
STATUS_LABELS: dict[str, str] = {
    DRAFT: "Brouillon",
    TO_SIGN: "À signer",
    SIGNED: "Signée",
    IN_FORCE: "En vigueur",
    TO_RENEW: "À renouveler",
    EXPIRED: "Expirée",
    TERMINATED: "Résiliée",
    RENEWED: "Renouvelée",
    ABANDONED: "Abandonnée",
}


def status_on(
    *,
    stored: str,
    today: date,
    start: date | None,
    end: date | None,
    termination_effective: date | None = None,
    renewed: bool = False,
    renewal_lead_months: int = RENEWAL_LEAD_MONTHS,
) -> str:
    """The status a convention reads on ``today``, from its stored life-cycle state and dates.

    ``stored`` is the stored status (draft, à signer and abandoned are kept as they are: only a
    signed act moves with the dates); ``start`` the start or notification date; ``end`` the
    computed end (written, or start plus duration); ``termination_effective`` the date of effect
    of a dénonciation or résiliation; ``renewed`` whether a signed renewal exists.

    - "résiliée" from the date of effect of its dénonciation or résiliation;
    - "renouvelée" once a signed renewal exists;
    - "expirée" the day after its end;
    - "signée" before its start (or without any date);
    - "à renouveler" when in force and within ``renewal_lead_months`` of its end (unless a
      dénonciation or résiliation is recorded: it will not be renewed);
    - "en vigueur" otherwise.
    """
    if stored in (DRAFT, TO_SIGN, ABANDONED):
        return stored
    if termination_effective is not None and today >= termination_effective:
        return TERMINATED
    if stored == TERMINATED and termination_effective is None:
        return TERMINATED
    if renewed or stored == RENEWED:
        return RENEWED
    if end is not None and today > end:
        return EXPIRED
    if start is None:
        # No date to go by: keep what was recorded (an act entered as expired stays so).
        return stored if stored in (EXPIRED, IN_FORCE) else SIGNED
    if today < start:
        return SIGNED
    if (
        end is not None
        and termination_effective is None
        and today >= add_months(end, -renewal_lead_months)
    ):
        return TO_RENEW
    return IN_FORCE


def last_day_in_force(end: date | None, termination_effective: date | None) -> date | None:
    """The last day a convention applies: its end, or the eve of an earlier date of effect of
    its résiliation (a dénonciation takes effect at the end itself)."""
    if termination_effective is None:
        return end
    stop = (
        termination_effective
        if termination_effective == end
        else termination_effective - timedelta(days=1)
    )
    return stop if end is None else min(end, stop)


def in_force_during(
    year: int, *, start: date | None, end: date | None, termination_effective: date | None = None
) -> bool:
    """Whether the convention applies on some day of ``year`` (no date at all: kept)."""
    last = last_day_in_force(end, termination_effective)
    if start is not None and start.year > year:
        return False
    return not (last is not None and last.year < year)


def denunciation_effect(*, end: date | None, notice_months: int, notice_date: date) -> date:
    """The date of effect of a dénonciation sent on ``notice_date``: the convention's end, when
    the notice leaves by the deadline it sets (``notice_deadline``).

    Raises ``ValueError`` with a French message when there is no end to denounce or the
    deadline has passed (the convention then has to be résiliée, with a date and a reason).
    """
    if end is None:
        raise ValueError(
            "La convention n'a pas de date de fin : elle ne se dénonce pas à son terme. "
            "Résiliez-la en indiquant une date d'effet et un motif."
        )
    deadline = notice_deadline(end, notice_months)
    if notice_date > deadline:
        raise ValueError(
            f"Le préavis de {notice_months} mois n'est plus tenu : pour une fin au "
            f"{format_date_long(end)}, la dénonciation devait partir au plus tard le "
            f"{format_date_long(deadline)} (envoi indiqué : {format_date_long(notice_date)}). "
            "La convention va à son terme ; une fin anticipée passe par une résiliation."
        )
    return end


def months_due(
    year: int, effective: date, *, funded: Decimal | int, start: date | None = None
) -> Decimal | int:
    """Months of ``year`` still due when a convention ends with effect on ``effective``.

    The months before the date of effect count, a started month fully (effect on 15 March:
    January to March, 3; on 1 March: 2). ``funded`` is what the plan funded that year (part
    months allowed: 9.55); a start during that year (post or convention) moves the first month
    funded. Later years: 0.
    """
    if year > effective.year:
        return 0
    if year < effective.year:
        return funded
    last_month = effective.month if effective.day > 1 else effective.month - 1
    first_month = start.month if start is not None and start.year == year else 1
    if start is not None and start.year > year:
        return 0
    available = max(0, last_month - first_month + 1)
    return min(funded, available)
