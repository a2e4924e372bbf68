"""Reads for the financing pages: the annual table, a party's summary (query counts fixed)."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Prefetch

from conventions.models import ConventionKind, Party, PartyKind
from financing.models import BudgetLine, Payment, PlanYear, ShareLine
from iscg.formatting import format_euros, format_months
from iscg.history import HistoryRow, person_name

ZERO = Decimal(0)

#: Annexe 2's order: posts carried by the organisation's own party, then EPCIs, communes…
KIND_ORDER = [
    PartyKind.DEPARTEMENT,
    PartyKind.EPCI,
    PartyKind.COMMUNE,
    PartyKind.CCAS_CIAS,
    PartyKind.ASSOCIATION,
]


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
    notes: str = ""

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.cells), ZERO)

    @property
    def written_gap(self) -> Decimal:
        """Sum of the amounts as written (computed ones where nothing is written) minus the cost:
        what the act's figures leave unfunded (<0) or ask beyond the cost (>0); 0 when nothing
        was written."""
        if all(c.as_written is None for c in self.cells):
            return ZERO
        written = sum(
            (c.as_written if c.as_written is not None else c.amount for c in self.cells), ZERO
        )
        return written - self.cost

    @property
    def group(self) -> str:
        return dict(PartyKind.choices).get(self.employer.kind, self.employer.kind)

    def amount_of(self, party_id: int) -> Decimal | None:
        amounts = [c.amount for c in self.cells if c.party.pk == party_id]
        return sum(amounts, ZERO) if amounts else None


@dataclass
class SubsidyRow:
    """A convention d'objectifs granting a subsidy for a post whose own convention already
    carries the same party's share: shown beside the table, not added to its totals."""

    row: Row
    main: Row

    @property
    def comparisons(self) -> list[tuple[Cell, Decimal | None, Decimal | None]]:
        """(subsidy cell, the party's share in the post's main row, subsidy − share)."""
        result = []
        for cell in self.row.cells:
            if cell.is_employer:
                continue
            main = self.main.amount_of(cell.party.pk)
            result.append((cell, main, None if main is None else cell.amount - main))
        return result


@dataclass
class BudgetCheck:
    """The year's budget line against what the organisation pays other employers: ``proposed``
    from signed acts (due), ``forecast`` the change that drafts and acts awaiting signature
    would bring once signed (a deliberation usually approves both: its proposition is their
    sum)."""

    line: BudgetLine | None
    proposed: Decimal
    own_posts: Decimal
    forecast: Decimal = ZERO

    @property
    def balance(self) -> Decimal | None:
        """What is left once every signed act is paid."""
        return None if self.line is None else self.line.available - self.proposed

    @property
    def proposed_with_forecast(self) -> Decimal:
        return self.proposed + self.forecast

    @property
    def balance_with_forecast(self) -> Decimal | None:
        """What would be left once the acts awaiting signature are signed too."""
        return None if self.line is None else self.line.available - self.proposed_with_forecast


@dataclass
class AnnualTable:
    organisation: object
    year: int
    rows: list[Row]
    by_party: list[tuple[object, Decimal]]
    by_kind: list[tuple[str, Decimal]]
    budget: BudgetCheck
    subsidies: list[SubsidyRow] = field(default_factory=list)
    #: Drafts and acts awaiting signature ("prévisionnel"): shown apart, never in the totals.
    forecast: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return sum((row.cost for row in self.rows), ZERO)

    @property
    def noted_rows(self) -> list[Row]:
        rows = self.rows + [subsidy.row for subsidy in self.subsidies]
        return [row for row in rows if row.notes]


def _row_as_dict(row: Row) -> dict:
    shares: dict[str, str] = {}
    for cell in row.cells:
        shares[cell.party.slug] = str(Decimal(shares.get(cell.party.slug, 0)) + cell.amount)
    return {
        "post": row.post.slug,
        "convention": row.convention.reference,
        "status": row.convention.current_status,
        "cost": str(row.cost),
        "shares": shares,
    }


