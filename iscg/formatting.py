"""French formatting of money, numbers and dates, shared by templates, exports and PDFs."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # no-break space: thousands separator and before "€"
MINUS = "\u2212"  # the typographic minus of French print ("−334 €"); display only, never exports
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def format_number(value: Decimal | int, places: int = 0) -> str:
    """12345.5 → "12 345,50" (places=2) with no-break spaces between thousands."""
    quantum = Decimal(1).scaleb(-places)
    amount = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = MINUS if amount < 0 else ""
    integer, _, fraction = f"{abs(amount):f}".partition(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    text = NBSP.join(groups) or "0"
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def format_euros(value: Decimal | int | None) -> str:
    """Whole euros as "17 500 €"; cents shown only when there are some ("4 668,50 €")."""
    if value is None:
        return "—"
    amount = Decimal(value)
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{format_number(amount, places)}{NBSP}€"


def format_date_long(value: date | None) -> str:
    """date(2023, 7, 3) → "3 juillet 2023"; the first of a month is "1er"."""
    if value is None:
        return "—"
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"
