"""Financing engine: how a post's yearly cost is shared between its co-funders, exact to the euro.

Pure Python (no Django, no database) so that the app, the ``financing`` command and the benchmark
all use one implementation. The rules and worked examples are in ``docs/financing.md``.

A plan gives, for each budget year, the post's annual cost and the months funded, and a list of
shares, each with a rule (``fixed``, ``percent_of_cost``, ``percent_of_remainder``,
``remainder``), owned by one party or split between several parties by keys. Every share but the
remainder is rounded to the whole euro; the single ``remainder`` share absorbs the difference, so
the shares add up to the year's cost exactly. A plan whose shares cover the whole cost (80 % État,
20 % shared by five communautés) has no remainder: it names instead the party that receives the
rounding residue (``residue``). All money is ``Decimal``.

A plan may also state the funded period (``start``, ``end``: a year outside it is refused, a year
without months gets the months of the period inside it, part months counted in days) and the
post's first day of service (``service_start``: degressive schedules by year of service are then
counted month by month).

A party may own several shares (Quimper: the Département takes 30 % of the remainder and, as
employer, the remainder itself). ``YearResult.shares`` then holds the sum of its amounts;
``YearResult.details`` keeps them share by share.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any, NoReturn

__all__ = [
    "FIXED",
    "PERCENT_OF_COST",
    "PERCENT_OF_REMAINDER",
    "REMAINDER",
    "RESIDUE",
    "RULES",
    "Plan",
    "PlanError",
    "PlanResult",
    "ShareResult",
    "ShareRule",
    "SplitPart",
    "YearInput",
    "YearResult",
    "compute_plan",
    "full_year",
    "months_by_year",
    "only_years",
    "parse_plan",
    "period_months",
    "plan_parties",
    "plan_to_dict",
    "read_plan",
    "result_to_dict",
    "shifted",
    "split_by_keys",
    "stated_months",
    "truncated",
    "with_actual_cost",
    "with_months",
    "written_gaps_only",
    "year_months",
]

FIXED = "fixed"
PERCENT_OF_COST = "percent_of_cost"
PERCENT_OF_REMAINDER = "percent_of_remainder"
REMAINDER = "remainder"
RULES = (FIXED, PERCENT_OF_COST, PERCENT_OF_REMAINDER, REMAINDER)
#: Not a rule of the plan: the ``rule`` of the ``YearResult.remainder`` stand-in on a plan with a
#: ``residue`` party (what the rounding left, given to that party).
RESIDUE = "residue"

ROUND_DOWN_TO_EURO = "down"
ROUND_HALF_UP_TO_EURO = "half_up"
ROUNDINGS = (ROUND_DOWN_TO_EURO, ROUND_HALF_UP_TO_EURO)

#: Split keys are weights by default (equal keys "1", populations, percentages); with
#: ``"split_by": "percent"`` each key must lie in 0–100 and the keys must total exactly 100.
#: ``"split_by": "population"`` computes as weights (the keys are the parties' populations):
#: it only says what the keys are, so that the plan can be stated in words.
SPLIT_BY_WEIGHT = "weight"
SPLIT_BY_PERCENT = "percent"
SPLIT_BY_POPULATION = "population"
SPLIT_BYS = (SPLIT_BY_WEIGHT, SPLIT_BY_PERCENT, SPLIT_BY_POPULATION)

CENT = Decimal("0.01")
EURO = Decimal(1)
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
ZERO = Decimal(0)
#: Sanity bound on any amount: larger figures are typing mistakes, not ISCG posts.
MAX_AMOUNT = Decimal(10) ** 12
#: Enough digits for exact products of amounts and keys (28, the default, would also do).
PRECISION = 40
#: Size bounds of a plan (issue 18): computing it costs years × shares, and a 115 KB imported
#: plan of 700 years and 1 500 shares took 36 s. Real plans: a few years, a dozen shares.
MAX_YEARS = 60
MAX_SHARES = 100

_ROUNDING_MODES = {ROUND_DOWN_TO_EURO: ROUND_FLOOR, ROUND_HALF_UP_TO_EURO: ROUND_HALF_UP}
_NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?")
_YEAR_RE = re.compile(r"\d{4}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAN_FIELDS = {"rounding", "first_year", "start", "end", "service_start", "residue"}
_PLAN_FIELDS |= {"years", "shares"}
_MIN_YEAR, _MAX_YEAR = 1900, 2999

# Fields each rule accepts, besides "rule", "party", "split" and "split_by".
_RULE_FIELDS = {
    FIXED: {"amount", "amount_by_year"},
    PERCENT_OF_COST: {"percent", "percent_by_rank", "percent_by_year", "cap"},
    PERCENT_OF_REMAINDER: {"percent"},
    REMAINDER: set(),
}
_COMMON_FIELDS = {"rule", "party", "split", "split_by"}


class PlanError(ValueError):
    """An invalid plan; the message is in French and names the figures at fault.

    ``year`` (a budget year) and ``share`` (the index of the share in ``Plan.shares``, from 0)
    say what the message is about, when it is about one of them, so that an editor can show it
    on that row; both are ``None`` for a rule of the whole plan (one remainder, no year...)."""

    def __init__(self, message: str, *, year: int | None = None, share: int | None = None):
        super().__init__(message)
        self.year = year
        self.share = share

    def about(self, *, year: int | None = None, share: int | None = None) -> PlanError:
        """Record the year or share the error is about, unless already known; return self."""
        if self.year is None:
            self.year = year
        if self.share is None:
            self.share = share
        return self


# ---------------------------------------------------------------------------------------------
# Input and output


@dataclass(frozen=True)
class SplitPart:
    """One party of a split share and its key (a weight, or a percentage)."""

    party: str
    key: Decimal


@dataclass(frozen=True)
class ShareRule:
    """One share of the plan: a rule and who pays it (``party``, or ``split`` between parties).

    Exactly one of ``amount``/``amount_by_year`` for ``fixed``; exactly one of ``percent``/
    ``percent_by_rank``/``percent_by_year`` (and optionally ``cap``) for ``percent_of_cost``;
    ``percent`` for ``percent_of_remainder``; nothing for ``remainder``. Amounts and caps are
    annual: they are prorated by months / 12.
    """

    rule: str
    party: str | None = None
    split: tuple[SplitPart, ...] = ()
    split_by: str = SPLIT_BY_WEIGHT
    amount: Decimal | None = None
    amount_by_year: Mapping[int, Decimal] | None = None
    percent: Decimal | None = None
    percent_by_rank: tuple[Decimal, ...] | None = None
    percent_by_year: Mapping[int, Decimal] | None = None
    cap: Decimal | None = None

    @property
    def parties(self) -> tuple[str, ...]:
        """The parties paying this share, in order."""
        if self.split:
            return tuple(part.party for part in self.split)
        return (self.party,) if self.party is not None else ()

    @property
    def label(self) -> str:
        """How messages name the share's payer."""
        if self.split:
            return "répartie entre " + ", ".join(self.parties)
        return self.party or "?"


