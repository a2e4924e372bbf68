"""French formatting of money, numbers and dates, shared by templates, exports and PDFs."""

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

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


def format_months(value: Decimal | int | None) -> str:
    """Months funded: "5" when whole, else with their decimals in French ("9,55", "9,5")."""
    if value is None:
        return "—"
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return format_number(amount)
    return format_number(amount, 2).rstrip("0")


def format_euros(value: Decimal | int | None) -> str:
    """Whole euros as "17 500 €"; cents shown only when there are some ("4 668,50 €")."""
    if value is None:
        return "—"
    amount = Decimal(value)
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{format_number(amount, places)}{NBSP}€"


def format_date_long(value: date | datetime | None) -> str:
    """date(2023, 7, 3) → "3 juillet 2023"; the first of a month is "1er" (a datetime: its
    local day)."""
    if value is None:
        return "—"
    value = _local_date(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def _local_date(value: date | datetime) -> date:
    """A datetime's day where the users are (Europe/Paris); a date as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value)
        return value.date()
    return value


def format_datetime_long(value: datetime | None) -> str:
    """A moment as "1er juillet 2023 à 14:05" (local time), the first of a month "1er"."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return format_date_long(value)
    if value.tzinfo is not None:
        value = timezone.localtime(value)
    return f"{format_date_long(value.date())} à {value:%H:%M}"


# --------------------------------------------------------------------------- plurals


def plural_word(count: Decimal | int | None, singular: str, plural: str | None = None) -> str:
    """The word (or words) that agree with ``count``, French rule: 0 and 1 take the singular
    ("0 page", "1 bilan transmis"), 2 and more the plural: given, else each word + "s"
    ("bilan transmis ou validé" → "bilans transmis ou validés"; irregular ones are given)."""
    if plural is None:
        plural = " ".join(_plural_of(word) for word in singular.split(" "))
    return singular if count is None or abs(Decimal(count)) < 2 else plural


#: Words that never take the plural's "s" in the phrases counted ("bilan transmis ou validé").
_INVARIABLE = {"à", "au", "de", "des", "du", "en", "et", "ou", "par", "pour", "sans", "sur", "non"}


def _plural_of(word: str) -> str:
    """A word's regular plural: + "s", except words ending in s, x or z and small words."""
    if not word or word.lower() in _INVARIABLE or word[-1].lower() in "sxz":
        return word
    return f"{word}s"


def count_words(count: Decimal | int | None, singular: str, plural: str | None = None) -> str:
    """A count and its word, a no-break space between: "1 page", "4 pages", "3 bilans
    transmis", "12 500 conventions";
    ``plural`` for phrases whose plural is not each word + "s" ("1 titre à annuler", "2 titres
    à annuler")."""
    return f"{format_number(count or 0)}{NBSP}{plural_word(count or 0, singular, plural)}"


# --------------------------------------------------------------------------- numbers in words

_UNITS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
]
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def number_words(value: int) -> str:
    """0 → "zéro", 21 → "vingt et un", 80 → "quatre-vingts", 99 → "quatre-vingt-dix-neuf";
    digits from 100 on (durations and copies never get there)."""
    if value < 0 or value >= 100:
        return str(value)
    if value <= 16:
        return _UNITS[value]
    if value < 20:
        return f"dix-{_UNITS[value - 10]}"
    tens, unit = divmod(value, 10)
    if tens == 7:
        rest = value - 60
        return "soixante et onze" if rest == 11 else f"soixante-{number_words(rest)}"
    if tens >= 8:
        rest = value - 80
        return "quatre-vingts" if rest == 0 else f"quatre-vingt-{number_words(rest)}"
    if unit == 0:
        return _TENS[tens]
    if unit == 1:
        return f"{_TENS[tens]} et un"
    return f"{_TENS[tens]}-{_UNITS[unit]}"


def _count(value: int, singular: str, plural: str) -> str:
    return f"{number_words(value)} {singular if value == 1 else plural}"


