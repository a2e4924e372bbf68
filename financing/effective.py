"""The effective plan: which act's figures count for a post and a year.

One rule, used by every figure that says what is due (the annual table and its budget-line
check, party summaries, partners' pages, recoveries, exports, open data, committee packs):

* Only **signed** acts count (signée, en vigueur, expirée, renouvelée, résiliée). Drafts and acts
  awaiting signature are **prévisionnel**: shown apart, never in a total due. Abandoned drafts
  count nowhere.
* For a post and a year, among the signed acts whose plan covers that year, the **latest** wins:
  a convention, then its avenants in their order (avenant n° 2 over n° 1 over the convention);
  a renewal (or any later convention for the post) takes over from the year of its own start.
  "Latest" compares the act's *family* first (a convention with its avenants, ordered by the
  convention's start date), then the avenant's number.
* A convention d'objectifs (a subsidy granted on top of the post's own convention) is its own
  track: its figures are shown beside the post's, and never replace them.
* An avenant that does not cover a year leaves that year to the act before it (an avenant is
  normally drafted from its parent's whole plan, so it covers every year).

The granularity is the budget year: a renewal starting mid-year takes over that whole year (its
plan carries the months it funds; the months before it stay with the renewed act only if the
renewal's plan does not cover that year).

``pick_effective`` is the rule itself, pure and tested without the database;
``effective_pairs`` reads what it needs (one query) and ``ShareLineQuerySet.effective()`` /
``.forecast()`` apply it to any queryset of share lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db.models import Q

from conventions.models import (
    FORECAST_STATUSES,
    SIGNED_STATUSES,
    ConventionKind,
    ConventionStatus,
)


@dataclass(frozen=True)
class Act:
    """One act's plan as the rule sees it."""

    plan_id: int
    post_id: int
    years: frozenset[int]
    convention_id: int
    #: The convention an avenant modifies (recursively), itself for a convention.
    family_id: int
    #: The family's start (the convention's start or notification), for ordering families.
    family_start: date | None
    #: 0 for the convention itself, n for its avenant n° n.
    rank: int
    signed: bool
    #: A convention d'objectifs: a subsidy, shown beside the post's own figures.
    subsidy: bool = False

    @property
    def precedence(self) -> tuple:
        start = self.family_start or date(min(self.years, default=1), 1, 1)
        return (start, self.family_id, self.rank, self.convention_id)


Key = tuple[int, int, bool]  # (post_id, year, subsidy)


def pick_effective(acts: Iterable[Act]) -> dict[Key, int]:
    """For each (post, year, subsidy track), the plan whose figures count: the signed act of
    highest precedence covering that year."""
    chosen: dict[Key, Act] = {}
    for act in acts:
        if not act.signed:
            continue
        for year in act.years:
            key = (act.post_id, year, act.subsidy)
            best = chosen.get(key)
            if best is None or act.precedence > best.precedence:
                chosen[key] = act
    return {key: act.plan_id for key, act in chosen.items()}


def effective_year_plans(acts: Iterable[Act]) -> set[tuple[int, int]]:
    """The (plan, year) pairs that count."""
    by_plan = pick_effective(acts)
    return {(plan_id, year) for (_post, year, _sub), plan_id in by_plan.items()}


def _acts(*, post_ids=None, years=None) -> list[Act]:
    """The acts of the given posts (every act, whoever asks: a partner's view of a post is
    intersected with the rule afterwards, never used to compute it). One query."""
    # Looked up, not imported: financing.models imports this module for its queryset methods.
    ShareLine = apps.get_model("financing", "ShareLine")  # noqa: N806 - a model class

    # A plan covers the years it has stored lines for (a year cut by a résiliation keeps its
    # lines that carry titres, at 0 €: the year stays covered, nothing falls back to an older act).
    rows = ShareLine.objects.exclude(plan__convention__status=ConventionStatus.ABANDONED)
    if post_ids is not None:
        rows = rows.filter(plan__post_id__in=post_ids)
    if years is not None:
        rows = rows.filter(year__in=list(years))
    fields = (
        "plan_id",
        "year",
        "plan__post_id",
        "plan__convention_id",
        "plan__convention__status",
        "plan__convention__kind",
        "plan__convention__parent_id",
        "plan__convention__parent__parent_id",
        "plan__convention__parent__kind",
        "plan__convention__parent__start_date",
        "plan__convention__parent__notification_date",
        "plan__convention__amendment_number",
        "plan__convention__start_date",
        "plan__convention__notification_date",
    )
    grouped: dict[int, dict] = {}
    years_of: dict[int, set[int]] = {}
    for row in rows.values_list(*fields).order_by().distinct():
        (
            plan_id,
            year,
            post_id,
            convention_id,
            status,
            kind,
            parent_id,
            grandparent_id,
            parent_kind,
            parent_start,
            parent_notification,
            number,
            start,
            notification,
        ) = row
        entry = grouped.get(plan_id)
        if entry is None:
            is_avenant = kind == ConventionKind.AVENANT and parent_id is not None
            # An avenant to an avenant belongs to the same family as the first one's parent.
            family_id = (grandparent_id or parent_id) if is_avenant else convention_id
            family_kind = parent_kind if is_avenant else kind
            entry = grouped[plan_id] = {
                "plan_id": plan_id,
                "post_id": post_id,
                "convention_id": convention_id,
                "family_id": family_id,
                "family_start": (parent_start or parent_notification)
                if is_avenant
                else (start or notification),
                "rank": (number or 1) if is_avenant else 0,
                "signed": status in SIGNED_STATUSES,
                "subsidy": family_kind == ConventionKind.OBJECTIFS,
            }
        years_of.setdefault(plan_id, set()).add(year)
    return [Act(**entry, years=frozenset(years_of[plan_id])) for plan_id, entry in grouped.items()]


def effective_pairs(*, post_ids=None, years=None) -> set[tuple[int, int]]:
    """The (plan id, year) pairs that count, for the given posts and years (None: all)."""
    return effective_year_plans(_acts(post_ids=post_ids, years=years))


def pairs_filter(pairs: set[tuple[int, int]]) -> Q:
    """A filter on share lines (or plan years) matching exactly these (plan, year) pairs."""
    by_year: dict[int, set[int]] = {}
    for plan_id, year in pairs:
        by_year.setdefault(year, set()).add(plan_id)
    query = Q(pk__in=[])
    for year, plan_ids in sorted(by_year.items()):
        query |= Q(year=year, plan_id__in=sorted(plan_ids))
    return query


#: How a stored line stands under the rule, as pages say it.
DUE = "due"
FORECAST = "prévisionnel"
SUPERSEDED = "remplacée"
NOT_COUNTED = "non comptée"


def line_standings(lines) -> list:
    """The lines, each with ``standing``: due (it counts), prévisionnel (a draft or an act
    awaiting signature), remplacée (a later signed act covers that year) or non comptée
    (abandoned). One query more than the lines'."""
    lines = list(lines)
    pairs = effective_pairs(post_ids={line.post_id for line in lines})
    for line in lines:
        status = line.convention.status
        if (line.plan_id, line.year) in pairs:
            line.standing = DUE
        elif status in FORECAST_STATUSES:
            line.standing = FORECAST
        elif status == ConventionStatus.ABANDONED:
            line.standing = NOT_COUNTED
        else:
            line.standing = SUPERSEDED
    return lines