@dataclass(frozen=True)
class YearInput:
    """One budget year: the annual cost, the months funded and, optionally, the amounts a source
    wrote for some parties (``as_written``), which the result compares with the computed ones."""

    year: int
    annual_cost: Decimal
    #: Months funded, 0 < months <= 12, at most two decimals (9.55: a part month counts its
    #: days). ``None``: not stated, the months of the plan's period inside the year (12 without
    #: a period; ``year_months``), unless the post's dates say otherwise (``with_months``).
    months: Decimal | None = None
    as_written: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def funded_months(self) -> Decimal:
        """The months stated, else 12. The year alone cannot see the plan's period: a plan's
        months, period included, are ``year_months(plan, year)`` / ``months_by_year(plan)``."""
        return Decimal(self.months) if self.months is not None else TWELVE


@dataclass(frozen=True)
class Plan:
    """A post's financing plan.

    ``first_year`` is the post's first year of service (rank 1 of ``percent_by_rank``); when
    absent, the plan's earliest year is used. ``start``/``end`` bound the funded period (the
    convention's dates): a year outside is refused, a year without months gets the months of the
    period inside it. ``service_start`` is the post's first day of service (the period's start
    when ``start`` is absent); with it, ``percent_by_rank`` counts months of service and
    ``first_year`` no longer counts. ``residue`` names the party that receives the rounding
    residue of a plan whose shares cover the whole cost (it then has no ``remainder`` share).
    """

    years: tuple[YearInput, ...]
    shares: tuple[ShareRule, ...]
    rounding: str = ROUND_DOWN_TO_EURO
    first_year: int | None = None
    start: date | None = None
    end: date | None = None
    service_start: date | None = None
    residue: str | None = None

    @property
    def period_start(self) -> date | None:
        """The first day funded: ``start``, else the post's first day of service."""
        return self.start if self.start is not None else self.service_start


@dataclass(frozen=True)
class ShareResult:
    """One share of one year: its exact (unrounded) value, its amount, and the amount per party.

    ``index`` is the share's position in ``Plan.shares``. For the remainder, ``exact`` equals
    ``amount``. ``parts`` has one entry per party of a split, or one entry for a single party.
    On a ``residue`` plan, the first share of the residue party also carries the rounding
    residue: ``residue`` is that amount (may be negative, at most a euro per share), included in
    ``amount`` and in that party's part (never split).
    """

    index: int
    rule: str
    exact: Decimal
    amount: Decimal
    parts: tuple[tuple[str, Decimal], ...]
    residue: Decimal = ZERO


@dataclass(frozen=True)
class YearResult:
    """One year computed. ``shares`` sums each party's amounts over all its shares (in the order
    parties first appear in the plan); ``gaps`` gives, for each party of ``as_written``, the
    written amount minus the computed one (positive: the source asks more than the plan gives).

    On a plan with a ``residue`` party, ``residue_party`` names it and ``residue`` is what the
    rounding left (cost minus the rounded shares, added to that party's first share); both are
    ``None`` / 0 on a plan with a remainder share."""

    year: int
    months: Decimal
    cost: Decimal
    shares: Mapping[str, Decimal]
    details: tuple[ShareResult, ...]
    gaps: Mapping[str, Decimal] = field(default_factory=dict)
    residue_party: str | None = None
    residue: Decimal = ZERO

    @property
    def has_remainder(self) -> bool:
        """Whether a remainder share ("reste à charge") pays what the others do not."""
        return any(detail.rule == REMAINDER for detail in self.details)

    @property
    def remainder(self) -> ShareResult:
        """The remainder share ("reste à charge"), to show it as such.

        A ``residue`` plan has none: this is then a stand-in of rule ``RESIDUE`` whose single
        part is the residue party with the residue (``index``: the share that took it), so that
        code reading ``remainder.parts`` names the party absorbing the rounding without failing.
        Prefer ``has_remainder``/``residue_party`` to tell the two kinds apart."""
        for detail in self.details:
            if detail.rule == REMAINDER:
                return detail
        party = self.residue_party or ""
        index = next((d.index for d in self.details if any(p == party for p, _ in d.parts)), -1)
        return ShareResult(
            index=index,
            rule=RESIDUE,
            exact=self.residue,
            amount=self.residue,
            parts=((party, self.residue),),
            residue=self.residue,
        )

    @property
    def absorbing_parties(self) -> tuple[str, ...]:
        """The parties that absorb the rounding: the remainder share's, or the residue party."""
        for detail in self.details:
            if detail.rule == REMAINDER:
                return tuple(party for party, _ in detail.parts)
        return (self.residue_party,) if self.residue_party is not None else ()


@dataclass(frozen=True)
class PlanResult:
    """All years of a plan, in year order."""

    years: tuple[YearResult, ...]

    def year(self, year: int) -> YearResult:
        """The result of one year (KeyError when the plan does not cover it)."""
        for result in self.years:
            if result.year == year:
                return result
        raise KeyError(year)


# ---------------------------------------------------------------------------------------------
# Formatting helpers (French, for messages)


def _fr_number(value: Decimal, places: int | None = 2) -> str:
    """12345.6 -> '12 345,60' (French grouping and decimal comma); ``places=None`` keeps the
    digits as they are (percentages, keys)."""
    text = format(value, f",.{places}f" if places is not None else ",f")
    return text.replace(",", " ").replace(".", ",")


def _fr_money(value: Decimal) -> str:
    return f"{_fr_number(value)} €"


def _fr_percent(value: Decimal) -> str:
    return f"{_fr_number(value, None)} %"


def _plain(value: Decimal) -> str:
    """A Decimal as a plain JSON string, never in exponent notation."""
    return format(value, "f")


_MONTH_NAMES = (
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
)


def _fr_date(value: date) -> str:
    """date(2013, 3, 14) -> '14 mars 2013'; the first of a month is '1er'."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTH_NAMES[value.month - 1]} {value.year}"


def _period_words(plan: Plan) -> str:
    """The plan's funded period, as messages name it."""
    start, end = plan.period_start, plan.end
    first = (
        f"{_fr_date(start)}, premier jour de service"
        if start is not None and plan.start is None
        else _fr_date(start)
        if start is not None
        else ""
    )
    if start is not None and end is not None:
        comma = "," if plan.start is None else ""
        return f"du {first}{comma} au {_fr_date(end)}"
    if start is not None:
        return f"à partir du {first}"
    return f"jusqu'au {_fr_date(end)}" if end is not None else "sans limite"


# ---------------------------------------------------------------------------------------------
# Parsing


