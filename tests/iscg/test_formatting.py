"""French money, numbers and dates as users read them (no database)."""

from datetime import date
from decimal import Decimal

from iscg.formatting import format_date_long, format_euros, format_number

NBSP = "\u00a0"


def test_euros_group_thousands_with_no_break_spaces():
    assert format_euros(17500) == f"17{NBSP}500{NBSP}€"
    assert format_euros(Decimal("4668.50")) == f"4{NBSP}668,50{NBSP}€"
    assert format_euros(Decimal("123687.00")) == f"123{NBSP}687{NBSP}€"
    assert format_euros(0) == f"0{NBSP}€"
    assert format_euros(None) == "—"


def test_negative_amounts_take_the_typographic_minus():
    assert format_euros(Decimal("-334")) == f"\u2212334{NBSP}€"
    assert format_number(Decimal("-12965.4"), 2) == f"\u221212{NBSP}965,40"


def test_dates_are_written_out_with_1er():
    assert format_date_long(date(2023, 7, 3)) == "3 juillet 2023"
    assert format_date_long(date(2023, 9, 1)) == "1er septembre 2023"
    assert format_date_long(None) == "—"
