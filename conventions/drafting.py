"""Drafting services behind the new-convention wizard: start a draft (new, renewal, avenant)
and set its parties. Each step saves, so a gestionnaire can leave and come back."""

import contextlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conventions import rules
from conventions.models import Convention, ConventionKind, ConventionParty, ConventionStatus

COPIED_FIELDS = [
    "title",
    "kind",
    "duration_months",
    "duration_text",
    "renewal_rule",
    "notice_months",
    "notice_text",
    "signature_place",
    "original_copies",
    "competent_court",
    "legal_basis",
]
ROLE_FIELDS = list(ConventionParty.ROLE_FIELDS.values())


def next_reference(organisation, year: int) -> str:
    """A free reference such as "PDC2026-N01" (organisation slug initials + year + number)."""
    prefix = "".join(part[0] for part in organisation.slug.split("-") if part).upper()[:4] or "CONV"
    number = 1
    while Convention.objects.filter(reference=f"{prefix}{year}-N{number:02d}").exists():
        number += 1
    return f"{prefix}{year}-N{number:02d}"


def _copy_memberships(source: Convention, target: Convention) -> None:
    for membership in source.memberships.all():
        fields = {name: getattr(membership, name) for name in ROLE_FIELDS}
        ConventionParty.objects.create(
            convention=target,
            party_id=membership.party_id,
            order=membership.order,
            representative_id=membership.representative_id,
            wording=membership.wording,
            **fields,
        )


@transaction.atomic
def convention_draft_start(
    *, organisation, mode: str, source: Convention | None = None, **fields
) -> Convention:
    """Create a draft convention. ``mode``: "nouvelle", "renouvellement" (copies the source and
    starts the day after it ends) or "avenant" (modifies the source, which stays in force)."""
    posts = fields.pop("posts", None)
    if mode in ("renouvellement", "avenant"):
        if source is None:
            raise ValidationError("Choisissez la convention à renouveler ou à modifier.")
        if source.organisation_id != organisation.id:
            raise ValidationError("Cette convention n'appartient pas à votre organisation.")
        base = {name: getattr(source, name) for name in COPIED_FIELDS}
        if mode == "renouvellement":
            end = source.computed_end_date
            if end:
                base["start_date"] = end + timedelta(days=1)
                months = source.duration_months or 12
                base["end_date"] = rules.end_from_duration(base["start_date"], months)
            base["renews"] = source
        else:
            base.update(
                kind=ConventionKind.AVENANT,
                parent=source,
                title=f"Avenant à la convention {source.reference}",
            )
        fields = {**base, **{k: v for k, v in fields.items() if v not in (None, "")}}
        if mode == "avenant":
            fields["kind"] = ConventionKind.AVENANT
            fields["parent"] = source
    convention = Convention(organisation=organisation, status=ConventionStatus.DRAFT, **fields)
    convention.full_clean()
    convention.save()
    if posts is not None:
        convention.posts.set(posts)
    elif source is not None:
        convention.posts.set(source.posts.all())
    if source is not None:
        _copy_memberships(source, convention)
        if mode == "renouvellement":
            _copy_plan(source, convention)
    return convention


def _copy_plan(source: Convention, target: Convention) -> None:
    """A renewal starts from the source's financing plan, its years moved to the new period."""
    from financing.models import FinancingPlan
    from financing.services import plan_save

    plan = FinancingPlan.objects.filter(convention=source).first()
    if plan is None or not target.start_date or not source.effective_start_date:
        return
    shift = target.start_date.year - source.effective_start_date.year
    data = dict(plan.data)
    data["years"] = [{**year, "year": int(year["year"]) + shift} for year in data.get("years", [])]
    # Amounts and percentages given year by year move with the years.
    shares = []
    for share in data.get("shares", []):
        share = dict(share)
        for key in ("amount_by_year", "percent_by_year"):
            if isinstance(share.get(key), dict):
                share[key] = {str(int(y) + shift): v for y, v in share[key].items()}
        shares.append(share)
    data["shares"] = shares
    # The post's rank (degressive schedules) keeps counting from its own first_year.
    with contextlib.suppress(ValidationError):  # an invalid copy is fixed at the financing step
        plan_save(convention=target, post=plan.post, data=data, months_by_hand=plan.months_by_hand)


def ensure_draft(convention: Convention) -> None:
    if not convention.is_draft or convention.status != ConventionStatus.DRAFT:
        raise ValidationError(
            f"La convention {convention.reference} n'est plus un brouillon : ses parties ne changent plus "
            "(rédigez un avenant)."
        )


@transaction.atomic
def convention_abandon(*, convention: Convention, reason: str, by) -> Convention:
    """Give up a draft (new, avenant or renewal) or an act awaiting signature. It stays, with
    its reason, in the history and the lists (status "Abandonnée"), and leaves every figure
    (financing/effective.py ignores it) and every list of work to do."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    reason = (reason or "").strip()
    if convention.status not in (ConventionStatus.DRAFT, ConventionStatus.TO_SIGN):
        raise ValidationError(
            f"Seul un brouillon ou un acte en attente de signature s'abandonne (la convention "
            f"{convention.reference} est « {convention.get_status_display()} »). Une convention "
            "signée se dénonce ou se résilie."
        )
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de l'abandon."})
    convention.status = ConventionStatus.ABANDONED
    convention.abandoned_at = timezone.now()
    convention.abandon_reason = reason
    convention._history_user = by
    convention._change_reason = f"Abandon : {reason}"
    convention.save(update_fields=["status", "abandoned_at", "abandon_reason", "updated_at"])
    return convention