def _as_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from an int, a decimal string, a Decimal or a float; None for anything
    else (booleans included, although Python counts them as ints). Floats go through ``str`` so
    that 0.1 stays 0.1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        return None
    return number if number.is_finite() else None


def _parse_number(value: Any, what: str) -> Decimal:
    """A non-negative finite Decimal (``_as_decimal``), below ``MAX_AMOUNT``."""
    number = _as_decimal(value)
    if number is None:
        if isinstance(value, bool):
            raise PlanError(f"{what} : « {str(value).lower()} » n'est pas un nombre.")
        if isinstance(value, str):
            raise PlanError(
                f"{what} : « {value} » n'est pas un nombre (écrire par exemple 14000 ou 81.32)."
            )
        raise PlanError(f"{what} : « {value} » n'est pas un nombre.")
    if number < 0:
        raise PlanError(f"{what} : {_fr_number(number, None)} est négatif.")
    if number >= MAX_AMOUNT:
        raise PlanError(f"{what} : {_fr_number(number, None)} est trop grand.")
    return number


def _parse_amount(value: Any, what: str) -> Decimal:
    amount = _parse_number(value, what)
    if amount != amount.quantize(CENT):
        raise PlanError(f"{what} : {_fr_number(amount, None)} a plus de deux décimales.")
    return amount


def _parse_percent(value: Any, what: str) -> Decimal:
    percent = _parse_number(value, what)
    if percent > HUNDRED:
        raise PlanError(f"{what} : {_fr_percent(percent)} est hors de 0 à 100 %.")
    return percent


def _parse_year(value: Any, what: str) -> int:
    if isinstance(value, str) and _YEAR_RE.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{what} : « {value} » n'est pas une année.")
    if not _MIN_YEAR <= value <= _MAX_YEAR:
        raise PlanError(f"{what} : {value} n'est pas une année plausible.")
    return value


def _parse_months(value: Any, year: int) -> Decimal:
    """Months funded: an int, or a decimal (string, Decimal, float) with at most two places,
    0 < months <= 12 (9.55: 17 days of March and 9 whole months)."""
    months = _as_decimal(value)
    if months is None:
        shown = str(value).lower() if isinstance(value, bool) else value
        raise PlanError(
            f"Année {year} : mois financés « {shown} », il faut un nombre de mois (12, ou 9.55 "
            "pour une partie de mois)."
        )
    return _check_months(months, year)


def _check_months(months: Decimal, year: int) -> Decimal:
    if not ZERO < months <= TWELVE:
        raise PlanError(
            f"Année {year} : {_fr_number(months, None)} mois financés, il en faut plus de 0 et "
            "au plus 12.",
            year=year,
        )
    if months != months.quantize(CENT):
        raise PlanError(
            f"Année {year} : {_fr_number(months, None)} mois financés, au plus deux décimales "
            "(9,55 par exemple).",
            year=year,
        )
    return months


