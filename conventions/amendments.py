"""What an avenant changes: snapshots of an act and their comparison.

The comparison is pure (``changes_between``, ``apply_amendment``): it works on ``ActSnapshot``
values, not on the database, so that it is unit-tested without one. ``snapshot`` reads a
convention into such a value; ``amended_state`` gives the parent "as amended" by its earlier
signed avenants, which is what a new avenant is compared to (and copied from).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from conventions.models import SIGNED_STATUSES
from iscg.formatting import format_date_long, format_euros


@dataclass(frozen=True)
class PartySnapshot:
    name: str
    representative: str | None = None
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ActSnapshot:
    """What an act says that an avenant may change."""

    start_date: date | None = None
    end_date: date | None = None  # the computed end (written, or start + duration)
    notice_months: int | None = None
    competent_court: str = ""
    renewal_rule: str = ""
    parties: dict[int, PartySnapshot] = field(default_factory=dict)  # party pk → snapshot
    posts: dict[int, str] = field(default_factory=dict)  # post pk → name
    amounts: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (year, party pk)
    names: dict[int, str] = field(default_factory=dict)  # party pk → name (for the amounts)


def apply_amendment(base: ActSnapshot, amendment: ActSnapshot) -> ActSnapshot:
    """The state after a signed avenant: an avenant states the whole act (it is drafted as a
    copy), so its dates, parties and posts replace the base's; its amounts replace those of the
    years it covers, the other years keep the base's."""
    years = {year for year, _ in amendment.amounts}
    amounts = {key: value for key, value in base.amounts.items() if key[0] not in years}
    amounts.update(amendment.amounts)
    return replace(amendment, amounts=amounts, names={**base.names, **amendment.names})


def _date(value: date | None) -> str:
    return format_date_long(value) if value else ""


def changes_between(before: ActSnapshot, after: ActSnapshot) -> list[str]:
    """Each change from ``before`` to ``after``, in French, one sentence each; nothing that did
    not change. Amounts read "2028 — Commune de X : 10 000 € → 12 000 €."."""
    changes: list[str] = []

    def compare_date(label: str, old: date | None, new: date | None) -> None:
        if old == new:
            return
        if old is None:
            changes.append(f"{label} : fixée au {_date(new)}.")
        elif new is None:
            changes.append(f"{label} : le {_date(old)} n'est plus fixé.")
        else:
            changes.append(f"{label} : {_date(old)} → {_date(new)}.")

    def compare_text(label: str, old, new) -> None:
        if old == new:
            return
        if old in (None, ""):
            changes.append(f"{label} : {new}.")
        elif new in (None, ""):
            changes.append(f"{label} : supprimé (auparavant {old}).")
        else:
            changes.append(f"{label} : {old} → {new}.")

    compare_date("Date de début", before.start_date, after.start_date)
    compare_date("Date de fin", before.end_date, after.end_date)
    compare_text("Préavis (mois)", before.notice_months, after.notice_months)
    compare_text("Juridiction compétente", before.competent_court, after.competent_court)
    compare_text("Renouvellement", before.renewal_rule, after.renewal_rule)

    for pk in sorted(
        after.parties.keys() - before.parties.keys(), key=lambda k: after.parties[k].name
    ):
        changes.append(f"Nouvelle partie : {after.parties[pk].name}.")
    for pk in sorted(
        before.parties.keys() - after.parties.keys(), key=lambda k: before.parties[k].name
    ):
        changes.append(f"Partie qui se retire : {before.parties[pk].name}.")
    for pk in sorted(
        before.parties.keys() & after.parties.keys(), key=lambda k: after.parties[k].name
    ):
        old, new = before.parties[pk], after.parties[pk]
        # "<party> — …" as for the amounts: no "de" before a name that has its own article.
        if old.representative != new.representative:
            if old.representative is None:
                changes.append(f"{new.name} — représentant : {new.representative}.")
            elif new.representative is None:
                changes.append(
                    f"{new.name} — représentant : {old.representative} n'est plus désigné."
                )
            else:
                changes.append(
                    f"{new.name} — représentant : {old.representative} → {new.representative}."
                )
        if old.roles != new.roles:
            changes.append(
                f"{new.name} — rôles : {', '.join(sorted(old.roles)) or 'aucun'} → "
                f"{', '.join(sorted(new.roles)) or 'aucun'}."
            )

    for pk in sorted(after.posts.keys() - before.posts.keys()):
        changes.append(f"Poste ajouté : {after.posts[pk]}.")
    for pk in sorted(before.posts.keys() - after.posts.keys()):
        changes.append(f"Poste retiré : {before.posts[pk]}.")

    names = {**before.names, **after.names}
    for key in sorted(before.amounts.keys() | after.amounts.keys()):
        old, new = before.amounts.get(key), after.amounts.get(key)
        if old == new:
            continue
        year, pk = key
        name = names.get(pk, "?")
        if old is None:
            changes.append(f"{year} — {name} : {format_euros(new)} (nouvelle part).")
        elif new is None:
            changes.append(f"{year} — {name} : {format_euros(old)} → aucune part.")
        else:
            changes.append(f"{year} — {name} : {format_euros(old)} → {format_euros(new)}.")
    return changes


# --------------------------------------------------------------------------- from the database


def snapshot(convention) -> ActSnapshot:
    """A convention as an ``ActSnapshot`` (its memberships, posts and computed amounts)."""
    parties = {}
    for membership in convention.memberships.select_related("party", "representative"):
        rep = membership.representative
        parties[membership.party_id] = PartySnapshot(
            name=membership.party.name,
            representative=str(rep) if rep else None,
            roles=frozenset(str(role.label) for role in membership.roles),
        )
    amounts, names = {}, {}
    for line in convention.share_lines.select_related("party"):
        amounts[(line.year, line.party_id)] = line.amount
        names[line.party_id] = line.party.name
    return ActSnapshot(
        start_date=convention.effective_start_date,
        end_date=convention.computed_end_date,
        notice_months=convention.notice_months,
        competent_court=convention.competent_court,
        renewal_rule=convention.renewal_rule,
        parties=parties,
        posts={post.pk: post.name for post in convention.posts.all()},
        amounts=amounts,
        names=names,
    )


def signed_amendments(parent, *, before=None):
    """The parent's signed avenants in their order; with ``before``, only those numbered
    before it (all the others when it has no number yet)."""
    amendments = parent.amendments.filter(status__in=SIGNED_STATUSES)
    if before is not None:
        if before.pk:
            amendments = amendments.exclude(pk=before.pk)
        if before.amendment_number:
            amendments = amendments.filter(amendment_number__lt=before.amendment_number)
    return list(amendments.order_by("amendment_number", "pk"))


def latest_signed_state(parent, *, before=None):
    """The act that states the parent's current terms: its latest signed avenant, else itself.
    A new avenant is copied from it."""
    amendments = signed_amendments(parent, before=before)
    return amendments[-1] if amendments else parent


def amended_state(parent, *, before=None) -> ActSnapshot:
    """The parent as amended by its signed avenants (those before ``before``)."""
    state = snapshot(parent)
    for amendment in signed_amendments(parent, before=before):
        state = apply_amendment(state, snapshot(amendment))
    return state
