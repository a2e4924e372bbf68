"""Financing engine: how a post's yearly cost is shared between its co-funders, exact to the euro.

Pure Python (no Django, no database) so that the app, the ``financing`` command and the benchmark
all use one implementation. The rules and worked examples are in ``docs/financing.md``.

A plan gives, for each budget year, the post's annual cost and the months funded, and a list of
shares, each with a rule (``fixed``, ``percent_of_cost``, ``percent_of_remainder``,
``remainder``), owned by one party or split between several parties by keys. Every share but the
remainder is rounded to the whole euro; the single ``remainder`` share absorbs the difference, so
the shares add up to the year's cost exactly. All money is ``Decimal``.

A party may own several shares (Quimper: the Département takes 30 % of the remainder and, as
employer, the remainder itself). ``YearResult.shares`` then holds the sum of its amounts;
``YearResult.details`` keeps them share by share.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Any, NoReturn

__all__ = [
    "FIXED",
    "PERCENT_OF_COST",
    "PERCENT_OF_REMAINDER",
    "REMAINDER",
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
]

FIXED = "fixed"
PERCENT_OF_COST = "percent_of_cost"
PERCENT_OF_REMAINDER = "percent_of_remainder"
REMAINDER = "remainder"
RULES = (FIXED, PERCENT_OF_COST, PERCENT_OF_REMAINDER, REMAINDER)

ROUND_DOWN_TO_EURO = "down"
ROUND_HALF_UP_TO_EURO = "half_up"
ROUNDINGS = (ROUND_DOWN_TO_EURO, ROUND_HALF_UP_TO_EURO)

#: Split keys are weights by default (equal keys "1", populations, percentages); with
#: ``"split_by": "percent"`` each key must lie in 0–100 and the keys must total exactly 100.
SPLIT_BY_WEIGHT = "weight"
SPLIT_BY_PERCENT = "percent"
SPLIT_BYS = (SPLIT_BY_WEIGHT, SPLIT_BY_PERCENT)

CENT = Decimal("0.01")
EURO = Decimal(1)
HUNDRED = Decimal(100)
TWELVE = Decimal(12)
ZERO = Decimal(0)
#: Sanity bound on any amount: larger figures are typing mistakes, not ISCG posts.
MAX_AMOUNT = Decimal(10) ** 12
#: Enough digits for exact products of amounts and keys (28, the default, would also do).
PRECISION = 40

_ROUNDING_MODES = {ROUND_DOWN_TO_EURO: ROUND_FLOOR, ROUND_HALF_UP_TO_EURO: ROUND_HALF_UP}
_NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?")
_YEAR_RE = re.compile(r"\d{4}")
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
    #: ``None``: not stated, 12 unless the post's dates say otherwise (``with_months``).
    months: int | None = None
    as_written: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def funded_months(self) -> int:
        """The months the year funds: those stated, else 12."""
        return self.months if self.months is not None else 12


@dataclass(frozen=True)
class Plan:
    """A post's financing plan. ``first_year`` is the post's first year of service (rank 1 of
    ``percent_by_rank``); when absent, the plan's earliest year is used."""

    years: tuple[YearInput, ...]
    shares: tuple[ShareRule, ...]
    rounding: str = ROUND_DOWN_TO_EURO
    first_year: int | None = None


@dataclass(frozen=True)
class ShareResult:
    """One share of one year: its exact (unrounded) value, its amount, and the amount per party.

    ``index`` is the share's position in ``Plan.shares``. For the remainder, ``exact`` equals
    ``amount``. ``parts`` has one entry per party of a split, or one entry for a single party.
    """

    index: int
    rule: str
    exact: Decimal
    amount: Decimal
    parts: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class YearResult:
    """One year computed. ``shares`` sums each party's amounts over all its shares (in the order
    parties first appear in the plan); ``gaps`` gives, for each party of ``as_written``, the
    written amount minus the computed one (positive: the source asks more than the plan gives)."""

    year: int
    months: int
    cost: Decimal
    shares: Mapping[str, Decimal]
    details: tuple[ShareResult, ...]
    gaps: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def remainder(self) -> ShareResult:
        """The remainder share ("reste à charge"), to show it as such."""
        return next(detail for detail in self.details if detail.rule == REMAINDER)


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