def table_as_dict(table: "AnnualTable") -> dict:
    """The annual table as plain data (``manage.py financing table YEAR --json``): ``rows`` are
    what is due (each post once), ``forecast`` drafts and acts awaiting signature, ``subsidies``
    conventions d'objectifs shown beside their post; ``total`` sums every share of ``rows``."""
    return {
        "year": table.year,
        "organisation": table.organisation.slug,
        "rows": [_row_as_dict(row) for row in table.rows],
        "forecast": [_row_as_dict(row) for row in table.forecast],
        "subsidies": [_row_as_dict(subsidy.row) for subsidy in table.subsidies],
        "total": str(table.total),
    }


def _row_order(own_party_id):
    def key(row: Row):
        employer = row.employer
        kind = KIND_ORDER.index(employer.kind) if employer.kind in KIND_ORDER else len(KIND_ORDER)
        return (employer.pk != own_party_id, kind, row.convention.reference, row.post.name)

    return key


def _build_rows(lines, costs: dict) -> list[Row]:
    built: OrderedDict[int, Row] = OrderedDict()
    for line in lines:
        row = built.get(line.plan_id)
        if row is None:
            plan_year = costs.get(line.plan_id)
            row = built[line.plan_id] = Row(
                post=line.post,
                employer=line.post.employer,
                convention=line.convention,
                cost=plan_year.cost if plan_year else ZERO,
                months=plan_year.months if plan_year else 12,
                notes=line.plan.notes,
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
    return list(built.values())


def _own_participation(row: Row | None, own_party_id) -> Decimal:
    """What the organisation's own party pays another employer in a row (0 as the employer)."""
    if row is None or not own_party_id:
        return ZERO
    return sum(
        (c.amount for c in row.cells if c.party.pk == own_party_id and not c.is_employer), ZERO
    )


def _forecast_change(rows: list[Row], forecast: list[Row], own_party_id) -> Decimal:
    """How much more (or less) the organisation would pay other employers once the acts awaiting
    signature are signed: for each post, its latest forecast act replaces what its effective act
    says (an avenant that leaves the organisation's share alone changes nothing)."""
    due_by_post = {
        row.post.pk: row for row in rows if row.convention.kind != ConventionKind.OBJECTIFS
    }
    latest: dict[int, Row] = {}
    for row in forecast:
        if row.convention.kind == ConventionKind.OBJECTIFS:
            continue
        current = latest.get(row.post.pk)
        if current is None or row.convention.pk > current.convention.pk:
            latest[row.post.pk] = row
    return sum(
        (
            _own_participation(row, own_party_id)
            - _own_participation(due_by_post.get(post), own_party_id)
            for post, row in latest.items()
        ),
        ZERO,
    )


def annual_table(organisation, year: int, lines=None) -> AnnualTable:
    """One row per post from its effective plan (financing/effective.py: the latest signed act),
    with its employer, each co-funder and its amount, reste à charge; totals per co-funder and per
    kind of party, and the budget-line check. Drafts and acts awaiting signature are listed apart
    as ``forecast`` and never added to a total. Five queries in all."""
    if lines is None:
        lines = ShareLine.objects.filter(organisation=organisation)
    lines = (
        lines.filter(year=year)
        .select_related("post", "post__employer", "party", "convention", "plan")
        .defer("plan__data")
        .order_by("plan_id", "is_remainder", "pk")
    )
    costs = {
        py.plan_id: py
        for py in PlanYear.objects.filter(plan__convention__organisation=organisation, year=year)
    }
    effective = _build_rows(lines.effective(years=[year]), costs)
    forecast = sorted(
        _build_rows(lines.forecast(), costs), key=lambda row: row.convention.reference
    )
    own_party_id = organisation.party_id
    all_rows = sorted(effective, key=_row_order(own_party_id))
    main_by_post = {
        row.post.pk: row for row in all_rows if row.convention.kind != ConventionKind.OBJECTIFS
    }
    rows, subsidies = [], []
    for row in all_rows:
        main = main_by_post.get(row.post.pk)
        if row.convention.kind == ConventionKind.OBJECTIFS and main is not None:
            subsidies.append(SubsidyRow(row, main))
        else:
            rows.append(row)

    party_totals: dict[int, list] = {}
    kind_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    proposed = own_posts = ZERO
    for row in rows:
        for cell in row.cells:
            entry = party_totals.setdefault(cell.party.pk, [cell.party, ZERO])
            entry[1] += cell.amount
            kind_totals[cell.party.kind] += cell.amount
            if own_party_id and cell.party.pk == own_party_id:
                if cell.is_employer:
                    own_posts += cell.amount
                else:
                    proposed += cell.amount
    forecast_proposed = _forecast_change(rows, forecast, own_party_id)
    labels = dict(PartyKind.choices)
    budget = BudgetCheck(
        line=BudgetLine.objects.filter(organisation=organisation, year=year).first(),
        proposed=proposed,
        own_posts=own_posts,
        forecast=forecast_proposed,
    )
    return AnnualTable(
        organisation=organisation,
        year=year,
        rows=rows,
        by_party=sorted((tuple(v) for v in party_totals.values()), key=lambda pv: -pv[1]),
        by_kind=sorted(
            ((labels.get(k, k), v) for k, v in kind_totals.items()), key=lambda kv: -kv[1]
        ),
        budget=budget,
        subsidies=subsidies,
        forecast=forecast,
    )


@dataclass
class PartyYear:
    year: int
    lines: list
    due: Decimal
    issued: Decimal
    received: Decimal
    borne: Decimal = ZERO
    receivable: list = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.received

    @property
    def receivable_total(self) -> Decimal:
        return sum((line.amount for line in self.receivable), ZERO)


def party_summary(party, lines, receivable=None) -> list[PartyYear]:
    """What a party owes by year (and, as employer, the reste à charge it bears and what the
    co-funders owe it), with what was issued and received.

    A subsidy of a convention d'objectifs for a post whose own convention already carries the
    party's share of the same year is listed with that share (``line.counted_in``) but not
    added twice to what the party owes."""
    lines = list(
        lines.filter(party=party)
        .effective()
        .select_related("convention", "post", "post__employer")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.select_related("cancelled_by", "corrects").order_by(
                    "issued_on", "pk"
                ),
            )
        )
        .order_by("-year", "post__name", "convention__reference")
    )
    main_lines = {
        (line.year, line.post_id): line
        for line in lines
        if line.convention.kind != ConventionKind.OBJECTIFS
    }
    years: OrderedDict[int, PartyYear] = OrderedDict()
    for line in lines:
        entry = years.setdefault(line.year, PartyYear(line.year, [], ZERO, ZERO, ZERO))
        entry.lines.append(line)
        main = main_lines.get((line.year, line.post_id))
        line.counted_in = (
            main if line.convention.kind == ConventionKind.OBJECTIFS and main is not None else None
        )
        for payment in line.payments.all():
            if payment.is_cancelled:  # listed, struck out; it no longer counts
                continue
            entry.issued += payment.amount_issued
            entry.received += payment.amount_received
        if line.is_employer:
            entry.borne += line.amount
        elif line.counted_in is None:
            entry.due += line.amount
    if receivable is not None:
        others = (
            receivable.filter(post__employer=party)
            .exclude(party=party)
            .exclude(convention__kind=ConventionKind.OBJECTIFS)
            .effective()
            .select_related("convention", "post", "party")
            .order_by("-year", "post__name", "pk")
        )
        for line in others:
            entry = years.setdefault(line.year, PartyYear(line.year, [], ZERO, ZERO, ZERO))
            entry.receivable.append(line)
    return [years[y] for y in sorted(years, reverse=True)]


