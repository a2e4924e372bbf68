"""Random lives of conventions (hypothesis stateful testing), through the real services:
create a convention, draft and sign avenants and renewals, abandon drafts. After every step,
for every year: each post at most once in the annual table, its figures those of its effective
plan, drafts never in the totals due, and the party summaries adding up to the table.

The expected figures are kept here as events (what the last signature changed), a statement of
the rule independent of financing/effective.py, which states it as a precedence order.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conventions import drafting
from financing import selectors
from financing.models import ShareLine
from tests.lifecycle import avenant, new_convention, renewal, send_and_sign, territory

YEARS = range(2028, 2034)
#: What the runs signed, to check that the sequences reach avenants and renewals.
SIGNED: Counter = Counter()
COST = "60000"
amounts = st.tuples(
    st.integers(min_value=10, max_value=30).map(lambda n: str(n * 1000)),
    st.integers(min_value=0, max_value=15).map(lambda n: str(n * 1000)),
)


@dataclass
class Tracked:
    convention: object
    post_index: int
    family: "Tracked | None"  # the convention an avenant modifies; None for a convention
    years: dict  # year -> (cost, État, commune)
    rank: int = 0
    signed: bool = False
    abandoned: bool = False
    avenants: list = field(default_factory=list)

    @property
    def root(self) -> "Tracked":
        return self.family or self

    @property
    def start(self) -> int:
        return min(self.root.years)


class ConventionLives(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.world = territory(posts=2)
        self.acts: list[Tracked] = []
        # (post index, year) -> the act whose figures count, updated at each signature.
        self.current: dict[tuple[int, int], Tracked] = {}

    # ------------------------------------------------------------------ actions

    def _figures(self, years: list[int], pair) -> dict:
        return dict.fromkeys(years, (COST, *pair))

    # A few conventions per run, so that the steps go to their avenants and renewals.
    @precondition(
        lambda self: sum(a.family is None and not a.convention.renews_id for a in self.acts) < 3
    )
    @rule(
        post_index=st.integers(0, 1),
        start=st.sampled_from(list(YEARS)[:4]),
        length=st.integers(1, 3),
        pair=amounts,
    )
    def create(self, post_index, start, length, pair):
        years = [y for y in range(start, start + length) if y in YEARS]
        figures = self._figures(years, pair)
        convention = new_convention(self.world, self.world.posts[post_index], figures)
        tracked = Tracked(convention, post_index, None, figures)
        self.acts.append(tracked)

    @initialize(post_index=st.integers(0, 1), start=st.sampled_from(list(YEARS)[:3]), pair=amounts)
    def a_first_signed_convention(self, post_index, start, pair):
        self.create(post_index, start, 3, pair)
        self._sign(self.acts[-1])

    def _signed_roots(self) -> list[Tracked]:
        return [a for a in self.acts if a.family is None and a.signed]

    @precondition(lambda self: self._signed_roots())
    @rule(data=st.data(), pair=amounts)
    def draft_avenant(self, data, pair):
        root = data.draw(st.sampled_from(self._signed_roots()))
        figures = self._figures(sorted(root.years), pair)
        convention = avenant(self.world, root.convention, figures)
        tracked = Tracked(convention, root.post_index, root, figures, rank=len(root.avenants) + 1)
        convention.amendment_number = tracked.rank
        convention.save(update_fields=["amendment_number"])
        root.avenants.append(tracked)
        SIGNED["drafted avenant"] += 1
        self.acts.append(tracked)

    @precondition(lambda self: self._signed_roots())
    @rule(data=st.data(), overlap=st.booleans(), length=st.integers(1, 2), pair=amounts)
    def draft_renewal(self, data, overlap, length, pair):
        source = data.draw(st.sampled_from(self._signed_roots()))
        start = max(source.years) + (0 if overlap else 1)
        if start <= source.start:  # a renewal starts after what it renews starts
            start = source.start + 1
        years = [y for y in range(start, start + length) if y in YEARS]
        if not years:
            return
        figures = self._figures(years, pair)
        convention = renewal(self.world, source.convention, figures)
        tracked = Tracked(convention, source.post_index, None, figures)
        self.acts.append(tracked)

    def _pending(self) -> list[Tracked]:
        return [a for a in self.acts if not a.signed and not a.abandoned]

    @precondition(lambda self: self._pending())
    @rule(data=st.data())
    def sign(self, data):
        self._sign(data.draw(st.sampled_from(self._pending())))

    def _sign(self, draft: Tracked) -> None:
        send_and_sign(draft.convention, self.world.manager)
        draft.signed = True
        kind = "avenant" if draft.family else ("renewal" if draft.convention.renews_id else "new")
        SIGNED[kind] += 1
        for year in draft.years:
            key = (draft.post_index, year)
            current = self.current.get(key)
            if current is None or self._replaces(draft, current):
                self.current[key] = draft

    @staticmethod
    def _replaces(new: Tracked, current: Tracked) -> bool:
        if new.root is current.root:
            return new.rank >= current.rank
        # Another convention for the post: the one that starts later takes over.
        return (new.start, new.root.convention.pk) > (current.start, current.root.convention.pk)

    @precondition(lambda self: self._pending())
    @rule(data=st.data())
    def abandon(self, data):
        draft = data.draw(st.sampled_from(self._pending()))
        drafting.convention_abandon(
            convention=draft.convention, reason="Projet abandonné", by=self.world.manager
        )
        draft.abandoned = True

    # ------------------------------------------------------------------ invariants

    @invariant()
    def each_post_once_with_its_effective_figures(self):
        posts = self.world.posts
        by_party_total: dict[str, Decimal] = {}
        for year in YEARS:
            table = selectors.annual_table(self.world.organisation, year)
            seen = [row.post.pk for row in table.rows]
            assert len(seen) == len(set(seen)), (year, seen)
            expected = {
                posts[index].pk: act for (index, y), act in self.current.items() if y == year
            }
            assert set(seen) == set(expected), year
            for row in table.rows:
                act = expected[row.post.pk]
                assert row.convention == act.convention, year
                cost, etat, commune = (Decimal(v) for v in act.years[year])
                cells = {cell.party.slug: cell.amount for cell in row.cells}
                assert cells == {"etat": etat, "commune": commune, "cc": cost - etat - commune}
            assert table.total == sum(
                (Decimal(expected[p].years[year][0]) for p in seen), Decimal(0)
            )
            pending = {
                a.convention.pk
                for a in self.acts
                if not a.signed and not a.abandoned and year in a.years
            }
            assert {row.convention.pk for row in table.forecast} == pending, year
            for party, amount in table.by_party:
                by_party_total[(party.slug, year)] = amount
        # Party summaries add up to the tables, year by year.
        lines = ShareLine.objects.filter(organisation=self.world.organisation)
        for party in (self.world.etat, self.world.commune, self.world.employer):
            for entry in selectors.party_summary(party, lines):
                assert entry.due + entry.borne == by_party_total.get(
                    (party.slug, entry.year), Decimal(0)
                ), (party.slug, entry.year)


@pytest.mark.django_db
def test_random_lives_of_conventions():
    run_state_machine_as_test(
        ConventionLives,
        settings=settings(
            max_examples=25,
            # The same sequences every run: the coverage check below never depends on luck,
            # and a failure found once is found again.
            derandomize=True,
            database=None,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print(dict(SIGNED))
    assert SIGNED["avenant"] and SIGNED["renewal"], SIGNED