def _parse_date(value: Any, what: str) -> date:
    """An ISO date (``"2010-03-15"``), or a ``date`` from Python."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise PlanError(f"{what} : « {value} » n'est pas une date qui existe.") from None
    raise PlanError(
        f"{what} : « {value} » n'est pas une date (écrire AAAA-MM-JJ, par exemple 2010-03-15)."
    )


def _parse_by_year(
    value: Any, what: str, parse: Callable[[Any, str], Decimal]
) -> dict[int, Decimal]:
    if not isinstance(value, Mapping) or not value:
        raise PlanError(f'{what} : il faut un objet non vide {{"2023": …}}.')
    result: dict[int, Decimal] = {}
    for raw_year, raw_value in value.items():
        year = _parse_year(raw_year, what)
        if year in result:
            raise PlanError(f"{what} : année {year} en double.")
        result[year] = parse(raw_value, f"{what}, {year}")
    return result


def _check_fields(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        names = ", ".join(f"« {key} »" for key in unknown)
        expected = ", ".join(sorted(allowed))
        unexpected = "champ inattendu" if len(unknown) == 1 else "champs inattendus"
        raise PlanError(f"{where} : {unexpected} {names} (champs possibles : {expected}).")


def _parse_party(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{where} : la partie doit être un identifiant non vide.")
    return value.strip()


def _parse_split(raw: Any, split_by: str, where: str) -> tuple[SplitPart, ...]:
    if not isinstance(raw, list) or not raw:
        raise PlanError(f"{where} : « split » doit être une liste non vide de parties et clés.")
    parts: list[SplitPart] = []
    for number, item in enumerate(raw, start=1):
        item_where = f"{where}, répartition n° {number}"
        if not isinstance(item, Mapping):
            raise PlanError(f'{item_where} : il faut un objet {{"party": …, "key": …}}.')
        _check_fields(item, {"party", "key"}, item_where)
        if "key" not in item:
            raise PlanError(f"{item_where} : clé (« key ») manquante.")
        party = _parse_party(item.get("party"), item_where)
        if split_by == SPLIT_BY_PERCENT:
            key = _parse_percent(item["key"], f"{item_where} ({party}), clé")
        else:
            key = _parse_number(item["key"], f"{item_where} ({party}), clé")
        if any(part.party == party for part in parts):
            raise PlanError(f"{where} : la partie {party} figure deux fois dans la répartition.")
        parts.append(SplitPart(party=party, key=key))
    total = sum((part.key for part in parts), ZERO)
    if total == 0:
        raise PlanError(f"{where} : toutes les clés de répartition sont nulles.")
    if split_by == SPLIT_BY_PERCENT and total != HUNDRED:
        raise PlanError(
            f"{where} : les clés de répartition totalisent {_fr_percent(total)}, il faut 100 %."
        )
    return tuple(parts)


def _parse_share(number: int, raw: Any) -> ShareRule:
    where = f"Part n° {number}"
    if not isinstance(raw, Mapping):
        raise PlanError(f"{where} : il faut un objet JSON.")
    if isinstance(raw.get("party"), str):
        where = f"Part n° {number} ({raw['party']})"
    rule = raw.get("rule")
    if rule not in RULES:
        raise PlanError(f"{where} : règle « {rule} » inconnue (règles : {', '.join(RULES)}).")
    _check_fields(raw, _COMMON_FIELDS | _RULE_FIELDS[rule], where)

    has_party, has_split = "party" in raw, "split" in raw
    if has_party == has_split:
        raise PlanError(f"{where} : il faut soit « party », soit « split » (l'un des deux).")
    split_by = raw.get("split_by", SPLIT_BY_WEIGHT)
    if "split_by" in raw and not has_split:
        raise PlanError(f"{where} : « split_by » ne s'emploie qu'avec « split ».")
    if split_by not in SPLIT_BYS:
        raise PlanError(
            f"{where} : « split_by » vaut « weight », « population » ou « percent », "
            f"pas « {split_by} »."
        )
    party = _parse_party(raw["party"], where) if has_party else None
    split = _parse_split(raw["split"], split_by, where) if has_split else ()

    def only_one(names: tuple[str, ...]) -> str:
        given = [name for name in names if name in raw]
        if len(given) != 1:
            options = " ou ".join(f"« {name} »" for name in names)
            raise PlanError(f"{where} : la règle « {rule} » demande {options} (un seul).")
        return given[0]

    values: dict[str, Any] = {}
    if rule == FIXED:
        name = only_one(("amount", "amount_by_year"))
        if name == "amount":
            values["amount"] = _parse_amount(raw["amount"], f"{where}, montant")
        else:
            values["amount_by_year"] = _parse_by_year(
                raw["amount_by_year"], f"{where}, montant par année", _parse_amount
            )
    elif rule == PERCENT_OF_COST:
        name = only_one(("percent", "percent_by_rank", "percent_by_year"))
        if name == "percent":
            values["percent"] = _parse_percent(raw["percent"], f"{where}, pourcentage")
        elif name == "percent_by_rank":
            ranks = raw["percent_by_rank"]
            if not isinstance(ranks, list) or not ranks:
                raise PlanError(f"{where} : « percent_by_rank » doit être une liste non vide.")
            values["percent_by_rank"] = tuple(
                _parse_percent(value, f"{where}, pourcentage de l'année de service n° {rank}")
                for rank, value in enumerate(ranks, start=1)
            )
        else:
            values["percent_by_year"] = _parse_by_year(
                raw["percent_by_year"], f"{where}, pourcentage par année", _parse_percent
            )
        if "cap" in raw:
            values["cap"] = _parse_amount(raw["cap"], f"{where}, plafond")
    elif rule == PERCENT_OF_REMAINDER:
        if "percent" not in raw:
            raise PlanError(f"{where} : la règle « {rule} » demande « percent ».")
        values["percent"] = _parse_percent(raw["percent"], f"{where}, pourcentage du reste")
    return ShareRule(rule=rule, party=party, split=split, split_by=split_by, **values)


def _parse_year_input(number: int, raw: Any, parties: set[str]) -> YearInput:
    where = f"Année n° {number}"
    if not isinstance(raw, Mapping):
        raise PlanError(f"{where} : il faut un objet JSON.")
    _check_fields(raw, {"year", "annual_cost", "months", "as_written"}, where)
    if "year" not in raw:
        raise PlanError(f"{where} : année (« year ») manquante.")
    year = _parse_year(raw["year"], where)
    where = f"Année {year}"
    try:
        return _parse_year_values(raw, year, where, parties)
    except PlanError as exc:
        raise exc.about(year=year) from None


def _parse_year_values(
    raw: Mapping[str, Any], year: int, where: str, parties: set[str]
) -> YearInput:
    if "annual_cost" not in raw:
        raise PlanError(f"{where} : coût annuel (« annual_cost ») manquant.")
    # Any number of decimals: the annual cost is only an input of the proration (an actual cost
    # brought back to a year has more than two), the year's cost is rounded to the cent.
    annual_cost = _parse_number(raw["annual_cost"], f"{where}, coût annuel")
    months = _parse_months(raw["months"], year) if "months" in raw else None
    as_written: dict[str, Decimal] = {}
    if "as_written" in raw:
        written = raw["as_written"]
        if not isinstance(written, Mapping):
            raise PlanError(f"{where} : « as_written » doit être un objet {{partie: montant}}.")
        for party, amount in written.items():
            if party not in parties:
                raise PlanError(
                    f"{where} : montant écrit pour {party}, qui n'a aucune part dans le plan."
                )
            as_written[party] = _parse_amount(amount, f"{where}, montant écrit pour {party}")
    return YearInput(year=year, annual_cost=annual_cost, months=months, as_written=as_written)


def _french_list(items: list[str]) -> str:
    """« a, b et c »: a list in a French message."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _check_period(plan: Plan) -> None:
    """The period's dates in order, and every year of the plan inside the period."""
    start, end = plan.period_start, plan.end
    if start is not None and end is not None and start > end:
        what = (
            "Le premier jour de service du poste, début de la période financée,"
            if plan.start is None
            else "La période financée"
        )
        raise PlanError(
            f"{what} commence le {_fr_date(start)}, après la fin de la période "
            f"({_fr_date(end)}) : vérifiez les dates « start » et « end »."
        )
    if plan.service_start is not None and end is not None and plan.service_start > end:
        raise PlanError(
            f"Le premier jour de service du poste ({_fr_date(plan.service_start)}) est après la "
            f"fin de la période financée ({_fr_date(end)})."
        )
    for year in plan.years:
        if (start is not None and year.year < start.year) or (
            end is not None and year.year > end.year
        ):
            raise PlanError(
                f"Année {year.year} : hors de la période financée ({_period_words(plan)}).",
                year=year.year,
            )


def _check_absorber(plan: Plan) -> None:
    """Exactly one remainder share, or (instead) a residue party that owns a share."""
    remainders = [
        (number, share) for number, share in enumerate(plan.shares) if share.rule == REMAINDER
    ]
    if plan.residue is not None:
        if remainders:
            number, share = remainders[0]
            raise PlanError(
                f"Le plan a une part au reste à charge (règle « remainder ») : part n° "
                f"{number + 1} ({share.label}), et donne les arrondis à {plan.residue} "
                "(« residue ») : c'est l'un ou l'autre. Le reste à charge absorbe déjà les "
                "arrondis ; « residue » sert quand les parts couvrent tout le coût.",
                share=number,
            )
        parties = plan_parties(plan)
        if plan.residue not in parties:
            raise PlanError(
                f"Les arrondis (« residue ») vont à {plan.residue}, qui n'a aucune part dans le "
                f"plan (parties : {', '.join(parties) or 'aucune'}) : ils vont à une partie qui "
                "finance le poste."
            )
        return
    if not remainders:
        raise PlanError(
            "Le plan n'a aucune part au reste à charge (règle « remainder ») : il en faut "
            "exactement une, celle de la partie qui paie ce que les autres ne paient pas "
            "(l'employeur) ; si les parts couvrent tout le coût (80 % et 20 %, par exemple), "
            "nommez plutôt la partie qui reçoit les arrondis (« residue »)."
        )
    if len(remainders) > 1:
        numbers = _french_list([str(number + 1) for number, _ in remainders])
        names = " ; ".join(share.label for _, share in remainders)
        raise PlanError(
            f"Le plan a {len(remainders)} parts au reste à charge (règle « remainder ») : parts n° "
            f"{numbers} ({names}) ; il en faut exactement une.",
            share=remainders[-1][0],  # the one added last, on its row
        )


