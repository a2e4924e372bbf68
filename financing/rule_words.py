"""Each share of a financing plan stated in words, in French (pure: no Django, no database).

The plan editor's preview and the convention's PDF (its financing table) say how each party's
share is set, the way the acts write it: « 80 % du coût la 1re année de service, 50 % la 2e,
30 % ensuite », « reste à charge », « 19 347 € par an, répartie entre A, B et C à parts
égales », « 11 853 € par an, répartie entre A et B au prorata de la population (81,32 % /
18,68 %) ».

``names`` maps a party's identifier (its slug, as the plan names it) to the name shown; an
identifier missing from it is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from financing.engine import (
    FIXED,
    PERCENT_OF_COST,
    PERCENT_OF_REMAINDER,
    REMAINDER,
    SPLIT_BY_PERCENT,
    SPLIT_BY_POPULATION,
    Plan,
    ShareRule,
)

__all__ = [
    "french_list",
    "ordinal",
    "party_words",
    "payer_words",
    "plan_words",
    "rule_words",
    "share_words",
    "split_words",
]

NBSP = "\u00a0"
HUNDRED = Decimal(100)


def _number(value: Decimal, places: int | None = None) -> str:
    """12345.6 → '12 345,6' (no-break spaces between thousands, decimal comma); ``places``
    rounds half up first. Trailing zeros of the decimals are dropped ('81,30' → '81,3')."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value, "f")
    integer, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if integer.startswith("-") else ""
    integer = integer.lstrip("-")
    groups: list[str] = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    whole = NBSP.join(groups) or "0"
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def _euros(value: Decimal) -> str:
    """17500 → '17 500 €'; cents shown only when there are some ('17 500,50 €')."""
    if value == value.to_integral_value():
        return f"{_number(value)}{NBSP}€"
    whole, _, cents = format(value.quantize(Decimal("0.01")), "f").partition(".")
    return f"{_number(Decimal(whole))},{cents}{NBSP}€"


def _percent(value: Decimal) -> str:
    return f"{_number(value)}{NBSP}%"


def ordinal(rank: int) -> str:
    """1 → '1re', 2 → '2e' (année is feminine)."""
    return "1re" if rank == 1 else f"{rank}e"


def french_list(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] → 'a, b et c'."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " et " + items[-1]


def _by_year(
    values: Mapping[int, Decimal], show: Callable[[Decimal], str], first_suffix: str
) -> str:
    """« 80 % du coût en 2022, 50 % en 2023 »: the first value carries ``first_suffix``."""
    pieces = []
    for number, (year, value) in enumerate(sorted(values.items())):
        suffix = first_suffix if number == 0 else ""
        pieces.append(f"{show(value)}{suffix} en {year}")
    return ", ".join(pieces)


def _by_rank(ranks: Sequence[Decimal]) -> str:
    """« 80 % du coût la 1re année de service, 50 % la 2e, 30 % ensuite »: the last rate
    repeats (the engine's rule), so trailing equal rates are said once, as « ensuite »."""
    rates = list(ranks)
    while len(rates) > 1 and rates[-1] == rates[-2]:
        rates.pop()
    if len(rates) == 1:
        return f"{_percent(rates[0])} du coût chaque année de service"
    pieces = [f"{_percent(rates[0])} du coût la 1re année de service"]
    for rank, rate in enumerate(rates[1:-1], start=2):
        pieces.append(f"{_percent(rate)} la {ordinal(rank)}")
    pieces.append(f"{_percent(rates[-1])} ensuite")
    return ", ".join(pieces)


