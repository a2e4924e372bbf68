"""Reads for the bilans pages: the yearly dashboard, due dates, the comité de suivi pack.

Every figure comes from annotated or aggregated querysets over the posts in scope, so the number
of SQL queries does not depend on the number of posts, bilans or years (tested).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce

from conventions import rules as convention_rules
from conventions.models import Party, PartyKind, Post, PostKind
from iscg.models import Organisation
from reporting import rules
from reporting.models import (
    TRANSMITTED_STATUSES,
    Bilan,
    BilanPart,
    PartKind,
    ReportDeadline,
)

#: What the dashboard's table reads of each post and bilan (fewer columns, faster on 1 500 posts).
POST_COLUMNS = (
    "id",
    "name",
    "slug",
    "kind",
    "first_year",
    "start_date",
    "organisation__id",
    "organisation__name",
    "organisation__slug",
    "employer__id",
    "employer__name",
    "employer__short_name",
    "employer__kind",
)
BILAN_TEXTS = ("problems", "orientations", "comment", "review_comment")
#: How many years the comparison goes back (the year shown included).
COMPARISON_YEARS = 10
KIND_ORDER = [
    PartyKind.DEPARTEMENT,
    PartyKind.EPCI,
    PartyKind.COMMUNE,
    PartyKind.CCAS_CIAS,
    PartyKind.ASSOCIATION,
]


# --------------------------------------------------------------------------- due dates


def due_dates(posts, years) -> dict[tuple[int, int], date]:
    """(post id, year) → due date of the bilan: the earliest date set by a convention of the post
    in force that year, else 31 January of the following year. One query."""
    years = list(years)
    found: dict[tuple[int, int], date] = {}
    deadlines = ReportDeadline.objects.filter(convention__posts__in=posts).values_list(
        "convention__posts",
        "month",
        "day",
        "convention__start_date",
        "convention__notification_date",
        "convention__end_date",
        "convention__duration_months",
    )
    for post_id, month, day, start, notified, end, duration in deadlines:
        start = start or notified
        if end is None and start and duration:
            end = convention_rules.end_from_duration(start, duration)
        for year in years:
            if (start and start.year > year) or (end and end.year < year):
                continue
            due = rules.due_date(year, month, day)
            key = (post_id, year)
            if key not in found or due < found[key]:
                found[key] = due
    return found


def due_date_for(dates: dict, post_id: int, year: int) -> date:
    return dates.get((post_id, year)) or rules.due_date(year)


# --------------------------------------------------------------------------- scope and filters


@dataclass
class Filters:
    organisation: Organisation | None = None
    epci: Party | None = None
    employer: Party | None = None
    kind: str = ""

    def query(self) -> dict[str, str]:
        """The filters as GET parameters (for links and exports)."""
        params = {}
        if self.organisation:
            params["organisation"] = self.organisation.slug
        if self.epci:
            params["territoire"] = str(self.epci.pk)
        if self.employer:
            params["employeur"] = str(self.employer.pk)
        if self.kind:
            params["type"] = self.kind

        return params

    @property
    def active(self) -> bool:
        return bool(self.epci or self.employer or self.kind)

    def describe(self) -> str:
        parts = []
        if self.organisation:
            parts.append(str(self.organisation))
        if self.epci:
            parts.append(f"territoire : {self.epci}")
        if self.employer:
            parts.append(f"employeur : {self.employer}")
        if self.kind:
            parts.append(f"postes {self.kind}")
        return " — ".join(parts)


def scoped_posts(user, filters: Filters):
    """The posts ``user`` may see, narrowed by ``filters``."""
    return filter_posts(Post.objects.visible_to(user), filters)


def filter_posts(posts, filters: Filters):
    """The one place the dashboard's filters narrow a queryset of posts (reporting.filters too)."""
    if filters.organisation:
        posts = posts.filter(organisation=filters.organisation)
    if filters.epci:
        posts = posts.filter(epcis=filters.epci)
    if filters.employer:
        posts = posts.filter(employer=filters.employer)
    if filters.kind:
        posts = posts.filter(kind=filters.kind)
    return posts