def _check_plan(plan: Plan) -> None:
    """Whole-plan rules: no duplicated year, months within (0, 12], years inside the period, one
    remainder (or a residue party with a share), remainder percentages within 100 %.

    Also run by ``compute_plan``, for plans built in Python rather than parsed."""
    if not plan.years:
        raise PlanError("Le plan ne compte aucune année.")
    seen: set[int] = set()
    for year in plan.years:
        if year.year in seen:
            raise PlanError(f"Année {year.year} en double dans le plan.", year=year.year)
        seen.add(year.year)
        if year.months is not None:
            _check_months(Decimal(year.months), year.year)
    _check_period(plan)
    for number, share in enumerate(plan.shares, start=1):
        if share.rule not in RULES or not share.parties:
            raise PlanError(
                f"Part n° {number} : il faut une règle connue et une partie.", share=number - 1
            )
    _check_absorber(plan)
    of_remainder = sum(
        (share.percent or ZERO for share in plan.shares if share.rule == PERCENT_OF_REMAINDER),
        ZERO,
    )
    if of_remainder > HUNDRED:
        raise PlanError(
            f"Les parts « percent_of_remainder » totalisent {_fr_percent(of_remainder)} du reste, "
            "plus de 100 %."
        )


def parse_plan(data: Any) -> Plan:
    """Validate a plan in its JSON form and build it; raise PlanError otherwise.

    The plan is also computed once, so that a plan that parses always computes (year-dependent
    errors such as a missing ``amount_by_year`` entry or shares exceeding the cost surface here).
    A caller that computes the plan next anyway (a save, with the post's months) calls
    ``read_plan`` instead, and computes once.
    """
    plan = read_plan(data)
    compute_plan(plan)
    return plan


def read_plan(data: Any) -> Plan:
    """Validate a plan's JSON form and the rules of the whole plan (years, one remainder) and
    build it, without computing it; raise PlanError."""
    if not isinstance(data, Mapping):
        raise PlanError('Le plan doit être un objet JSON ({"years": …, "shares": …}).')
    _check_fields(data, _PLAN_FIELDS, "Le plan")
    rounding = data.get("rounding", ROUND_DOWN_TO_EURO)
    if rounding not in ROUNDINGS:
        raise PlanError(
            f"Arrondi « {rounding} » inconnu : « down » (à l'euro inférieur) "
            "ou « half_up » (à l'euro le plus proche)."
        )
    first_year = (
        _parse_year(data["first_year"], "Première année du poste (first_year)")
        if data.get("first_year") is not None
        else None
    )

    def optional_date(name: str, what: str) -> date | None:
        return _parse_date(data[name], what) if data.get(name) is not None else None

    start = optional_date("start", "Début de la période financée (start)")
    end = optional_date("end", "Fin de la période financée (end)")
    service_start = optional_date(
        "service_start", "Premier jour de service du poste (service_start)"
    )
    residue = (
        _parse_party(data["residue"], "Partie qui reçoit les arrondis (residue)")
        if data.get("residue") is not None
        else None
    )
    raw_shares = data.get("shares")
    if not isinstance(raw_shares, list):
        raise PlanError("Le plan doit avoir une liste de parts (« shares »).")
    if len(raw_shares) > MAX_SHARES:
        raise PlanError(
            f"Le plan a {len(raw_shares)} parts : {MAX_SHARES} au plus. Un plan de "
            "financement ne répartit le coût qu'entre quelques parties."
        )
    shares = []
    for number, raw in enumerate(raw_shares, start=1):
        try:
            shares.append(_parse_share(number, raw))
        except PlanError as exc:
            raise exc.about(share=number - 1) from None
    raw_years = data.get("years")
    if not isinstance(raw_years, list):
        raise PlanError("Le plan doit avoir une liste d'années (« years »).")
    if len(raw_years) > MAX_YEARS:
        raise PlanError(
            f"Le plan a {len(raw_years)} années : {MAX_YEARS} au plus. Découpez-le en "
            "plusieurs conventions (avenants, renouvellements)."
        )
    parties = {party for share in shares for party in share.parties}
    years = tuple(
        _parse_year_input(number, raw, parties) for number, raw in enumerate(raw_years, start=1)
    )
    plan = Plan(
        years=years,
        shares=tuple(shares),
        rounding=rounding,
        first_year=first_year,
        start=start,
        end=end,
        service_start=service_start,
        residue=residue,
    )
    _check_plan(plan)
    return plan


# ---------------------------------------------------------------------------------------------
# Computing


def split_by_keys(amount: Decimal, keys: Sequence[Decimal]) -> list[Decimal]:
    """Divide ``amount`` in proportion to ``keys`` by the largest-remainder method.

    The whole euros are divided: each part is rounded down to the euro, then the euros left over
    go one by one to the parts with the largest fractions (ties: the earlier part). The cents of
    ``amount`` stay with the first part. The parts add up to ``amount`` exactly. The arithmetic
    is exact: the fractions are compared as integer remainders, never as rounded quotients.
    """
    if not keys:
        raise PlanError("Répartition sans aucune clé.")
    if amount < 0:
        raise PlanError(f"Répartition d'un montant négatif ({_fr_money(amount)}).")
    if any(key < 0 for key in keys):
        raise PlanError("Répartition avec une clé négative.")
    total = sum(keys, ZERO)
    if total == 0:
        raise PlanError("Répartition dont toutes les clés sont nulles.")
    with localcontext(prec=PRECISION):
        euros = amount.to_integral_value(rounding=ROUND_FLOOR)
        cents = amount - euros
        floors: list[Decimal] = []
        remainders: list[Decimal] = []
        for key in keys:
            quotient, remainder = divmod(euros * key, total)
            floors.append(quotient)
            remainders.append(remainder)
        leftover = int(euros - sum(floors, ZERO))
        by_fraction = sorted(range(len(keys)), key=lambda i: (-remainders[i], i))
        for index in by_fraction[:leftover]:
            floors[index] += 1
        floors[0] += cents
        return [part.quantize(CENT) for part in floors]


def _year_percent(share: ShareRule, year: int, first_year: int, index: int) -> Decimal:
    """The share's percentage for a calendar year (ranks by calendar year from ``first_year``)."""
    if share.percent is not None:
        return share.percent
    if share.percent_by_rank is not None:
        rank = year - first_year + 1
        if rank < 1:
            raise PlanError(
                f"Année {year} : antérieure à la première année du poste ({first_year}), "
                f"la part de {share.label} n'a pas de rang de service.",
                share=index,
            )
        return share.percent_by_rank[min(rank, len(share.percent_by_rank)) - 1]
    if share.percent_by_year is not None:
        if year not in share.percent_by_year:
            raise PlanError(
                f"Année {year} : pas de pourcentage pour {share.label} cette année-là.",
                share=index,
            )
        return share.percent_by_year[year]
    raise PlanError(f"La part de {share.label} n'a pas de pourcentage.", share=index)


