"""Properties of the engine on random plans with the rules of the acts (hypothesis, no database):
part months, funded periods, a first day of service, shares covering the cost with a residue.

For every plan: the shares add up to the cost exactly, no part is negative, the parts of a split
add up to the share; the months of a year without stated months are the period's, counted in
days; a schedule by year of service gives each share within a euro of its exact value, both
recomputed here day by day, independently of the engine; the JSON form reads back equal.
"""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from financing.engine import PlanError, compute_plan, parse_plan, plan_to_dict

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PARTIES = ["etat", "departement", "cc-a", "cc-b", "cc-c", "commune"]
CENT = Decimal("0.01")


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low * 100, high * 100).map(lambda c: Decimal(c) / 100)


def dates(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda days: first + timedelta(days=days))


@st.composite
def payers(draw) -> dict:
    if draw(st.booleans()):
        return {"party": draw(st.sampled_from(PARTIES))}
    parties = draw(st.lists(st.sampled_from(PARTIES), min_size=1, max_size=4, unique=True))
    keys = draw(st.lists(st.integers(1, 1000), min_size=len(parties), max_size=len(parties)))
    return {"split": [{"party": p, "key": str(k)} for p, k in zip(parties, keys, strict=True)]}


def parties_of(share: dict) -> list[str]:
    return [part["party"] for part in share["split"]] if "split" in share else [share["party"]]


@st.composite
def dated_plans(draw) -> dict:
    """A plan with optional period and first day of service, some part months, and either a
    remainder share or shares covering the cost and a residue party."""
    first_year = draw(st.integers(2000, 2030))
    count = draw(st.integers(1, 4))
    last_year = first_year + count - 1
    data: dict = {"rounding": draw(st.sampled_from(["down", "half_up"]))}
    start = draw(st.none() | dates(date(first_year - 2, 1, 1), date(first_year, 12, 31)))
    # Mostly within the last year: a part month at the end, where a rank may change.
    end = draw(
        st.none()
        | dates(date(last_year, 1, 1), date(last_year, 12, 31))
        | dates(date(last_year, 1, 1), date(last_year + 2, 12, 31))
    )
    service = draw(
        st.none()
        | dates(date(first_year - 1, 1, 1), date(last_year, 12, 31))
        | dates(date(first_year - 3, 1, 1), date(last_year, 12, 31))
    )
    if start is None and service is not None:
        assume(service.year <= first_year)
    if service is not None and end is not None:
        assume(service <= end)
    if start is not None and end is not None:
        assume(start <= end)  # a period ending before it starts is refused (unit-tested)
    for name, value in (("start", start), ("end", end), ("service_start", service)):
        if value is not None:
            data[name] = value.isoformat()
    data["years"] = [
        {"year": first_year + offset, "annual_cost": str(draw(cents(1_000, 200_000)))}
        | (
            {"months": draw(st.sampled_from(["12", 12, "9.55", "0.5", "6", "11.99"]) | months)}
            if draw(st.booleans())
            else {}
        )
        for offset in range(count)
    ]
    if draw(st.booleans()):
        data["shares"] = draw(residue_shares(data))
        data["residue"] = draw(st.sampled_from([p for s in data["shares"] for p in parties_of(s)]))
    else:
        data["shares"] = draw(remainder_shares(data))
    return data


months = st.integers(1, 1200).map(lambda hundredths: str(Decimal(hundredths) / 100))


def rank_percents(high: int) -> st.SearchStrategy[list[str]]:
    """A schedule by year of service: two to four rates (the last repeats)."""
    rate = st.integers(0, high * 100).map(lambda c: str(Decimal(c) / 100))
    return st.lists(rate, min_size=2, max_size=4)


@st.composite
def residue_shares(draw, data: dict) -> list[dict]:
    """Shares covering the cost: percentages of the cost adding up to 100 %, or first-stage
    shares (small fixed amounts, a schedule by year of service) then 100 % of what they leave."""
    if draw(st.booleans()):
        cuts = sorted(draw(st.lists(st.integers(0, 10_000), max_size=3)))
        bounds = [0, *cuts, 10_000]
        return [
            draw(payers()) | {"rule": "percent_of_cost", "percent": str(Decimal(high - low) / 100)}
            for low, high in zip(bounds, bounds[1:], strict=False)
        ]
    smallest = min(Decimal(y["annual_cost"]) for y in data["years"])
    shares = [
        draw(payers()) | {"rule": "fixed", "amount": str(draw(cents(0, int(smallest / 4))))},
        draw(payers()) | {"rule": "percent_of_cost", "percent_by_rank": draw(rank_percents(50))},
    ]
    shares = draw(st.permutations(shares))[: draw(st.integers(1, 2))]
    return [*shares, draw(payers()) | {"rule": "percent_of_remainder", "percent": "100"}]