def months_words(months: int) -> str:
    """12 → "un an", 36 → "trois ans", 4 → "quatre mois", 18 → "un an et six mois"."""
    return duration_words(months // 12, months % 12, 0)


def duration_words(years: int, months: int, days: int) -> str:
    """(1, 2, 10) → "un an, deux mois et dix jours"; (3, 0, 0) → "trois ans"."""
    parts = []
    if years:
        parts.append(_count(years, "an", "ans"))
    if months:
        parts.append(f"{number_words(months)} mois")
    if days:
        parts.append(_count(days, "jour", "jours"))
    if not parts:
        return "zéro jour"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when that month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def duration_between(start: date, end: date) -> tuple[int, int, int]:
    """(years, months, days) from ``start`` to ``end`` inclusive, as a contract counts them:
    15 March 2010 → 14 March 2013 is three years, 1 January → 31 December one year,
    1 September → 31 December four months; what is left beyond whole months is in days."""
    if end < start:
        raise ValueError("La date de fin précède la date de début.")
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    while months > 0 and _add_months(start, months) > after:
        months -= 1
    landing = _add_months(start, months)
    return months // 12, months % 12, (after - landing).days


def period_words(start: date, end: date) -> str:
    """ "du 15 mars 2010 au 14 mars 2013, soit trois ans"."""
    duration = duration_words(*duration_between(start, end))
    return f"du {format_date_long(start)} au {format_date_long(end)}, soit {duration}"


# --------------------------------------------------------------------------- articles

_CONTRACTIONS = {
    ("de", "le"): "du",
    ("de", "les"): "des",
    ("à", "le"): "au",
    ("à", "les"): "aux",
}
_PREPOSITION_END = re.compile(r"(?:(?<=[\s(«\u00a0\u202f'’])|^)(de|De|à|À)([ \u00a0])$")
_ARTICLE_START = re.compile(r"^(le|les|Le|Les|LE|LES) (?=\S)")
#: Elision of "de" before a vowel ("de un an" → "d'un an"); never before h (aspirated or not
#: cannot be told) nor "onze".
_ELIDES = re.compile(r"^(?!onze\b|Onze\b)[aeiouyàâéèêëîïôöûüœAEIOUYÀÂÉÈÊËÎÏÔÖÛÜŒ]")


def contract(before: str, value: str) -> tuple[str, str]:
    """Join a preposition that ends ``before`` with the article that opens ``value``:
    ("sous l'autorité de ", "le Groupement") → ("sous l'autorité ", "du Groupement");
    "à " + "les communes" → "aux communes"; "de " + "un an" → "d'un an". Other texts are
    returned as they are."""
    match = _PREPOSITION_END.search(before)
    if match is None or not value:
        return before, value
    preposition = match[1]
    article = _ARTICLE_START.match(value)
    head = before[: match.start()]
    if article is not None:
        joined = _CONTRACTIONS[(preposition.lower(), article[1].lower())]
        if preposition[0].isupper():
            joined = joined.capitalize()
        return head, joined + " " + value[article.end() :]
    if preposition.lower() == "de" and _ELIDES.match(value):
        return head, f"{preposition[0]}'{value}"
    return before, value


def contract_text(text: str) -> str:
    """Every "de le", "de les", "à le", "à les" of a sentence built in code contracted."""

    def joined(match: re.Match) -> str:
        word = _CONTRACTIONS[(match[1].lower(), match[2].lower())]
        return (word.capitalize() if match[1][0].isupper() else word) + " "

    return re.sub(r"\b(de|De|à|À) (le|les|Le|Les) (?=\S)", joined, text)


def of(phrase: str) -> str:
    """ "le Département" → "du Département", "la commune" → "de la commune", "l'État" →
    "de l'État", "les EPCI" → "des EPCI"."""
    return "".join(contract("de ", phrase))


def to(phrase: str) -> str:
    """ "le Département" → "au Département", "les communes" → "aux communes"."""
    return "".join(contract("à ", phrase))