_WHOLE = Fraction(1)


def _month_weights(year: int, first: date | None, last: date | None) -> list[tuple[int, Fraction]]:
    """(month, part of it inside [first, last]) for each month of ``year`` with a day inside;
    either bound may be open. A whole month weighs 1, a part month its days inside / its days."""
    if (first is not None and first.year > year) or (last is not None and last.year < year):
        return []
    low = first.month if first is not None and first.year == year else 1
    high = last.month if last is not None and last.year == year else 12
    weights = []
    for month in range(low, high + 1):
        since = first.day if month == low and first is not None and first.year == year else 1
        days = calendar.monthrange(year, month)[1] if since > 1 or month == high else 31
        until = last.day if month == high and last is not None and last.year == year else days
        if since == 1 and until >= days:
            weights.append((month, _WHOLE))
        elif until >= since:
            weights.append((month, Fraction(until - since + 1, days)))
    return weights


def _months_from_hundredths(hundredths: int) -> Decimal:
    """955 -> Decimal('9.55'); whole months without decimals (1200 -> Decimal('12'))."""
    if hundredths % 100 == 0:
        return Decimal(hundredths // 100)
    return Decimal(hundredths).scaleb(-2)


def period_months(year: int, start: date | None, end: date | None) -> Decimal:
    """The months of ``year`` inside the period from ``start`` to ``end`` (both included, either
    open): each whole month counts 1, a part month its days inside / its days, the total
    rounded half up to two decimals. 15 March–31 December 2010: 17/31 + 9 = 9.55; 1 January–
    14 March 2013: 2 + 14/31 = 2.45; a year outside the period: 0; no bounds: 12."""
    if (start is not None and start.year > year) or (end is not None and end.year < year):
        return ZERO
    if (start is None or start <= date(year, 1, 1)) and (end is None or end >= date(year, 12, 31)):
        return TWELVE
    total = sum((weight for _, weight in _month_weights(year, start, end)), Fraction(0))
    hundredths = (total * 200 + 1) // 2  # half up to the hundredth (total >= 0)
    return _months_from_hundredths(int(hundredths))


def _months_of(plan: Plan, year: YearInput) -> Decimal:
    if year.months is not None:
        return Decimal(year.months)
    if plan.period_start is not None or plan.end is not None:
        return period_months(year.year, plan.period_start, plan.end)
    return TWELVE


def _service_months(plan: Plan, service: date, year: int) -> list[tuple[Fraction, int]]:
    """(funded fraction, service month number) of each month of ``year`` that is funded: in the
    period (``start``–``end``) and from the first day of service on. The month holding
    ``service`` is service month 1."""
    first = service if plan.start is None or plan.start < service else plan.start
    return [
        (weight, (year - service.year) * 12 + month - service.month + 1)
        for month, weight in _month_weights(year, first, plan.end)
    ]


def _service_percent(
    share: ShareRule,
    ranks: tuple[Decimal, ...],
    months: list[tuple[Fraction, int]],
    year: int,
    service: date,
    index: int,
) -> Decimal | Fraction:
    """A calendar year's rate under a schedule by year of service: the monthly rates (service
    months 1–12 rank 1, 13–24 rank 2…, the last rate repeating) averaged over the year's funded
    months, each weighted by its funded fraction. Exact: a Fraction when the rates differ."""
    if not months:
        raise PlanError(
            f"Année {year} : aucun mois de service financé cette année (premier jour de service "
            f"du poste : {_fr_date(service)}), la part de {share.label} n'a pas de rang de "
            "service.",
            share=index,
        )
    last = len(ranks) - 1
    rates = [ranks[min((number - 1) // 12, last)] for _, number in months]
    if all(rate == rates[0] for rate in rates):
        return rates[0]
    weighted = sum(
        (weight * Fraction(rate) for (weight, _), rate in zip(months, rates, strict=True)),
        Fraction(0),
    )
    return weighted / sum((weight for weight, _ in months), Fraction(0))


def _year_amount(share: ShareRule, year: int, index: int) -> Decimal:
    if share.amount is not None:
        return share.amount
    if share.amount_by_year is not None:
        if year not in share.amount_by_year:
            raise PlanError(
                f"Année {year} : pas de montant pour {share.label} cette année-là.", share=index
            )
        return share.amount_by_year[year]
    raise PlanError(f"La part de {share.label} n'a pas de montant.", share=index)


def _compute_year(plan: Plan, year: YearInput, first_year: int) -> YearResult:
    mode = _ROUNDING_MODES[plan.rounding]
    months = _months_of(plan, year)
    cost = (year.annual_cost * months / TWELVE).quantize(CENT, rounding=ROUND_HALF_UP)
    count = len(plan.shares)
    exacts: list[Decimal] = [ZERO] * count
    amounts: list[Decimal] = [ZERO] * count
    service = plan.service_start
    service_months: list[tuple[Fraction, int]] | None = None

    def settle(index: int, exact: Decimal) -> Decimal:
        exacts[index] = exact
        amounts[index] = exact.to_integral_value(rounding=mode).quantize(CENT)
        return amounts[index]

    def settle_exactly(index: int, exact: Fraction) -> Decimal:
        """A Fraction (a rate averaged over months) rounded exactly, never through a decimal
        approximation that could fall just under a whole euro."""
        exacts[index] = Decimal(exact.numerator) / Decimal(exact.denominator)
        if plan.rounding == ROUND_HALF_UP_TO_EURO:
            euros = (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)
        else:
            euros = exact.numerator // exact.denominator
        amounts[index] = Decimal(euros).quantize(CENT)
        return amounts[index]

    # First the shares that depend only on the cost, then those on what they leave.
    taken = ZERO
    for index, share in enumerate(plan.shares):
        if share.rule == FIXED:
            taken += settle(index, _year_amount(share, year.year, index) * months / TWELVE)
        elif share.rule == PERCENT_OF_COST:
            percent: Decimal | Fraction
            if share.percent_by_rank is not None and service is not None:
                if service_months is None:
                    service_months = _service_months(plan, service, year.year)
                percent = _service_percent(
                    share, share.percent_by_rank, service_months, year.year, service, index
                )
            else:
                percent = _year_percent(share, year.year, first_year, index)
            if isinstance(percent, Fraction):
                exact_fraction = Fraction(cost) * percent / 100
                if share.cap is not None:
                    exact_fraction = min(exact_fraction, Fraction(share.cap * months) / 12)
                taken += settle_exactly(index, exact_fraction)
                continue
            exact = cost * percent / HUNDRED
            if share.cap is not None:
                exact = min(exact, share.cap * months / TWELVE)
            taken += settle(index, exact)
    residue_party = plan.residue
    left = cost - taken
    if left < 0 and residue_party is None:
        _raise_exceeds(year.year, cost, taken)
    # On a residue plan the first-stage shares may overshoot the cost by their rounding.
    left = max(left, ZERO)
    for index, share in enumerate(plan.shares):
        if share.rule == PERCENT_OF_REMAINDER:
            taken += settle(
                index, left * _year_percent(share, year.year, first_year, index) / HUNDRED
            )
    remainder = cost - taken
    if residue_party is not None:
        _check_residue(plan, year.year, cost, taken)
    elif remainder < 0:
        _raise_exceeds(year.year, cost, taken)

    details: list[ShareResult] = []
    totals: dict[str, Decimal] = {}
    residue_placed = residue_party is None
    for index, share in enumerate(plan.shares):
        if share.rule == REMAINDER:
            exacts[index] = amounts[index] = remainder
        amount = amounts[index]
        if share.split:
            split = split_by_keys(amount, [part.key for part in share.split])
            parts = tuple(
                (part.party, value) for part, value in zip(share.split, split, strict=True)
            )
        else:
            parts = ((share.party or "", amount),)
        share_residue = ZERO
        if not residue_placed and residue_party in share.parties:
            # The rounding residue goes to the residue party's part of its first share (never
            # through the split: the other parties' parts stay as the keys give them).
            residue_placed = True
            share_residue = remainder
            amount += remainder
            parts = tuple(
                (party, value + remainder if party == residue_party else value)
                for party, value in parts
            )
            given = next(value for party, value in parts if party == residue_party)
            if given < 0:
                raise PlanError(
                    f"Année {year.year} : les arrondis ({_fr_money(remainder)}) rendraient "
                    f"négative la part de {residue_party} ({_fr_money(given)}) : donnez les "
                    "arrondis (« residue ») à une partie dont la part est plus grande.",
                    year=year.year,
                    share=index,
                )
        for party, value in parts:
            totals[party] = totals.get(party, ZERO) + value
        details.append(
            ShareResult(
                index=index,
                rule=share.rule,
                exact=exacts[index],
                amount=amount,
                parts=parts,
                residue=share_residue,
            )
        )
    gaps = {party: written - totals.get(party, ZERO) for party, written in year.as_written.items()}
    return YearResult(
        year=year.year,
        months=months,
        cost=cost,
        shares=totals,
        details=tuple(details),
        gaps=gaps,
        residue_party=residue_party,
        residue=remainder if residue_party is not None else ZERO,
    )


def _check_residue(plan: Plan, year: int, cost: Decimal, taken: Decimal) -> None:
    """On a residue plan, the shares must cover the cost up to their rounding: a euro per share
    at most, either way."""
    count = len(plan.shares)
    bound = Decimal(count)
    left = cost - taken
    if abs(left) <= bound:
        return
    parts = "1 part" if count == 1 else f"{count} parts"
    rounding = f"plus que les arrondis (au plus {count} € pour {parts})"
    totals = (
        f"Année {year} : les parts totalisent {_fr_money(taken)} pour un coût de {_fr_money(cost)}"
    )
    if left > 0:
        message = (
            f"{totals} : il reste {_fr_money(left)}, {rounding}. Les arrondis vont à "
            f"{plan.residue} (« residue ») mais pas ce reste : complétez les parts, ou donnez-le "
            "à une part au reste à charge (règle « remainder ») au lieu de « residue »."
        )
    else:
        message = (
            f"{totals} : elles le dépassent de {_fr_money(-left)}, {rounding}. Corrigez les "
            "parts : ensemble, elles ne peuvent pas dépasser le coût."
        )
    raise PlanError(message, year=year)


def _raise_exceeds(year: int, cost: Decimal, taken: Decimal) -> NoReturn:
    raise PlanError(
        f"Année {year} : les parts autres que le reste à charge totalisent {_fr_money(taken)}, "
        f"plus que le coût de l'année ({_fr_money(cost)}) ; le reste à charge serait négatif "
        f"({_fr_money(cost - taken)}).",
        year=year,
    )


def compute_plan(plan: Plan) -> PlanResult:
    """Compute every year of a plan (in year order); raise PlanError when a year cannot be
    computed (shares exceeding the cost, a year without amount or percentage, no remainder)."""
    _check_plan(plan)
    first_year = plan.first_year if plan.first_year is not None else min(y.year for y in plan.years)
    with localcontext(prec=PRECISION):
        results = []
        for year in plan.years:
            try:
                results.append(_compute_year(plan, year, first_year))
            except PlanError as exc:
                raise exc.about(year=year.year) from None
    results.sort(key=lambda result: result.year)
    return PlanResult(years=tuple(results))


# ---------------------------------------------------------------------------------------------
# Reading and changing a plan (pure: each returns a new Plan, the one given is left alone)


def plan_parties(plan: Plan) -> tuple[str, ...]:
    """Every party the plan names (shares and splits), once each, in the order of the shares."""
    return tuple(dict.fromkeys(party for share in plan.shares for party in share.parties))


def months_by_year(plan: Plan) -> dict[int, Decimal]:
    """The months each year funds: those stated, else the months of the plan's period inside
    the year (``period_months``), else 12."""
    return {year.year: _months_of(plan, year) for year in plan.years}


def year_months(plan: Plan, year: int) -> Decimal:
    """The months ``year`` funds (as ``months_by_year``); PlanError when the plan lacks it."""
    return _months_of(plan, _find_year(plan, year))


def stated_months(plan: Plan) -> dict[int, Decimal]:
    """The months the plan states, by year (years stating none are left out)."""
    return {year.year: Decimal(year.months) for year in plan.years if year.months is not None}


def with_months(plan: Plan, months: Mapping[int, Decimal | int]) -> Plan:
    """The plan with the months of the years in ``months`` replaced (from the post's dates and
    absences, say; ints or Decimals); the other years keep theirs."""
    years = tuple(
        replace(year, months=Decimal(months[year.year])) if year.year in months else year
        for year in plan.years
    )
    return replace(plan, years=years)


def only_years(plan: Plan, years: Collection[int]) -> Plan:
    """The plan reduced to the years in ``years`` (the others dropped)."""
    return replace(plan, years=tuple(year for year in plan.years if year.year in years))


def _find_year(plan: Plan, year: int) -> YearInput:
    for item in plan.years:
        if item.year == year:
            return item
    raise PlanError(f"L'année {year} ne figure pas dans le plan.", year=year)


def with_actual_cost(plan: Plan, year: int, actual_cost: Decimal) -> Plan:
    """The plan whose ``year`` costs ``actual_cost``, the cost of its months worked: its annual
    cost becomes actual × 12 / months (to 4 decimals), so that the year's cost, prorated back,
    is the actual cost. PlanError when the plan has no such year."""
    found = _find_year(plan, year)
    annual = (actual_cost * TWELVE / _months_of(plan, found)).quantize(Decimal("0.0001"))
    years = tuple(
        replace(item, annual_cost=annual) if item.year == year else item for item in plan.years
    )
    return replace(plan, years=years)


def full_year(plan: Plan, year: int) -> YearResult:
    """``year`` computed over twelve months: each party's share before proration ("14 000 €"
    a year, where a post starting in September receives 4 666 €). The post's rank (degressive
    schedules) still counts from the plan's first year.

    The period no longer bounds the year (all twelve months, at 12/12 of the annual cost).
    With ``service_start``, ranks are still counted by month of service: the year's rate is
    the average over its months of service (those before the first day of service have no rank
    and are left out of the average), applied to the twelve months' cost. A post starting on
    1 September 2022 at 80/50/30 % of 45 000 €: 2022 gives 36 000 € (80 %; 12 000 € for the
    four months funded), 2023 gives 31 500 € (70 %)."""
    found = _find_year(plan, year)
    first = plan.first_year if plan.first_year is not None else min(y.year for y in plan.years)
    bounded = plan.period_start is not None or plan.end is not None
    one = replace(
        plan,
        years=(replace(found, months=TWELVE),),
        first_year=first,
        start=date(year, 1, 1) if bounded else None,
        end=None,
    )
    return compute_plan(one).years[0]


def shifted(plan: Plan, *, shift: int, last_year: int | None = None) -> Plan:
    """The plan moved by ``shift`` years (a renewal): amounts and percentages given by year move
    with their years, the amounts the renewed act wrote (``as_written``) are not carried, and
    only the years up to ``last_year`` are kept (all of them if that would keep none). The
    post's rank keeps counting from ``first_year`` when the plan states it, and from
    ``service_start`` (which does not move: the post keeps its service); the period
    (``start``, ``end``) moves with the years (29 February becomes the 28th)."""
    years = tuple(replace(y, year=y.year + shift, as_written={}) for y in plan.years)
    kept = tuple(y for y in years if last_year is None or y.year <= last_year)

    def moved(values: Mapping[int, Decimal] | None) -> Mapping[int, Decimal] | None:
        return {y + shift: v for y, v in values.items()} if values is not None else None

    shares = tuple(
        replace(
            share,
            amount_by_year=moved(share.amount_by_year),
            percent_by_year=moved(share.percent_by_year),
        )
        for share in plan.shares
    )
    return replace(
        plan,
        years=kept or years,
        shares=shares,
        start=_shift_date(plan.start, shift),
        end=_shift_date(plan.end, shift),
    )


def _shift_date(value: date | None, shift: int) -> date | None:
    if value is None:
        return None
    year = value.year + shift
    return value.replace(year=year, day=min(value.day, calendar.monthrange(year, value.month)[1]))


def written_gaps_only(plan: Plan, result: PlanResult) -> Plan:
    """The plan keeping, of the amounts its act wrote, only those that differ from ``result``
    (the plan as computed): the gaps a source left, still worth showing. An avenant starts from
    its parent's plan this way, so that an amount it changes is never flagged against the
    parent's figure."""
    years = []
    for year in plan.years:
        gaps = result.year(year.year).gaps if year.as_written else {}
        written = {party: amount for party, amount in year.as_written.items() if gaps.get(party)}
        years.append(replace(year, as_written=written))
    return replace(plan, years=tuple(years))


def truncated(plan: Plan, months_due: Mapping[int, Decimal | int]) -> Plan:
    """The plan of a convention that ends early: only the years with months still due
    (``months_due``: year → months, a year absent or at 0 is dropped); a year whose months drop
    states its new months and loses the amounts its act wrote (they no longer apply). The
    period is left as it is (a shorter ``end`` is the caller's to set)."""
    years = []
    for year in plan.years:
        months = Decimal(months_due.get(year.year, 0))
        if months <= 0:
            continue
        if months != _months_of(plan, year):
            year = replace(year, months=months, as_written={})
        years.append(year)
    return replace(plan, years=tuple(years))


# ---------------------------------------------------------------------------------------------
# JSON form


def _share_to_dict(share: ShareRule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if share.split:
        out["split"] = [{"party": part.party, "key": _plain(part.key)} for part in share.split]
        if share.split_by != SPLIT_BY_WEIGHT:
            out["split_by"] = share.split_by
    else:
        out["party"] = share.party
    out["rule"] = share.rule
    if share.amount is not None:
        out["amount"] = _plain(share.amount)
    if share.amount_by_year is not None:
        out["amount_by_year"] = {str(y): _plain(v) for y, v in share.amount_by_year.items()}
    if share.percent is not None:
        out["percent"] = _plain(share.percent)
    if share.percent_by_rank is not None:
        out["percent_by_rank"] = [_plain(value) for value in share.percent_by_rank]
    if share.percent_by_year is not None:
        out["percent_by_year"] = {str(y): _plain(v) for y, v in share.percent_by_year.items()}
    if share.cap is not None:
        out["cap"] = _plain(share.cap)
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan's JSON form (amounts as decimal strings); ``parse_plan`` reads it back equal."""
    out: dict[str, Any] = {"rounding": plan.rounding}
    if plan.first_year is not None:
        out["first_year"] = plan.first_year
    for name, value in (
        ("start", plan.start),
        ("end", plan.end),
        ("service_start", plan.service_start),
    ):
        if value is not None:
            out[name] = value.isoformat()
    if plan.residue is not None:
        out["residue"] = plan.residue
    years = []
    for year in plan.years:
        item: dict[str, Any] = {"year": year.year, "annual_cost": _plain(year.annual_cost)}
        if year.months is not None:
            item["months"] = _months_json(Decimal(year.months))
        if year.as_written:
            item["as_written"] = {party: _plain(v) for party, v in year.as_written.items()}
        years.append(item)
    out["years"] = years
    out["shares"] = [_share_to_dict(share) for share in plan.shares]
    return out


def _months_json(months: Decimal) -> int | str:
    """Whole months as an int (the JSON already stored stays as it is), part months as a
    decimal string ("9.55")."""
    if months == months.to_integral_value():
        return int(months)
    return _plain(months.normalize())


def _money(value: Decimal) -> str:
    return _plain(value.quantize(CENT))


def result_to_dict(result: PlanResult) -> dict[str, Any]:
    """``{"years": [{"year", "cost", "shares": {party: amount}}]}``, amounts as strings with two
    decimals; a year with ``as_written`` amounts also gets ``"gaps": {party: written - computed}``.
    """
    years = []
    for year in result.years:
        item: dict[str, Any] = {
            "year": year.year,
            "cost": _money(year.cost),
            "shares": {party: _money(amount) for party, amount in year.shares.items()},
        }
        if year.gaps:
            item["gaps"] = {party: _money(gap) for party, gap in year.gaps.items()}
        years.append(item)
    return {"years": years}