# ---------------------------------------------------------------------------------------------
# Parsing


def _parse_number(value: Any, what: str) -> Decimal:
    """A non-negative finite Decimal from an int, a decimal string, a Decimal or a float.

    Floats go through ``str`` so that 0.1 stays 0.1; booleans are refused although Python
    counts them as ints.
    """
    if isinstance(value, bool):
        raise PlanError(f"{what} : « {str(value).lower()} » n'est pas un nombre.")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER_RE.fullmatch(text):
            raise PlanError(
                f"{what} : « {value} » n'est pas un nombre (écrire par exemple 14000 ou 81.32)."
            )
        number = Decimal(text)
    else:
        raise PlanError(f"{what} : « {value} » n'est pas un nombre.")
    if not number.is_finite():
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


def _parse_months(value: Any, year: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"Année {year} : mois financés « {value} », il faut un nombre entier.")
    if not 1 <= value <= 12:
        raise PlanError(f"Année {year} : {value} mois financés, il en faut entre 1 et 12.")
    return value


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
        raise PlanError(f"{where} : champ(s) inattendu(s) {names} (champs possibles : {expected}).")


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
            f"{where} : « split_by » vaut « weight » ou « percent », pas « {split_by} »."
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


def _check_plan(plan: Plan) -> None:
    """Whole-plan rules: one remainder, no duplicated year, remainder percentages within 100 %.

    Also run by ``compute_plan``, for plans built in Python rather than parsed."""
    if not plan.years:
        raise PlanError("Le plan ne compte aucune année.")
    seen: set[int] = set()
    for year in plan.years:
        if year.year in seen:
            raise PlanError(f"Année {year.year} en double dans le plan.", year=year.year)
        seen.add(year.year)
    for number, share in enumerate(plan.shares, start=1):
        if share.rule not in RULES or not share.parties:
            raise PlanError(
                f"Part n° {number} : il faut une règle connue et une partie.", share=number - 1
            )
    remainders = [
        (number, share) for number, share in enumerate(plan.shares) if share.rule == REMAINDER
    ]
    if not remainders:
        raise PlanError(
            "Le plan n'a aucune part au reste à charge (règle « remainder ») : il en faut "
            "exactement une, celle de la partie qui paie ce que les autres ne paient pas "
            "(l'employeur)."
        )
    if len(remainders) > 1:
        numbers = _french_list([str(number + 1) for number, _ in remainders])
        names = " ; ".join(share.label for _, share in remainders)
        raise PlanError(
            f"Le plan a {len(remainders)} parts au reste à charge (règle « remainder ») : parts n° "
            f"{numbers} ({names}) ; il en faut exactement une.",
            share=remainders[-1][0],  # the one added last, on its row
        )
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
    _check_fields(data, {"rounding", "first_year", "years", "shares"}, "Le plan")
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
    raw_shares = data.get("shares")
    if not isinstance(raw_shares, list):
        raise PlanError("Le plan doit avoir une liste de parts (« shares »).")
    shares = []
    for number, raw in enumerate(raw_shares, start=1):
        try:
            shares.append(_parse_share(number, raw))
        except PlanError as exc:
            raise exc.about(share=number - 1) from None
    raw_years = data.get("years")
    if not isinstance(raw_years, list):
        raise PlanError("Le plan doit avoir une liste d'années (« years »).")
    parties = {party for share in shares for party in share.parties}
    years = tuple(
        _parse_year_input(number, raw, parties) for number, raw in enumerate(raw_years, start=1)
    )
    plan = Plan(years=years, shares=tuple(shares), rounding=rounding, first_year=first_year)
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
    months = Decimal(year.funded_months)
    cost = (year.annual_cost * months / TWELVE).quantize(CENT, rounding=ROUND_HALF_UP)
    count = len(plan.shares)
    exacts: list[Decimal] = [ZERO] * count
    amounts: list[Decimal] = [ZERO] * count

    def settle(index: int, exact: Decimal) -> Decimal:
        exacts[index] = exact
        amounts[index] = exact.to_integral_value(rounding=mode).quantize(CENT)
        return amounts[index]

    # First the shares that depend only on the cost, then those on what they leave.
    taken = ZERO
    for index, share in enumerate(plan.shares):
        if share.rule == FIXED:
            taken += settle(index, _year_amount(share, year.year, index) * months / TWELVE)
        elif share.rule == PERCENT_OF_COST:
            exact = cost * _year_percent(share, year.year, first_year, index) / HUNDRED
            if share.cap is not None:
                exact = min(exact, share.cap * months / TWELVE)
            taken += settle(index, exact)
    left = cost - taken
    if left < 0:
        _raise_exceeds(year.year, cost, taken)
    for index, share in enumerate(plan.shares):
        if share.rule == PERCENT_OF_REMAINDER:
            taken += settle(
                index, left * _year_percent(share, year.year, first_year, index) / HUNDRED
            )
    remainder = cost - taken
    if remainder < 0:
        _raise_exceeds(year.year, cost, taken)

    details: list[ShareResult] = []
    totals: dict[str, Decimal] = {}
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
        for party, value in parts:
            totals[party] = totals.get(party, ZERO) + value
        details.append(
            ShareResult(
                index=index, rule=share.rule, exact=exacts[index], amount=amount, parts=parts
            )
        )
    gaps = {party: written - totals.get(party, ZERO) for party, written in year.as_written.items()}
    return YearResult(
        year=year.year,
        months=year.funded_months,
        cost=cost,
        shares=totals,
        details=tuple(details),
        gaps=gaps,
    )


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