@st.composite
def remainder_shares(draw, data: dict) -> list[dict]:
    smallest = min(Decimal(y["annual_cost"]) for y in data["years"])
    shares = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["fixed", "percent", "by_rank", "cap"]))
        share = draw(payers())
        if kind == "fixed":
            share |= {"rule": "fixed", "amount": str(draw(cents(0, int(smallest / 4))))}
        elif kind == "percent":
            share |= {"rule": "percent_of_cost", "percent": "25"}
        elif kind == "by_rank":
            share |= {
                "rule": "percent_of_cost",
                "percent_by_rank": draw(rank_percents(25)),
            }
        else:
            share |= {
                "rule": "percent_of_cost",
                "percent_by_rank": draw(rank_percents(100)),
                "cap": str(draw(cents(0, int(smallest / 4)))),
            }
        shares.append(share)
    if draw(st.booleans()):
        shares.append(draw(payers()) | {"rule": "percent_of_remainder", "percent": "40"})
    shares.insert(draw(st.integers(0, len(shares))), draw(payers()) | {"rule": "remainder"})
    return shares


# --- Oracles, day by day ----------------------------------------------------------------------


def funded_days(data: dict, year: int, *, service_only: bool):
    """Each day of ``year`` inside the period (and, with ``service_only``, from the first day
    of service on), with the weight of one day of its month."""
    start = date.fromisoformat(data["start"]) if "start" in data else None
    service = date.fromisoformat(data["service_start"]) if "service_start" in data else None
    end = date.fromisoformat(data["end"]) if "end" in data else None
    first = start if start is not None else service
    if service_only and service is not None and (first is None or service > first):
        first = service
    day = date(year, 1, 1)
    while day.year == year:
        if (first is None or day >= first) and (end is None or day <= end):
            yield day, Fraction(1, calendar.monthrange(day.year, day.month)[1])
        day += timedelta(days=1)


def expected_months(data: dict, year: dict) -> Decimal:
    if "months" in year:
        return Decimal(str(year["months"]))
    total = sum((w for _, w in funded_days(data, year["year"], service_only=False)), Fraction(0))
    return (Decimal(total.numerator) / Decimal(total.denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def service_rate(data: dict, ranks: list[str], year: int) -> Fraction:
    service = date.fromisoformat(data["service_start"])
    weighted = total = Fraction(0)
    for day, weight in funded_days(data, year, service_only=True):
        number = (day.year - service.year) * 12 + day.month - service.month  # from 0
        weighted += weight * Fraction(ranks[min(number // 12, len(ranks) - 1)])
        total += weight
    assert total > 0
    return weighted / total


@SETTINGS
@given(dated_plans())
def test_dated_plans_add_up_exactly_and_follow_the_days(data):
    try:
        plan = parse_plan(data)
    except PlanError as error:
        message = str(error)
        # What may legitimately be refused: a year entirely before the first day of service
        # under a schedule by year of service; half-up rounding pushing shares over a tiny cost
        # or the residue making a near-zero part negative.
        assert (
            "n'a pas de rang de service" in message
            or "serait négatif" in message
            or "rendraient négative" in message
        ), message
        assume(False)
    result = compute_plan(plan)
    count = len(data["shares"])
    for year in data["years"]:
        computed = result.year(year["year"])
        months = expected_months(data, year)
        assert computed.months == months
        cost = (Decimal(year["annual_cost"]) * months / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        assert computed.cost == cost
        assert sum(computed.shares.values()) == cost
        assert sum(detail.amount for detail in computed.details) == cost
        if "residue" in data:
            assert computed.residue_party == data["residue"]
            assert abs(computed.residue) <= count
            assert computed.absorbing_parties == (data["residue"],)
            assert sum(d.residue for d in computed.details) == computed.residue
        else:
            assert computed.residue == 0 and computed.has_remainder
        for share, detail in zip(data["shares"], computed.details, strict=True):
            assert sum(amount for _, amount in detail.parts) == detail.amount
            assert all(amount >= 0 for _, amount in detail.parts)
            assert [party for party, _ in detail.parts] == parties_of(share)
            if "percent_by_rank" not in share or "service_start" not in data:
                continue
            exact = Fraction(cost) * service_rate(data, share["percent_by_rank"], year["year"])
            exact /= 100
            if "cap" in share:
                exact = min(exact, Fraction(Decimal(share["cap"]) * months) / 12)
            rounded = Fraction(detail.amount - detail.residue)
            if data["rounding"] == "down":
                assert rounded <= exact < rounded + 1
            else:
                assert abs(rounded - exact) <= Fraction(1, 2)


@SETTINGS
@given(dated_plans())
def test_dated_plans_round_trip(data):
    try:
        plan = parse_plan(data)
    except PlanError:
        assume(False)
    written = plan_to_dict(plan)
    assert parse_plan(written) == plan
    assert plan_to_dict(parse_plan(written)) == written
    for year in written["years"]:
        if "months" in year:
            assert isinstance(year["months"], int) or "." in year["months"]