def party_forecast(party, lines) -> list:
    """The party's lines in drafts and acts awaiting signature ("prévisionnel"): what it would
    owe or bear once they are signed, never added to what it owes."""
    return list(
        lines.filter(party=party)
        .forecast()
        .select_related("convention", "post")
        .order_by("-year", "post__name", "convention__reference")
    )


# ---------------------------------------------------------------------------------------------
# A plan's history, as the gestionnaire reads it

#: Records of one user this close together come from one save of the plan.
SAME_SAVE = timedelta(seconds=2)


def _money(value) -> str:
    return "—" if value is None else format_euros(Decimal(value))


def _share_change(record, before, parties) -> list[str]:
    where = f"{record.year} — {parties.get(record.party_id, '?')}"
    if record.history_type == "+":
        return [f"{where} : {_money(record.amount)} (nouvelle part)"]
    if record.history_type == "-":
        return [f"{where} : part retirée ({_money(record.amount)})"]
    if before is None:
        return []
    changes = []
    for name, label in (
        ("amount", ""),
        ("as_written", ", montant écrit dans l'acte"),
        ("actual_amount", ", sur coût réel"),
    ):
        old, new = getattr(before, name), getattr(record, name)
        if old != new:
            changes.append(f"{where}{label} : {_money(old)} → {_money(new)}")
    return changes


