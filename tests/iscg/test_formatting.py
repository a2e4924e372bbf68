"""French money, numbers and dates as users read them (no database)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from iscg.formatting import (
    contract,
    contract_text,
    duration_between,
    duration_words,
    format_date_long,
    format_datetime_long,
    format_euros,
    format_months,
    format_number,
    months_words,
    number_words,
    of,
    period_words,
    to,
)

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


def test_moments_are_written_in_local_time_with_1er():
    # 1 July 2023 at 12:05 UTC is 14:05 in Paris; 31 August 23:30 UTC is already 1 September.
    assert (
        format_datetime_long(datetime(2023, 7, 1, 12, 5, tzinfo=UTC)) == "1er juillet 2023 à 14:05"
    )
    assert format_date_long(datetime(2023, 8, 31, 23, 30, tzinfo=UTC)) == "1er septembre 2023"
    assert format_datetime_long(date(2023, 3, 1)) == "1er mars 2023"
    assert format_datetime_long(None) == "—"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1, "un"),
        (16, "seize"),
        (17, "dix-sept"),
        (21, "vingt et un"),
        (30, "trente"),
        (31, "trente et un"),
        (44, "quarante-quatre"),
        (70, "soixante-dix"),
        (71, "soixante et onze"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (99, "quatre-vingt-dix-neuf"),
        (150, "150"),
    ],
)
def test_numbers_in_words(value, words):
    assert number_words(value) == words


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2010, 3, 15), date(2013, 3, 14), (3, 0, 0)),
        (date(2023, 1, 1), date(2023, 12, 31), (1, 0, 0)),
        (date(2023, 9, 1), date(2023, 12, 31), (0, 4, 0)),
        (date(2024, 2, 1), date(2024, 2, 29), (0, 1, 0)),
        (date(2010, 3, 15), date(2011, 5, 24), (1, 2, 10)),
        (date(2023, 5, 5), date(2023, 5, 5), (0, 0, 1)),
        (date(2022, 3, 31), date(2025, 3, 30), (3, 0, 0)),
    ],
)
def test_a_period_counts_whole_years_months_then_days(start, end, expected):
    assert duration_between(start, end) == expected


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="précède"):
        duration_between(date(2023, 2, 1), date(2023, 1, 31))


def test_durations_in_words_never_leave_a_blank():
    assert duration_words(3, 0, 0) == "trois ans"
    assert duration_words(1, 2, 10) == "un an, deux mois et dix jours"
    assert duration_words(0, 1, 1) == "un mois et un jour"
    assert duration_words(0, 0, 21) == "vingt et un jours"
    assert months_words(36) == "trois ans" and months_words(4) == "quatre mois"
    assert months_words(18) == "un an et six mois"
    assert period_words(date(2010, 3, 15), date(2013, 3, 14)) == (
        "du 15 mars 2010 au 14 mars 2013, soit trois ans"
    )
    assert period_words(date(2010, 3, 15), date(2011, 5, 24)) == (
        "du 15 mars 2010 au 24 mai 2011, soit un an, deux mois et dix jours"
    )
    assert period_words(date(2023, 9, 1), date(2023, 12, 31)) == (
        "du 1er septembre 2023 au 31 décembre 2023, soit quatre mois"
    )


@pytest.mark.parametrize(
    ("before", "value", "expected"),
    [
        (
            "Sous l'autorité fonctionnelle de ",
            "le Groupement",
            "Sous l'autorité fonctionnelle du Groupement",
        ),
        ("les services de ", "les communes", "les services des communes"),
        ("transmises à ", "le Département", "transmises au Département"),
        ("attaché à ", "les EPCI", "attaché aux EPCI"),
        ("De ", "le Conseil général", "Du Conseil général"),
        ("au sein de ", "Le Conseil général", "au sein du Conseil général"),
        ("une durée de ", "un an", "une durée d'un an"),
        ("les services de ", "la communauté", "les services de la communauté"),
        ("les services de ", "l'État", "les services de l'État"),
        ("le montant de ", "onze euros", "le montant de onze euros"),
        ("la commune de ", "Hénin", "la commune de Hénin"),
        ("le monde ", "le Département", "le monde le Département"),
        ("", "le Département", "le Département"),
    ],
)
def test_prepositions_contract_with_the_article_that_follows(before, value, expected):
    assert "".join(contract(before, value)) == expected


def test_contractions_in_sentences_built_in_code():
    assert contract_text("Financement 2028 de le Département") == "Financement 2028 du Département"
    assert contract_text("versé à les communes et à le CCAS") == "versé aux communes et au CCAS"
    assert contract_text("de la commune de l'État") == "de la commune de l'État"
    assert of("la communauté de communes du Ternois") == "de la communauté de communes du Ternois"
    assert of("le Département") == "du Département" and of("les EPCI") == "des EPCI"
    assert to("le Département") == "au Département" and to("l'État") == "à l'État"


@pytest.mark.parametrize(
    ("months", "text"),
    [(Decimal("12.00"), "12"), (Decimal("9.55"), "9,55"), (Decimal("9.50"), "9,5"), (4, "4")],
)
def test_months_show_their_decimals_only_when_a_month_is_part_funded(months, text):
    assert format_months(months) == text
