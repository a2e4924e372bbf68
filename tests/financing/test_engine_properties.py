"""Properties of the financing engine on random valid plans (hypothesis, no database).

For every plan: the shares add up to the cost exactly, none is negative, every share but the
remainder is less than 1 € from its exact value (recomputed here independently of the engine),
and the parts of a split add up to the split share.
"""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from financing.engine import (
    PlanError,
    compute_plan,
    parse_plan,
    plan_to_dict,
    split_by_keys,
)

# The project's autouse fixtures (settings, tmp_path) do not matter to these pure functions.
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

PARTIES = ["etat", "departement", "epci-a", "epci-b", "commune", "employeur"]
ONE = Decimal(1)


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Money between low and high euros, to the cent."""
    return st.integers(low * 100, high * 100).map(lambda c: Decimal(c) / 100)


def percents(high: int) -> st.SearchStrategy[Decimal]:
    """A percentage from 0 to ``high``, with up to two decimals."""
    return st.integers(0, high * 100).map(lambda c: Decimal(c) / 100)


keys = st.one_of(
    st.integers(0, 200_000).map(Decimal),  # populations
    st.integers(0, 10_000).map(lambda c: Decimal(c) / 100),  # percentages as weights
)


@st.composite
def payers(draw) -> dict:
    """Either one party or a split between up to four distinct parties."""
    if draw(st.booleans()):
        return {"party": draw(st.sampled_from(PARTIES))}
    parties = draw(st.lists(st.sampled_from(PARTIES), min_size=1, max_size=4, unique=True))
    split_keys = draw(st.lists(keys, min_size=len(parties), max_size=len(parties)))
    assume(sum(split_keys) > 0)
    return {
        "split": [{"party": p, "key": str(k)} for p, k in zip(parties, split_keys, strict=True)]
    }


@st.composite
def plans(draw) -> dict:
    """A valid plan: the first-stage shares (fixed, percent_of_cost) each take at most
    1 / (n + 1) of the smallest annual cost, the percent_of_remainder shares at most 100 %."""
    first_year = draw(st.integers(2000, 2030))
    count = draw(st.integers(1, 4))
    years = [
        {
            "year": first_year + offset,
            "annual_cost": str(draw(cents(100, 200_000))),
            "months": draw(st.integers(1, 12)),
        }
        for offset in range(count)
    ]
    smallest = min(Decimal(y["annual_cost"]) for y in years)
    stage_one = draw(st.integers(0, 4))
    budget = smallest / (stage_one + 1)
    most = int(budget)
    shares = []
    for _ in range(stage_one):
        kind = draw(st.sampled_from(["amount", "amount_by_year", "percent", "by_rank", "cap"]))
        share = draw(payers())
        if kind == "amount":
            share |= {"rule": "fixed", "amount": str(draw(cents(0, most)))}
        elif kind == "amount_by_year":
            share |= {
                "rule": "fixed",
                "amount_by_year": {str(y["year"]): str(draw(cents(0, most))) for y in years},
            }
        elif kind == "percent":
            share |= {
                "rule": "percent_of_cost",
                "percent": str(draw(percents(100 // (stage_one + 1)))),
            }
        elif kind == "by_rank":
            ranks = draw(st.lists(percents(100 // (stage_one + 1)), min_size=1, max_size=5))
            share |= {"rule": "percent_of_cost", "percent_by_rank": [str(p) for p in ranks]}
        else:
            share |= {
                "rule": "percent_of_cost",
                "percent": str(draw(percents(100))),
                "cap": str(draw(cents(0, most))),
            }
        shares.append(share)
    of_remainder = draw(st.lists(st.integers(0, 10_000), max_size=3))
    scale = max(sum(of_remainder), 10_000)
    for weight in of_remainder:
        percent = Decimal(weight * 10_000 // scale) / 100
        shares.append(draw(payers()) | {"rule": "percent_of_remainder", "percent": str(percent)})
    position = draw(st.integers(0, len(shares)))
    shares.insert(position, draw(payers()) | {"rule": "remainder"})
    return {
        "rounding": draw(st.sampled_from(["down", "half_up"])),
        "first_year": first_year,
        "years": years,
        "shares": shares,
    }


def exact_values(data: dict, year: dict, cost: Decimal, amounts: list[Decimal]) -> list:
    """Each share's exact value, from the plan's own figures (None for the remainder)."""
    months = Decimal(year["months"])
    exact: list[Decimal | None] = []
    for share in data["shares"]:
        rule = share["rule"]
        if rule == "fixed":
            base = share.get("amount") or share["amount_by_year"][str(year["year"])]
            exact.append(Decimal(base) * months / 12)
        elif rule == "percent_of_cost":
            if "percent_by_rank" in share:
                ranks = share["percent_by_rank"]
                rank = year["year"] - data["first_year"] + 1
                percent = Decimal(ranks[min(rank, len(ranks)) - 1])
            else:
                percent = Decimal(share["percent"])
            value = cost * percent / 100
            if "cap" in share:
                value = min(value, Decimal(share["cap"]) * months / 12)
            exact.append(value)
        else:
            exact.append(None)
    first_stage = sum(
        (
            a
            for a, s in zip(amounts, data["shares"], strict=True)
            if s["rule"] in ("fixed", "percent_of_cost")
        ),
        Decimal(0),
    )
    for index, share in enumerate(data["shares"]):
        if share["rule"] == "percent_of_remainder":
            exact[index] = (cost - first_stage) * Decimal(share["percent"]) / 100
    return exact


@SETTINGS
@given(plans())
def test_shares_add_up_and_stay_within_a_euro(data):
    try:
        plan = parse_plan(data)
    except PlanError as error:
        # Only half-up rounding can push the shares a few euros over a tiny cost.
        assert data["rounding"] == "half_up", str(error)
        assert "serait négatif" in str(error)
        assume(False)
    result = compute_plan(plan)
    assert [y.year for y in result.years] == sorted(y["year"] for y in data["years"])
    for year in data["years"]:
        computed = result.year(year["year"])
        cost = (Decimal(year["annual_cost"]) * year["months"] / 12).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert computed.cost == cost
        assert sum(computed.shares.values()) == cost
        assert sum(detail.amount for detail in computed.details) == cost
        assert all(amount >= 0 for amount in computed.shares.values())
        amounts = [detail.amount for detail in computed.details]
        exact = exact_values(data, year, cost, amounts)
        for share, detail, value in zip(data["shares"], computed.details, exact, strict=True):
            assert detail.amount >= 0
            assert sum(amount for _, amount in detail.parts) == detail.amount
            assert all(amount >= 0 for _, amount in detail.parts)
            assert [party for party, _ in detail.parts] == (
                [p["party"] for p in share["split"]] if "split" in share else [share["party"]]
            )
            if value is None:
                continue
            assert detail.amount == detail.amount.to_integral_value()
            assert abs(detail.amount - value) < ONE
            if data["rounding"] == "down":
                assert detail.amount <= value
            else:
                assert abs(detail.amount - value) <= Decimal("0.5")


@SETTINGS
@given(plans())
def test_plans_round_trip(data):
    try:
        plan = parse_plan(data)
    except PlanError:
        assume(False)
    assert parse_plan(plan_to_dict(plan)) == plan


@SETTINGS
@given(
    cents(0, 1_000_000),
    st.lists(keys, min_size=1, max_size=6).filter(lambda k: sum(k) > 0),
)
# Three exactly equal remainders: the tie goes to the first part.
@example(Decimal("20971"), [Decimal("1"), Decimal("1"), Decimal("0.01")])
def test_split_by_keys_largest_remainder(amount, split_keys):
    parts = split_by_keys(amount, split_keys)
    assert sum(parts) == amount
    assert all(part >= 0 for part in parts)
    euros = amount.to_integral_value(rounding=ROUND_FLOOR)
    whole = [parts[0] - (amount - euros), *parts[1:]]
    assert all(part == part.to_integral_value() for part in whole)
    total = sum(Fraction(key) for key in split_keys)
    # Exact quotas (Fraction): 28-digit decimals would make equal thirds look unequal.
    quotas = [Fraction(euros) * Fraction(key) / total for key in split_keys]
    # Each part is its quota rounded down, or up by the one euro it was given.
    for part, quota in zip(whole, quotas, strict=True):
        assert 0 <= Fraction(part) - int(quota) <= 1
    # The euros went to the largest fractions: no part left without one has a larger fraction.
    given_euro = [Fraction(part) - int(q) == 1 for part, q in zip(whole, quotas, strict=True)]
    fractions = [q - int(q) for q in quotas]
    if any(given_euro):
        smallest_given = min(f for f, g in zip(fractions, given_euro, strict=True) if g)
        assert all(f <= smallest_given for f, g in zip(fractions, given_euro, strict=True) if not g)