def posts_of_year(posts, year: int):
    """Posts expected to report for ``year``: in service that year, or with a bilan for it."""
    with_bilan = Bilan.objects.filter(year=year).values("post_id")
    return posts.filter(
        (Q(first_year__isnull=True) | Q(first_year__lte=year))
        & (Q(start_date__isnull=True) | Q(start_date__year__lte=year))
        | Q(pk__in=with_bilan)
    ).distinct()


# --------------------------------------------------------------------------- dashboard


@dataclass
class Totals:
    bilans: int = 0
    referrals: int = 0
    women: int = 0
    men: int = 0
    children: int = 0
    interviews: int = 0
    vif_weighted: Decimal = Decimal(0)
    vif_weight: int = 0
    victims: int = 0
    suspects: int = 0
    other: int = 0

    @property
    def vif_share(self) -> Decimal | None:
        if not self.vif_weight:
            return None
        return (Decimal(self.vif_weighted) / self.vif_weight).quantize(Decimal("0.01"))

    @property
    def sex_not_split(self) -> int:
        return self.referrals - self.women - self.men - self.children

    @property
    def public_not_split(self) -> int:
        return self.referrals - self.victims - self.suspects - self.other


def _sums() -> dict:
    """Aggregates of the figures of a queryset of bilans."""
    money = DecimalField(max_digits=20, decimal_places=2)
    return {
        "bilans": Count("pk"),
        "referrals": Coalesce(Sum("referrals_total"), 0),
        "women": Coalesce(Sum("referrals_women"), 0),
        "men": Coalesce(Sum("referrals_men"), 0),
        "children": Coalesce(Sum("referrals_children"), 0),
        "interviews": Coalesce(Sum("interviews_total"), 0),
        "vif_weighted": Coalesce(
            Sum(F("vif_pct") * F("referrals_total"), output_field=money),
            Decimal(0),
            output_field=money,
        ),
        "vif_weight": Coalesce(Sum("referrals_total", filter=Q(vif_pct__isnull=False)), 0),
        "victims": Coalesce(Sum("public_victims"), 0),
        "suspects": Coalesce(Sum("public_suspects"), 0),
        "other": Coalesce(Sum("public_other"), 0),
    }


@dataclass
class PostRow:
    post: Post
    bilan: Bilan | None
    due: date
    late: bool
    parts: list = field(default_factory=list)

    @property
    def counted(self) -> bool:
        return self.bilan is not None and self.bilan.is_transmitted and not self.bilan.has_no_report

    @property
    def state(self) -> str:
        if self.bilan is None:
            return "non reçu"
        if self.bilan.has_no_report:
            return "sans bilan (motif indiqué)"
        return self.bilan.get_status_display().lower()


@dataclass
class Group:
    label: str
    rows: list[PostRow]


@dataclass
class Breakdown:
    """A labelled list of (label, value) for a chart and its table."""

    title: str
    unit: str
    items: list[tuple[str, int]]
    note: str = ""

    @property
    def maximum(self) -> int:
        return max((value for _, value in self.items), default=0)


@dataclass
class YearRow:
    year: int
    totals: Totals


@dataclass
class OrganisationRow:
    """One organisation in the national view: its posts' states and its counted figures."""

    pk: int
    name: str
    slug: str
    totals: Totals = field(default_factory=Totals)
    expected: int = 0
    received: int = 0
    with_reason: int = 0
    not_received: int = 0
    late: int = 0


