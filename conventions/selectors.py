"""Reads of conventions for a user: one query each, then the pure rules."""

from django.db.models import Exists, OuterRef

from conventions.deadlines import Deadline, convention_deadlines
from conventions.models import Convention, ConventionParty


def deadlines_for(user) -> list[Deadline]:
    """Deadlines of the conventions ``user`` may see, in date order."""
    state_funder = ConventionParty.objects.filter(
        convention=OuterRef("pk"), party__kind="etat", is_funder=True
    )
    conventions = (
        Convention.objects.visible_to(user)
        .with_signed_renewal()
        .annotate(state_funds=Exists(state_funder))
    )
    found: list[Deadline] = []
    for convention in conventions:
        found.extend(convention_deadlines(convention, state_funds=convention.state_funds))
    return sorted(found)
