"""Pure rules of the conventions domain: dates, notice deadlines, time shares, SIRET.

No database here, so each rule is tested by itself (tests/conventions/test_rules.py).
"""

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

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


def siret_is_valid(siret: str) -> bool:
    """14 digits with a valid Luhn checksum (La Poste's SIRET, which breaks the Luhn rule, too)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):  # La Poste: digits sum to a multiple of 5.
        return sum(int(c) for c in siret) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(siret)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