@dataclass
class OrganisationSummary:
    """The national view's first table: one row per organisation (drill down for its posts)."""

    rows: list[OrganisationRow]

    def _sum(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)

    @property
    def expected(self) -> int:
        return self._sum("expected")

    @property
    def received(self) -> int:
        return self._sum("received")

    @property
    def with_reason(self) -> int:
        return self._sum("with_reason")

    @property
    def not_received(self) -> int:
        return self._sum("not_received")

    @property
    def late(self) -> int:
        return self._sum("late")


@dataclass
class Dashboard:
    year: int
    filters: Filters
    totals: Totals
    groups: list[Group]
    by_territory: Breakdown
    by_employer_kind: Breakdown
    by_public: Breakdown
    by_sex: Breakdown
    by_year: list[YearRow]
    epci_options: list
    employer_options: list
    kind_options: list
    today: date
    #: National view without a chosen organisation: per-organisation rows, no per-post ``groups``.
    organisations: OrganisationSummary | None = None

    @property
    def rows(self) -> list[PostRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def with_reason(self) -> list[PostRow]:
        return [row for row in self.rows if row.bilan is not None and row.bilan.has_no_report]

    @property
    def not_received(self) -> list[PostRow]:
        """Posts whose bilan the coordinators do not have yet (none, draft or sent back)."""
        return [
            row
            for row in self.rows
            if row.bilan is None or (not row.bilan.is_transmitted and not row.bilan.has_no_report)
        ]

    @property
    def late(self) -> list[PostRow]:
        return [row for row in self.rows if row.late]

    @property
    def years_chart(self) -> Breakdown:
        return Breakdown(
            "Saisines par année",
            "saisines",
            [(str(row.year), row.totals.referrals) for row in self.by_year],
        )


def _totals(values: dict) -> Totals:
    return Totals(**{name: values[name] for name in Totals.__dataclass_fields__})


def _post_groups(year_posts, of_year, posts_qs, year: int, today: date) -> list[Group]:
    """The Annexe 1 table: every post expected for the year with its bilan, grouped by the kind
    of its employer (4 queries)."""
    posts = list(
        year_posts.select_related("employer", "organisation").only(*POST_COLUMNS).order_by("name")
    )
    year_bilans = {bilan.post_id: bilan for bilan in of_year.defer(*BILAN_TEXTS).order_by()}
    unit_parts: dict[int, list[BilanPart]] = defaultdict(list)
    for part in BilanPart.objects.filter(bilan__in=of_year.values("pk"), kind=PartKind.UNIT):
        unit_parts[part.bilan_id].append(part)
    dates = due_dates(posts_qs.values("pk"), [year])

    rows_by_kind: dict[str, list[PostRow]] = defaultdict(list)
    for post in posts:
        bilan = year_bilans.get(post.pk)
        due = due_date_for(dates, post.pk, year)
        transmitted = bilan is not None and bilan.is_transmitted
        row = PostRow(
            post=post,
            bilan=bilan,
            due=due,
            late=rules.is_late(due, today, transmitted=transmitted),
            parts=unit_parts.get(bilan.pk, []) if bilan else [],
        )
        rows_by_kind[post.employer.kind].append(row)
    kinds = dict(PartyKind.choices)
    order = KIND_ORDER + [k for k in rows_by_kind if k not in KIND_ORDER]
    groups = []
    for kind in order:
        rows = rows_by_kind.get(kind)
        if rows:
            plural = "s" if len(rows) > 1 else ""
            label = f"{len(rows)} poste{plural} porté{plural} par : {kinds.get(kind, kind)}"
            groups.append(Group(label, rows))
    return groups


def _organisation_summary(
    year_posts, of_year, counted_of_year, posts_qs, year: int, today: date
) -> OrganisationSummary:
    """One row per organisation (4 queries as well, plain tuples rather than model instances): how
    many posts are expected, received, without bilan, not received and late, and the counted
    figures summed by the database."""
    posts = year_posts.order_by().values_list(
        "pk", "organisation_id", "organisation__name", "organisation__slug"
    )
    states = {
        post_id: (status, reason)
        for post_id, status, reason in of_year.order_by().values_list(
            "post_id", "status", "no_report_reason"
        )
    }
    sums = {
        values.pop("post__organisation"): values
        for values in counted_of_year.order_by().values("post__organisation").annotate(**_sums())
    }
    dates = due_dates(posts_qs.values("pk"), [year])
    default_due = rules.due_date(year)
    rows: dict[int, OrganisationRow] = {}
    for post_id, organisation_id, name, slug in posts:
        row = rows.get(organisation_id)
        if row is None:
            row = rows[organisation_id] = OrganisationRow(organisation_id, name, slug)
        row.expected += 1
        status, reason = states.get(post_id, (None, ""))
        transmitted = status in TRANSMITTED_STATUSES
        if reason.strip():
            row.with_reason += 1
        elif transmitted:
            row.received += 1
        else:
            row.not_received += 1
        due = dates.get((post_id, year), default_due)
        if rules.is_late(due, today, transmitted=transmitted):
            row.late += 1
    for organisation_id, row in rows.items():
        if organisation_id in sums:
            row.totals = _totals(sums[organisation_id])
    return OrganisationSummary(sorted(rows.values(), key=lambda row: (row.name, row.pk)))


def dashboard(
    user,
    year: int,
    filters: Filters,
    today: date | None = None,
    *,
    by_organisation: bool = False,
) -> Dashboard:
    """The year's dashboard over the posts the user may see, filtered. Fixed number of queries.

    ``by_organisation`` (the national view before an organisation is chosen): one row per
    organisation instead of the table of every post."""
    today = today or date.today()
    base_posts = scoped_posts(user, Filters(organisation=filters.organisation))
    posts_qs = scoped_posts(user, filters)
    year_posts = posts_of_year(posts_qs, year)
    bilans = Bilan.objects.visible_to(user).filter(post__in=posts_qs.values("pk"))
    counted = bilans.filter(status__in=TRANSMITTED_STATUSES).with_activity()
    of_year = bilans.filter(year=year)

    if by_organisation:
        groups = []
        organisations = _organisation_summary(
            year_posts, of_year, counted.filter(year=year), posts_qs, year, today
        )
    else:
        groups = _post_groups(year_posts, of_year, posts_qs, year, today)
        organisations = None
    kinds = dict(PartyKind.choices)

    # The comparison with the previous years carries the year's own totals (one query for both).
    history = (
        counted.filter(year__lte=year, year__gt=year - COMPARISON_YEARS)
        .values("year")
        .annotate(**_sums())
        .order_by("year")
    )
    by_year = [YearRow(r["year"], _totals(r)) for r in history]
    totals = next((row.totals for row in by_year if row.year == year), Totals())

    by_kind = (
        counted.filter(year=year)
        .values("post__employer__kind")
        .annotate(referrals=Coalesce(Sum("referrals_total"), 0))
        .order_by("post__employer__kind")
    )
    by_employer_kind = Breakdown(
        "Saisines par nature d'employeur",
        "saisines",
        sorted(
            [(kinds.get(r["post__employer__kind"], "—"), r["referrals"]) for r in by_kind],
            key=lambda item: -item[1],
        ),
    )
    by_epci = (
        counted.filter(year=year)
        .values("post__epcis__pk", "post__epcis__name")
        .annotate(referrals=Coalesce(Sum("referrals_total"), 0), posts=Count("post", distinct=True))
        .order_by("-referrals", "post__epcis__name")
    )
    by_territory = Breakdown(
        "Saisines par territoire (EPCI couvert)",
        "saisines",
        [(r["post__epcis__name"] or "EPCI non renseigné", r["referrals"]) for r in by_epci],
        note="Un poste qui couvre plusieurs EPCI compte pour chacun : ces chiffres ne "
        "s'additionnent pas.",
    )
    by_public = Breakdown(
        "Saisines par public",
        "saisines",
        [
            ("Victimes", totals.victims),
            ("Mis en cause", totals.suspects),
            ("Hors champ pénal", totals.other),
            ("Non ventilé", totals.public_not_split),
        ],
    )
    by_sex = Breakdown(
        "Saisines : femmes, hommes, enfants",
        "saisines",
        [
            ("Femmes", totals.women),
            ("Hommes", totals.men),
            ("Enfants", totals.children),
            ("Non ventilé", totals.sex_not_split),
        ],
    )
    scope_ids = base_posts.values("pk")
    epci_options = list(
        Party.objects.filter(kind=PartyKind.EPCI, covered_by_posts__in=scope_ids)
        .values("pk", "name")
        .distinct()
        .order_by("name")
    )
    employer_options = list(
        Party.objects.filter(employed_posts__in=scope_ids)
        .values("pk", "name")
        .distinct()
        .order_by("name")
    )
    return Dashboard(
        year=year,
        filters=filters,
        totals=totals,
        groups=groups,
        by_territory=by_territory,
        by_employer_kind=by_employer_kind,
        by_public=by_public,
        by_sex=by_sex,
        by_year=by_year,
        epci_options=epci_options,
        employer_options=employer_options,
        kind_options=PostKind.choices,
        today=today,
        organisations=organisations,
    )


def latest_year(user) -> int | None:
    return Bilan.objects.visible_to(user).order_by("-year").values_list("year", flat=True).first()


# --------------------------------------------------------------------------- comité de suivi


@dataclass
class CommitteePack:
    post: Post
    year: int
    bilan: Bilan | None
    due: date
    lines: list
    conventions: list
    generated_on: date

    @property
    def total_due(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def total_paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), Decimal(0))


