"""Reads for the financing pages: the annual table, a party's summary (query counts fixed)."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from conventions.models import PartyKind
from financing.models import BudgetLine, PlanYear, ShareLine

ZERO = Decimal(0)


@dataclass
class Cell:
    party: object
    amount: Decimal
    is_remainder: bool
    is_employer: bool
    as_written: Decimal | None
    gap: Decimal | None


@dataclass
class Row:
    post: object
    employer: object
    convention: object
    cost: Decimal = ZERO
    months: int = 12
    cells: list[Cell] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cells), ZERO)

    @property
    def written_gap(self) -> Decimal:
        """Sum of the amounts as written minus the cost (0 when nothing was written)."""
        written = [c.as_written for c in self.cells if c.as_written is not None]
        if not written:
            return ZERO
        remainder = sum((c.amount for c in self.cells if c.as_written is None), ZERO)
        return sum(written, ZERO) + remainder - self.cost


@dataclass
class BudgetCheck:
    line: BudgetLine | None
    proposed: Decimal
    own_posts: Decimal

    @property
    def balance(self) -> Decimal | None:
        return None if self.line is None else self.line.available - self.proposed


@dataclass
class AnnualTable:
    organisation: object
    year: int
    rows: list[Row]
    by_party: list[tuple[object, Decimal]]
    by_kind: list[tuple[str, Decimal]]
    budget: BudgetCheck

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return sum((row.cost for row in self.rows), ZERO)


def annual_table(organisation, year: int, lines=None) -> AnnualTable:
    """One row per post (employer, each co-funder and its amount, reste à charge), totals per
    co-funder and per kind of party, and the budget-line check. Three queries in all."""
    if lines is None:
        lines = ShareLine.objects.filter(organisation=organisation)
    lines = (
        lines.filter(year=year)
        .select_related("post", "post__employer", "party", "convention")
        .order_by("post__employer__kind", "post__name", "pk")
    )
    costs = {
        (py.plan_id): py
        for py in PlanYear.objects.filter(plan__convention__organisation=organisation, year=year)
    }
    rows: OrderedDict[int, Row] = OrderedDict()
    party_totals: dict[int, list] = {}
    kind_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    own_party_id = organisation.party_id
    proposed = own_posts = ZERO
    for line in lines:
        row = rows.get(line.plan_id)
        if row is None:
            plan_year = costs.get(line.plan_id)
            row = rows[line.plan_id] = Row(
                post=line.post,
                employer=line.post.employer,
                convention=line.convention,
                cost=plan_year.cost if plan_year else ZERO,
                months=plan_year.months if plan_year else 12,
            )
        row.cells.append(
            Cell(
                line.party,
                line.amount,
                line.is_remainder,
                line.is_employer,
                line.as_written,
                line.gap,
            )
        )
        entry = party_totals.setdefault(line.party_id, [line.party, ZERO])
        entry[1] += line.amount
        kind_totals[line.party.kind] += line.amount
        if own_party_id and line.party_id == own_party_id:
            if line.is_employer:
                own_posts += line.amount
            else:
                proposed += line.amount
    labels = dict(PartyKind.choices)
    budget = BudgetCheck(
        line=BudgetLine.objects.filter(organisation=organisation, year=year).first(),
        proposed=proposed,
        own_posts=own_posts,
    )
    return AnnualTable(
        organisation=organisation,
        year=year,
        rows=list(rows.values()),
        by_party=sorted((tuple(v) for v in party_totals.values()), key=lambda pv: -pv[1]),
        by_kind=sorted(
            ((labels.get(k, k), v) for k, v in kind_totals.items()), key=lambda kv: -kv[1]
        ),
        budget=budget,
    )


@dataclass
class PartyYear:
    year: int
    lines: list
    due: Decimal
    issued: Decimal
    received: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.received


def party_summary(party, lines) -> list[PartyYear]:
    """What a party owes (or, as employer, bears) by year, with what was issued and received."""
    from django.db.models import Prefetch

    from financing.models import Payment

    lines = (
        lines.filter(party=party)
        .select_related("convention", "post", "post__employer")
        .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("issued_on")))
        .order_by("-year", "post__name")
    )
    years: OrderedDict[int, PartyYear] = OrderedDict()
    for line in lines:
        entry = years.setdefault(line.year, PartyYear(line.year, [], ZERO, ZERO, ZERO))
        entry.lines.append(line)
        if not line.is_employer:
            entry.due += line.amount
            for payment in line.payments.all():
                entry.issued += payment.amount_issued
                entry.received += payment.amount_received
    return list(years.values())