def _year_change(record, before) -> list[str]:
    if record.history_type == "+":
        return [
            f"{record.year} : coût {_money(record.cost)} sur {format_months(record.months)} mois"
        ]
    if record.history_type == "-":
        return [f"{record.year} : année retirée du plan"]
    if before is None:
        return []
    changes = []
    if before.cost != record.cost or before.months != record.months:
        changes.append(
            f"{record.year} : coût {_money(before.cost)} sur {format_months(before.months)} mois → "
            f"{_money(record.cost)} sur {format_months(record.months)} mois"
        )
    if before.actual_cost != record.actual_cost:
        changes.append(
            f"{record.year} : coût réel {_money(before.actual_cost)} → {_money(record.actual_cost)}"
        )
    return changes


def _plan_change(record, before) -> list[str]:
    if record.history_type == "+":
        return ["plan créé"]
    if before is None:
        return []
    changes = []
    if before.data != record.data:
        changes.append("règles du plan modifiées (parts, coûts ou arrondi)")
    if before.months_by_hand != record.months_by_hand:
        changes.append(
            "mois saisis à la main" if record.months_by_hand else "mois tirés des dates du poste"
        )
    if before.notes != record.notes:
        changes.append("remarques modifiées")
    return changes


def plan_history(plan, limit: int = 30) -> list[HistoryRow]:
    """Who changed a plan, its yearly costs and its shares, when, and how, in euros: one row per
    save (one user's records within two seconds), newest first. Five queries."""
    sources = (
        (plan.history.all(), _plan_change),
        (PlanYear.history.filter(plan_id=plan.pk), _year_change),
        (ShareLine.history.filter(plan_id=plan.pk), None),
    )
    events = []
    share_records = []
    for queryset, describe in sources:
        previous: dict[int, object] = {}
        for record in queryset.select_related("history_user").order_by("history_date", "pk"):
            if describe is None:
                share_records.append((record, previous.get(record.id)))
            else:
                events.append((record, describe(record, previous.get(record.id))))
            previous[record.id] = record
    parties = {
        p.pk: str(p) for p in Party.objects.filter(pk__in={r.party_id for r, _ in share_records})
    }
    events += [(r, _share_change(r, before, parties)) for r, before in share_records]
    events.sort(key=lambda event: event[0].history_date)
    rows: list[HistoryRow] = []
    for record, changes in events:
        if not changes:
            continue
        user = person_name(record.history_user)  # a name, never an e-mail address
        last = rows[-1] if rows else None
        if last and last.user == user and record.history_date - last.date <= SAME_SAVE:
            last.changes += changes
            last.date = record.history_date
        else:
            rows.append(HistoryRow(record.history_date, user, "Modification", list(changes)))
    for row in rows:
        if "plan créé" in row.changes:
            row.operation = "Création"
    return rows[::-1][:limit]


# ---------------------------------------------------------------------------------------------
# A convention's financing, post by post


@dataclass
class PostLines:
    post: object
    lines: list

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class ConventionYear:
    """One year of a several-post convention's page: each post's lines, then the convention's
    total per party (``totals``: (party, amount), in the order the parties first appear)."""

    year: int
    posts: list[PostLines]
    totals: list[tuple[object, Decimal]]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.totals), ZERO)


def convention_years_by_post(lines) -> list[ConventionYear]:
    """A convention's lines (in year order) grouped by year, then by post (in the posts'
    order), with the convention's total per year and party."""
    years: OrderedDict[int, dict] = OrderedDict()
    for line in lines:
        entry = years.setdefault(line.year, {"posts": OrderedDict(), "totals": OrderedDict()})
        entry["posts"].setdefault(line.post_id, PostLines(line.post, [])).lines.append(line)
        party, amount = entry["totals"].get(line.party_id, (line.party, ZERO))
        entry["totals"][line.party_id] = (party, amount + line.amount)
    return [
        ConventionYear(
            year,
            sorted(entry["posts"].values(), key=lambda p: p.post.pk),
            list(entry["totals"].values()),
        )
        for year, entry in years.items()
    ]