def committee_pack(user, post: Post, year: int, share_lines) -> CommitteePack:
    """The bilan, the year's financing lines with what was received, the conventions' dates."""
    bilan = (
        Bilan.objects.visible_to(user)
        .filter(post=post, year=year)
        .prefetch_related("parts")
        .first()
    )
    lines = list(
        share_lines.filter(post=post, year=year)
        .effective(years=[year])
        .select_related("party", "convention")
        .annotate(
            paid=Coalesce(
                Sum(
                    "payments__amount_received",
                    filter=Q(payments__cancelled_at__isnull=True),
                ),
                Decimal(0),
            )
        )
        .order_by("is_remainder", "party__name")
    )
    conventions = list(
        post.conventions.not_drafts()
        .filter(
            Q(start_date__isnull=True) | Q(start_date__year__lte=year),
        )
        .order_by("start_date", "reference")
    )
    conventions = [
        c for c in conventions if c.computed_end_date is None or c.computed_end_date.year >= year
    ]
    dates = due_dates(Post.objects.filter(pk=post.pk).values("pk"), [year])
    return CommitteePack(
        post=post,
        year=year,
        bilan=bilan,
        due=due_date_for(dates, post.pk, year),
        lines=lines,
        conventions=conventions,
        generated_on=date.today(),
    )


# --------------------------------------------------------------------------- review


@dataclass
class YearOnYear:
    """A bilan beside the same post's bilan of the year before (None: there is none)."""

    bilan: Bilan
    previous: Bilan | None
    rows: list


def year_on_year(user, bilan: Bilan) -> YearOnYear:
    """The review page's comparison: the post's bilan of the year before, as far as the user
    sees bilans (``visible_to``), whatever its state (its column says which)."""
    from reporting import comparison

    previous = (
        Bilan.objects.visible_to(user).filter(post_id=bilan.post_id, year=bilan.year - 1).first()
    )
    before = None
    if previous is not None and not previous.has_no_report:
        before = {name: getattr(previous, name) for name in comparison.FIELDS}
    current = {name: getattr(bilan, name) for name in comparison.FIELDS}
    return YearOnYear(bilan, previous, comparison.year_on_year(current, before))
