"""Writes on financing: save a plan, recompute its stored amounts, record the actual cost."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conventions.models import Convention, Party
from financing import engine
from financing.models import FinancingPlan, PlanYear, ShareLine
from financing.months import funded_months


class PlanLocked(ValidationError):
    pass


def plan_parties(data: dict) -> set[str]:
    """Every party slug a plan names, in shares and splits."""
    slugs = set()
    for share in data.get("shares", []):
        if isinstance(share, dict):
            if share.get("party"):
                slugs.add(share["party"])
            for part in share.get("split") or []:
                if isinstance(part, dict) and part.get("party"):
                    slugs.add(part["party"])
    return slugs


def _with_post_months(plan: FinancingPlan, data: dict) -> dict:
    """Fill each year's months from the post's start date and absences (unless entered by hand)."""
    if plan.months_by_hand:
        return data
    post = plan.post
    absences = [(a.start, a.end) for a in post.absences.all()]
    years = []
    for year in data.get("years", []):
        if isinstance(year, dict) and isinstance(year.get("year"), int):
            months = funded_months(year["year"], start=post.start_date, absences=absences)
            year = {**year, "months": max(months, 1)} if months else year
        years.append(year)
    return {**data, "years": years}


def compute(plan: FinancingPlan) -> engine.PlanResult:
    """Parse and compute; raise ValidationError with the engine's French message."""
    try:
        return engine.compute_plan(engine.parse_plan(_with_post_months(plan, plan.data)))
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc


def _parties_by_slug(plan: FinancingPlan) -> dict[str, Party]:
    slugs = plan_parties(plan.data)
    parties = {
        p.slug: p
        for p in Party.objects.filter(
            organisation_id=plan.convention.organisation_id, slug__in=slugs
        )
    }
    unknown = sorted(slugs - set(parties))
    if unknown:
        raise ValidationError(
            "Partie inconnue dans l'organisation : " + ", ".join(f"« {s} »" for s in unknown) + "."
        )
    return parties


@transaction.atomic
def plan_recompute(plan: FinancingPlan) -> engine.PlanResult:
    """Store the computed amounts of every year (one row per party), replacing older ones."""
    result = compute(plan)
    parties = _parties_by_slug(plan)
    employer_id = plan.post.employer_id
    keep_lines = []
    keep_years = []
    written = {
        int(y["year"]): y.get("as_written") or {}
        for y in plan.data.get("years", [])
        if isinstance(y, dict) and "year" in y
    }
    for year in result.years:
        plan_year, _ = PlanYear.objects.update_or_create(
            plan=plan, year=year.year, defaults={"months": year.months, "cost": year.cost}
        )
        keep_years.append(plan_year.pk)
        remainder_parties = {slug for slug, _ in year.remainder.parts}
        for slug, amount in year.shares.items():
            party = parties[slug]
            as_written = written.get(year.year, {}).get(slug)
            line, _ = ShareLine.objects.update_or_create(
                plan=plan,
                year=year.year,
                party=party,
                defaults={
                    "convention": plan.convention,
                    "post": plan.post,
                    "organisation_id": plan.convention.organisation_id,
                    "amount": amount,
                    "is_remainder": slug in remainder_parties,
                    "is_employer": party.pk == employer_id,
                    "as_written": Decimal(str(as_written)) if as_written is not None else None,
                },
            )
            keep_lines.append(line.pk)
    stale = plan.lines.exclude(pk__in=keep_lines)
    if stale.filter(payments__isnull=False).exists():
        raise ValidationError(
            "Des titres ou versements sont déjà enregistrés sur une part que ce plan supprime."
        )
    stale.delete()
    plan.years.exclude(pk__in=keep_years).delete()
    plan.computed_at = timezone.now()
    plan.save(update_fields=["computed_at"])
    return result


@transaction.atomic
def plan_save(
    *, convention: Convention, post, data: dict, months_by_hand: bool = False
) -> FinancingPlan:
    """Create or replace a convention's plan; refused once the convention is signed."""
    plan = FinancingPlan.objects.filter(convention=convention).first()
    if plan is not None and plan.is_locked:
        raise PlanLocked(
            f"La convention {convention.reference} est signée : son plan de financement ne peut "
            "plus changer. Rédigez un avenant."
        )
    if plan is None:
        plan = FinancingPlan(convention=convention)
    plan.post = post
    plan.data = data
    plan.months_by_hand = months_by_hand
    plan.save()
    plan_recompute(plan)
    return plan


@transaction.atomic
def actual_cost_set(*, plan_year: PlanYear, actual_cost: Decimal) -> dict[str, Decimal]:
    """Recompute the year's shares on the actual cost; return each party's difference
    (planned minus actual: what a subsidy is reduced by, or what is reclaimed)."""
    if actual_cost < 0:
        raise ValidationError("Le coût réel ne peut pas être négatif.")
    plan = plan_year.plan
    data = _with_post_months(plan, plan.data)
    years = []
    for year in data.get("years", []):
        if year.get("year") == plan_year.year:
            # The actual cost is the cost of the months worked: annual cost = actual × 12 / months.
            months = int(year.get("months", 12))
            year = {
                **year,
                "annual_cost": str((actual_cost * 12 / months).quantize(Decimal("0.0001"))),
            }
        years.append(year)
    try:
        result = engine.compute_plan(engine.parse_plan({**data, "years": years})).year(
            plan_year.year
        )
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc
    plan_year.actual_cost = actual_cost
    plan_year.save(update_fields=["actual_cost"])
    differences = {}
    for line in plan.lines.filter(year=plan_year.year).select_related("party"):
        actual = result.shares.get(line.party.slug, Decimal(0))
        line.actual_amount = actual
        line.save(update_fields=["actual_amount"])
        differences[line.party.slug] = line.amount - actual
    return differences