def rule_words(share: ShareRule) -> str:
    """The share's rule, without who pays it: « 17 500 € par an », « 30 % du coût, au plus
    12 000 € par an », « 40 % du reste », « reste à charge »."""
    if share.rule == FIXED:
        if share.amount_by_year:
            return _by_year(share.amount_by_year, _euros, " par an")
        if share.amount is not None:
            return f"{_euros(share.amount)} par an"
        return "montant annuel à indiquer"
    if share.rule == PERCENT_OF_COST:
        if share.percent_by_rank:
            words = _by_rank(share.percent_by_rank)
        elif share.percent_by_year:
            words = _by_year(share.percent_by_year, _percent, " du coût")
        elif share.percent is not None:
            words = f"{_percent(share.percent)} du coût"
        else:
            words = "pourcentage du coût à indiquer"
        if share.cap is not None:
            words += f", au plus {_euros(share.cap)} par an"
        return words
    if share.rule == PERCENT_OF_REMAINDER:
        if share.percent is None:
            return "pourcentage du reste à indiquer"
        return f"{_percent(share.percent)} du reste après les parts sur le coût"
    if share.rule == REMAINDER:
        return "reste à charge"
    return share.rule


def _name(slug: str, names: Mapping[str, str]) -> str:
    return names.get(slug, slug)


def split_words(share: ShareRule, names: Mapping[str, str]) -> str:
    """How a split share is divided: « répartie entre A et B au prorata de la population
    (81,32 % / 18,68 %) », « … à parts égales », « … selon les pourcentages (…) »; '' for a
    share paid by one party."""
    if not share.split:
        return ""
    who = french_list([_name(part.party, names) for part in share.split])
    keys = [part.key for part in share.split]
    total = sum(keys, Decimal(0))
    if share.split_by == SPLIT_BY_PERCENT:
        shown = " / ".join(_percent(key) for key in keys)
        return f"répartie entre {who} selon les pourcentages ({shown})"
    if total <= 0:
        return f"répartie entre {who}"
    if share.split_by != SPLIT_BY_POPULATION and all(key == keys[0] for key in keys):
        return f"répartie entre {who} à parts égales"
    shown = " / ".join(f"{_number(key * HUNDRED / total, 2)}{NBSP}%" for key in keys)
    if share.split_by == SPLIT_BY_POPULATION:
        return f"répartie entre {who} au prorata de la population ({shown})"
    weights = " / ".join(_number(key) for key in keys)
    return f"répartie entre {who} selon les clés {weights} ({shown})"


def share_words(share: ShareRule, names: Mapping[str, str] | None = None) -> str:
    """The share's rule in words, with its split when several parties pay it."""
    names = names or {}
    words = rule_words(share)
    split = split_words(share, names)
    return f"{words}, {split}" if split else words


def payer_words(share: ShareRule, names: Mapping[str, str] | None = None) -> str:
    """Who pays the share: a party's name, or « A, B et C »."""
    names = names or {}
    return french_list([_name(party, names) for party in share.parties]) or "partie à choisir"


def plan_words(plan: Plan, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(who pays, the rule in words) for each share of the plan, in order; the party that
    receives the rounding of a plan without a remainder share is said on its first share."""
    names = names or {}
    rows = []
    residue_said = plan.residue is None
    for share in plan.shares:
        words = share_words(share, names)
        if not residue_said and plan.residue in share.parties:
            residue_said = True
            words += f" ; {_residue_words(plan.residue, share, names)}"
        rows.append((payer_words(share, names), words))
    return rows


def _residue_words(residue: str, share: ShareRule, names: Mapping[str, str]) -> str:
    if share.split:
        return f"les arrondis vont à {_name(residue, names)}"
    return "reçoit aussi les arrondis"


def party_words(plan: Plan, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each party's rule in words (slug → words), its shares joined by « ; », in the order
    parties first appear in the plan: what the PDF's financing table writes under each name."""
    names = names or {}
    found: dict[str, list[str]] = {}
    for share in plan.shares:
        words = share_words(share, names)
        for party in share.parties:
            found.setdefault(party, []).append(words)
    if plan.residue is not None and plan.residue in found:
        found[plan.residue].append("reçoit les arrondis")
    return {party: " ; ".join(dict.fromkeys(words)) for party, words in found.items()}