def months_by_year(plan: Plan) -> dict[int, int]:
    """The months each year funds (12 where the plan states none)."""
    return {year.year: year.funded_months for year in plan.years}


def stated_months(plan: Plan) -> dict[int, int]:
    """The months the plan states, by year (years stating none are left out)."""
    return {year.year: year.months for year in plan.years if year.months is not None}


def with_months(plan: Plan, months: Mapping[int, int]) -> Plan:
    """The plan with the months of the years in ``months`` replaced (from the post's dates and
    absences, say); the other years keep theirs."""
    years = tuple(
        replace(year, months=months[year.year]) if year.year in months else year
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
    annual = (actual_cost * TWELVE / found.funded_months).quantize(Decimal("0.0001"))
    years = tuple(
        replace(item, annual_cost=annual) if item.year == year else item for item in plan.years
    )
    return replace(plan, years=years)


def full_year(plan: Plan, year: int) -> YearResult:
    """``year`` computed over twelve months: each party's share before proration ("14 000 €"
    a year, where a post starting in September receives 4 666 €). The post's rank (degressive
    schedules) still counts from the plan's first year."""
    found = _find_year(plan, year)
    first = plan.first_year if plan.first_year is not None else min(y.year for y in plan.years)
    one = replace(plan, years=(replace(found, months=12),), first_year=first)
    return compute_plan(one).years[0]


def shifted(plan: Plan, *, shift: int, last_year: int | None = None) -> Plan:
    """The plan moved by ``shift`` years (a renewal): amounts and percentages given by year move
    with their years, the amounts the renewed act wrote (``as_written``) are not carried, and
    only the years up to ``last_year`` are kept (all of them if that would keep none). The
    post's rank keeps counting from ``first_year`` when the plan states it."""
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
    return replace(plan, years=kept or years, shares=shares)


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


def truncated(plan: Plan, months_due: Mapping[int, int]) -> Plan:
    """The plan of a convention that ends early: only the years with months still due
    (``months_due``: year → months, a year absent or at 0 is dropped); a year whose months drop
    states its new months and loses the amounts its act wrote (they no longer apply)."""
    years = []
    for year in plan.years:
        months = months_due.get(year.year, 0)
        if months <= 0:
            continue
        if months != year.funded_months:
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
    years = []
    for year in plan.years:
        item: dict[str, Any] = {"year": year.year, "annual_cost": _plain(year.annual_cost)}
        if year.months is not None:
            item["months"] = year.months
        if year.as_written:
            item["as_written"] = {party: _plain(v) for party, v in year.as_written.items()}
        years.append(item)
    out["years"] = years
    out["shares"] = [_share_to_dict(share) for share in plan.shares]
    return out


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
