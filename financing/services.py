"""Writes on financing: save a plan, recompute its stored amounts, record the actual cost.

Every write goes through this module. ``plan_save`` is what users call: it refuses to change the
plan of a signed convention (a change then goes through an avenant). ``plan_set_as_signed`` is
the one deliberate exception, for loading the plan of an act that is already signed (the demo
data, an import of past conventions): it records the plan as the act states it, whatever the
convention's status. Recomputing writes only what changed, so history rows mean real changes.

A plan arrives as the engine's typed ``Plan`` (the editors build it); it is computed once per
save, with the months from the post's dates and absences, and stored through
``FinancingPlan.set_plan``.
"""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from conventions import notices, rules
from conventions.models import SIGNED_STATUSES, Convention, ConventionStatus, Party
from financing import engine, rule_words, titres
from financing.cancellations import payments_to_cancel
from financing.models import (
    FinancingPlan,
    Payment,
    PaymentKind,
    PlanDraft,
    PlanYear,
    ShareLine,
    TitreSettings,
)
from financing.months import period_of, post_months, with_service_start
from iscg import concurrency, history
from iscg.formatting import format_date_long, format_euros, format_months


class PlanLocked(ValidationError):
    pass


def plan_locked_message(convention: Convention) -> str:
    """Why a plan cannot change, in French, by the convention's status."""
    if convention.status == ConventionStatus.TO_SIGN:
        return (
            f"La convention {convention.reference} est à la signature : son plan de financement "
            "est figé avec le texte envoyé. Retirez la demande de signature pour le modifier."
        )
    if convention.status == ConventionStatus.DRAFT:
        return ""
    if convention.status == ConventionStatus.ABANDONED:
        return f"La convention {convention.reference} est abandonnée : son plan ne change plus."
    return (
        f"La convention {convention.reference} est signée : son plan de financement ne peut "
        "plus changer. Rédigez un avenant."
    )


def _with_post_months(financing_plan: FinancingPlan, plan: engine.Plan) -> engine.Plan:
    """The plan with what the post says: its first day of service for a schedule by year of
    service (``months.with_service_start``) and, unless entered by hand, each year's months
    staffed (``months.post_months``: in days for a plan dated by its convention, in whole months
    for a plan by exercice), absences left out. A year in which the post is never staffed
    (0 month) keeps the months the plan writes: the sources budget such a year as planned (a
    recruitment or a return is expected)."""
    post = financing_plan.post
    plan = with_service_start(plan, post.start_date)
    if financing_plan.months_by_hand:
        return plan
    absences = [(a.start, a.end) for a in post.absences.all()] if post.pk else []
    months = {}
    for year in engine.months_by_year(plan):
        funded = post_months(
            plan, year, service_start=post.start_date, service_end=post.end_date, absences=absences
        )
        if funded:
            months[year] = funded
    return engine.with_months(plan, months)


def _dated(convention: Convention, plan: engine.Plan) -> engine.Plan:
    """A plan saved in the product takes its period from the convention (``months.period_of``),
    so that the user never types the dates."""
    return period_of(
        plan,
        period_start=convention.effective_start_date,
        period_end=convention.computed_end_date,
    )


def _engine_compute(plan: engine.Plan) -> engine.PlanResult:
    """Compute; raise ValidationError with the engine's French message (the PlanError, with the
    year and share it is about, is its ``__cause__``)."""
    try:
        return engine.compute_plan(plan)
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc


def stored_plan(financing_plan: FinancingPlan) -> engine.Plan:
    """The stored plan, typed; ValidationError with the engine's message when its JSON is bad."""
    try:
        return financing_plan.get_plan()
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc


def compute(financing_plan: FinancingPlan) -> engine.PlanResult:
    """The stored plan computed with the post's months; ValidationError with the engine's
    French message."""
    return _engine_compute(_with_post_months(financing_plan, stored_plan(financing_plan)))


def plan_preview(
    *, convention: Convention, plan: engine.Plan, post=None, months_by_hand: bool = False
) -> engine.PlanResult:
    """Compute a plan being typed exactly as saving it would (months from the post), saving
    nothing. Raise ValidationError with the French message when it is invalid."""
    if post is None:
        post = convention.posts.order_by("pk").first()
    else:
        _check_post(convention, post)
    if post is None:
        months_by_hand = True
    financing_plan = FinancingPlan(convention=convention, post=post, months_by_hand=months_by_hand)
    result = _engine_compute(_with_post_months(financing_plan, _dated(convention, plan)))
    _parties_by_slug(convention, engine.plan_parties(plan))
    return result


def _parties_by_slug(convention: Convention, slugs) -> dict[str, Party]:
    slugs = set(slugs)
    parties = {
        p.slug: p
        for p in Party.objects.filter(organisation_id=convention.organisation_id, slug__in=slugs)
    }
    unknown = sorted(slugs - set(parties))
    if unknown:
        raise ValidationError(
            "Partie inconnue dans l'organisation : " + ", ".join(f"« {s} »" for s in unknown) + "."
        )
    return parties


def _save_if_changed(instance, values: dict) -> bool:
    """Set the values; save (and add a history row) only when one of them changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def plan_recompute(financing_plan: FinancingPlan) -> engine.PlanResult:
    """Store the computed amounts of every year (one row per party), replacing older ones.

    Only the rows whose values change are written; a year whose actual cost is known has its
    amounts on the actual cost recomputed too."""
    plan = _with_post_months(financing_plan, stored_plan(financing_plan))
    return _store_result(financing_plan, plan, _engine_compute(plan))


def _store_result(
    financing_plan: FinancingPlan, plan: engine.Plan, result: engine.PlanResult
) -> engine.PlanResult:
    """Write ``result`` (``plan`` computed, months from the post) as the plan's rows."""
    parties = _parties_by_slug(financing_plan.convention, engine.plan_parties(plan))
    employer_id = financing_plan.post.employer_id
    written = {year.year: year.as_written for year in plan.years}
    changed = False
    existing_years = {py.year: py for py in financing_plan.years.all()}
    existing_lines = {(line.year, line.party_id): line for line in financing_plan.lines.all()}
    keep_years, keep_lines = set(), set()
    for year in result.years:
        plan_year = existing_years.get(year.year)
        if plan_year is None:
            plan_year = PlanYear.objects.create(
                plan=financing_plan, year=year.year, months=year.months, cost=year.cost
            )
            changed = True
        else:
            changed |= _save_if_changed(plan_year, {"months": year.months, "cost": year.cost})
        keep_years.add(plan_year.pk)
        remainder_parties = {slug for slug, _ in year.remainder.parts}
        for slug, amount in year.shares.items():
            party = parties[slug]
            values = {
                "convention_id": financing_plan.convention_id,
                "post_id": financing_plan.post_id,
                "organisation_id": financing_plan.convention.organisation_id,
                "amount": amount,
                "is_remainder": slug in remainder_parties,
                "is_employer": party.pk == employer_id,
                "as_written": written.get(year.year, {}).get(slug),
            }
            line = existing_lines.get((year.year, party.pk))
            if line is None:
                line = ShareLine.objects.create(
                    plan=financing_plan, year=year.year, party=party, **values
                )
                changed = True
            else:
                changed |= _save_if_changed(line, values)
            keep_lines.add(line.pk)
    stale = financing_plan.lines.exclude(pk__in=keep_lines)
    if stale.filter(payments__isnull=False).exists():
        raise ValidationError(
            "Des titres ou versements sont déjà enregistrés sur une part que ce plan supprime."
        )
    if stale.exists() or financing_plan.years.exclude(pk__in=keep_years).exists():
        changed = True
        stale.delete()
        financing_plan.years.exclude(pk__in=keep_years).delete()
    for plan_year in financing_plan.years.filter(actual_cost__isnull=False):
        _store_actual(financing_plan, plan, plan_year)
    if changed or financing_plan.computed_at is None:
        financing_plan.computed_at = timezone.now()
        financing_plan.save(update_fields=["computed_at"])
    return result


def _check_post(convention: Convention, post) -> None:
    if post is None:
        raise ValidationError("La convention ne couvre aucun poste.")
    if post.organisation_id != convention.organisation_id:
        raise ValidationError("Le poste n'appartient pas à l'organisation de la convention.")
    if convention.pk and not convention.posts.filter(pk=post.pk).exists():
        raise ValidationError(
            f"Le poste « {post.name} » n'est pas couvert par la convention {convention.reference}."
        )


def _locked_plan(convention: Convention, post) -> FinancingPlan | None:
    """The convention's plan for ``post`` (locked for the transaction), or None."""
    return (
        FinancingPlan.objects.select_for_update().filter(convention=convention, post=post).first()
    )


def _write_plan(
    *,
    financing_plan: FinancingPlan | None,
    convention,
    post,
    plan: engine.Plan,
    months_by_hand,
    notes,
) -> FinancingPlan:
    """Check, compute once (months from the post) and store the plan and its rows."""
    _check_post(convention, post)
    staged = FinancingPlan(convention=convention, post=post, months_by_hand=months_by_hand)
    staged.set_plan(plan)
    with_months = _with_post_months(staged, plan)
    result = _engine_compute(with_months)
    _parties_by_slug(convention, engine.plan_parties(plan))
    values = {"post": post, "data": staged.data, "months_by_hand": months_by_hand}
    if notes is not None:
        values["notes"] = notes
    if financing_plan is None:
        financing_plan = FinancingPlan(convention=convention, **values)
        financing_plan.save()
    else:
        _save_if_changed(financing_plan, values)
    _store_result(financing_plan, with_months, result)
    return financing_plan


def plan_version_state(
    financing_plan: FinancingPlan | None, draft: PlanDraft | None
) -> dict[str, Any]:
    """What the plan page of a post loaded, for its version token (``iscg.concurrency``): the
    plan as stored (rules, months by hand, notes) and the editor's draft."""
    return {
        "plan": financing_plan.data if financing_plan else None,
        "months_by_hand": financing_plan.months_by_hand if financing_plan else None,
        "notes": financing_plan.notes if financing_plan else None,
        "draft": draft.data if draft else None,
    }


def _plan_summary(plan: engine.Plan | None, names: Mapping[str, str]) -> dict[str, str]:
    if plan is None:
        return {"years": "(aucun plan)", "shares": "(aucun plan)"}
    years = "\n".join(
        f"{y.year} : {format_euros(y.annual_cost)}"
        + (f", {format_months(y.months)} mois" if y.months is not None else "")
        for y in plan.years
    )
    shares = "\n".join(f"{who} : {words}" for who, words in rule_words.plan_words(plan, names))
    return {"years": years or "—", "shares": shares or "—"}


def _check_plan_version(
    convention: Convention,
    post,
    financing_plan: FinancingPlan | None,
    version: str | None,
    yours: engine.Plan | str,
) -> None:
    """Refuse (``EditConflict``, nothing written) when the post's plan or its draft changed
    since the page was loaded with ``version``. Call with the plan row locked: the draft's
    row is locked here."""

    def conflict(draft: PlanDraft | None) -> concurrency.EditConflict:
        names = {
            p.slug: str(p) for p in Party.objects.filter(organisation_id=convention.organisation_id)
        }
        try:
            current = financing_plan.get_plan() if financing_plan else None
        except engine.PlanError:
            current = None
        theirs = _plan_summary(current, names)
        mine = (
            _plan_summary(yours, names)
            if isinstance(yours, engine.Plan)
            else {"years": yours, "shares": yours}
        )
        labels = {"years": "Années et coût annuel", "shares": "Parts : qui paie quoi"}
        rows = concurrency.differences(labels, theirs, mine)
        saved: list[tuple[datetime, str]] = []
        for row in (financing_plan, draft):
            who, when = concurrency.last_change(row) if row is not None else ("", None)
            if when is not None:
                saved.append((when, who))
        when, who = max(saved) if saved else (None, "")
        notes = (
            ["Un brouillon de ce plan a été enregistré entre-temps : il est sur la page rechargée."]
            if draft is not None
            else []
        )
        return concurrency.EditConflict(
            f"le plan de financement du poste « {post.name} » ({convention.reference})",
            differences=rows,
            saved_by=who,
            saved_at=when,
            notes=notes,
        )

    concurrency.locked(
        PlanDraft.objects.filter(convention=convention, post=post),
        version,
        state=lambda draft: plan_version_state(financing_plan, draft),
        conflict=conflict,
        missing_ok=True,
    )


@transaction.atomic
def plan_save(
    *,
    convention: Convention,
    post,
    plan: engine.Plan,
    months_by_hand: bool = False,
    notes: str | None = None,
    dated: bool = True,
    discard_draft: bool = False,
    version: str | None = None,
) -> FinancingPlan:
    """Create or replace a convention's plan for ``post`` (one plan per post the convention
    covers; a post it does not cover is refused); refused from the sending to signature on (the
    plan is frozen with the text), and once the convention is signed and its plan recorded (the
    first plan of a signed act may still be entered, as it was signed). The plan is computed
    once, with the months from the post (unless ``months_by_hand``), and dated by the
    convention's period when it fits the plan's years (``months.period_of``) unless ``dated``
    is False: an avenant or a renewal keeps the reading of the plan it copies. With
    ``discard_draft`` (the guided editor's save), the post's draft, now the plan, is deleted.
    ``version``: the token of the plan page as loaded (``plan_version_state``); when the plan or
    its draft has changed since, ``EditConflict`` and nothing is written."""
    _check_post(convention, post)
    financing_plan = _locked_plan(convention, post)
    _check_not_frozen(convention, financing_plan)
    _check_plan_version(convention, post, financing_plan, version, plan)
    saved = _write_plan(
        financing_plan=financing_plan,
        convention=convention,
        post=post,
        plan=_dated(convention, plan) if dated else plan,
        months_by_hand=months_by_hand,
        notes=notes,
    )
    if discard_draft:
        PlanDraft.objects.filter(convention=convention, post=post).delete()
    return saved


def _check_not_frozen(convention: Convention, financing_plan: FinancingPlan | None) -> None:
    """PlanLocked from the sending to signature on (and once the recorded plan is signed)."""
    status = Convention.objects.filter(pk=convention.pk).values_list("status", flat=True).first()
    if status == ConventionStatus.TO_SIGN:
        raise PlanLocked(
            plan_locked_message(Convention(reference=convention.reference, status=status))
        )
    if financing_plan is not None and financing_plan.is_locked:
        raise PlanLocked(plan_locked_message(financing_plan.convention))


#: Form fields never kept in a draft (the page's own, not the plan's).
_NOT_DRAFTED = {"csrfmiddlewaretoken", "action", "mode", concurrency.FIELD}


@transaction.atomic
def plan_draft_save(
    *,
    convention: Convention,
    post: Any,
    data: Mapping[str, str],
    by: Any = None,
    version: str | None = None,
) -> PlanDraft:
    """Keep the guided editor's values as typed, complete or not: the stored plan does not
    change (it changes when the draft, complete, is saved with ``plan_save``). Refused, like a
    plan, once the convention is sent to signature. One draft per post (replaced)."""
    _check_post(convention, post)
    financing_plan = _locked_plan(convention, post)
    _check_not_frozen(convention, financing_plan)
    _check_plan_version(
        convention, post, financing_plan, version, "(un brouillon, à voir sur la page rechargée)"
    )
    values = {str(key): str(value) for key, value in data.items() if key not in _NOT_DRAFTED}
    draft = PlanDraft.objects.select_for_update().filter(convention=convention, post=post).first()
    if draft is None:
        return PlanDraft.objects.create(convention=convention, post=post, data=values, saved_by=by)
    draft.data = values
    draft.saved_by = by
    draft.save()
    return draft


@transaction.atomic
def plan_draft_discard(*, convention: Convention, post: Any, version: str | None = None) -> bool:
    """Delete the post's draft (the saved plan stays as it is); whether there was one. Its
    history keeps what it held. Refused (``EditConflict``) when the draft or the plan changed
    since the page was loaded with ``version``."""
    _check_plan_version(
        convention, post, _locked_plan(convention, post), version, "(abandonner le brouillon)"
    )
    deleted, _ = PlanDraft.objects.filter(convention=convention, post=post).delete()
    return bool(deleted)


@transaction.atomic
def plan_set_as_signed(
    *,
    convention: Convention,
    post,
    plan: engine.Plan,
    months_by_hand: bool = False,
    notes: str | None = None,
) -> FinancingPlan:
    """Record the plan of an act as it was signed, even when the convention is already signed.

    Not for users (they call ``plan_save``, which refuses a signed convention): this is for
    loading what signed acts state — the demo data (``demo.plans``), an import of
    past conventions. Idempotent: an unchanged plan writes nothing. Not dated by the
    convention's period: a signed act states its own dates or budgets by exercice."""
    _check_post(convention, post)
    financing_plan = _locked_plan(convention, post)
    return _write_plan(
        financing_plan=financing_plan,
        convention=convention,
        post=post,
        plan=plan,
        months_by_hand=months_by_hand,
        notes=notes,
    )


@transaction.atomic
def plan_apply_to_posts(*, convention: Convention, post, posts) -> list[FinancingPlan]:
    """« One plan applied to each post »: copy the plan of ``post`` (as stored, with its
    months by hand or not; each target keeps its own notes) to each of ``posts``, through ``plan_save`` (same
    checks: a post the convention does not cover, a frozen plan are refused; nothing is
    written then). Each copy is computed with its own post's months. Return the plans saved."""
    source = FinancingPlan.objects.filter(convention=convention, post=post).first()
    if source is None:
        raise ValidationError(
            f"Le poste « {post.name} » n'a pas encore de plan dans {convention.reference}."
        )
    plan = stored_plan(source)
    return [
        plan_save(
            convention=convention,
            post=target,
            plan=plan,
            months_by_hand=source.months_by_hand,
        )
        for target in posts
        if target.pk != post.pk
    ]


def _actual_shares(plan: engine.Plan, year: int, actual_cost: Decimal) -> engine.YearResult:
    """The year's shares recomputed on the actual cost (the cost of the months worked);
    ``plan`` has its months from the post already."""
    try:
        actual = engine.with_actual_cost(plan, year, actual_cost)
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc
    return _engine_compute(actual).year(year)


def _store_actual(
    financing_plan: FinancingPlan,
    plan: engine.Plan,
    plan_year: PlanYear,
    result: engine.YearResult | None = None,
) -> dict[str, Decimal]:
    """Store the year's amounts on its actual cost (``result``, when already computed)."""
    if result is None:
        if plan_year.actual_cost is None:
            raise ValueError("plan_year has no actual cost to store")
        result = _actual_shares(plan, plan_year.year, plan_year.actual_cost)
    differences = {}
    for line in financing_plan.lines.filter(year=plan_year.year).select_related("party"):
        actual = result.shares.get(line.party.slug, Decimal(0))
        _save_if_changed(line, {"actual_amount": actual})
        differences[line.party.slug] = line.amount - actual
    return differences


@transaction.atomic
def actual_cost_set(*, plan_year: PlanYear, actual_cost: Decimal) -> dict[str, Decimal]:
    """Recompute the year's shares on the actual cost; return each party's difference
    (planned minus actual: what a subsidy is reduced by, or what is reclaimed)."""
    actual_cost = Decimal(actual_cost)
    if actual_cost < 0:
        raise ValidationError("Le coût réel ne peut pas être négatif.")
    financing_plan = plan_year.plan
    plan = _with_post_months(financing_plan, stored_plan(financing_plan))
    result = _actual_shares(plan, plan_year.year, actual_cost)  # before writing anything
    _save_if_changed(plan_year, {"actual_cost": actual_cost})
    return _store_actual(financing_plan, plan, plan_year, result)


@transaction.atomic
def payment_record(*, share_line: ShareLine, by, **fields) -> Payment:
    """Record a titre de recettes (or a subsidy payment) on a co-funder's share, and what was
    received; refused on the employer's own share (nobody owes it to itself)."""
    if share_line.is_employer:
        raise ValidationError(
            "Le reste à charge de l'employeur ne donne lieu à aucun titre de recettes."
        )
    if not ShareLine.objects.filter(pk=share_line.pk).effective(years=[share_line.year]).exists():
        convention = share_line.convention
        why = (
            "l'acte n'est pas signé"
            if convention.status not in SIGNED_STATUSES
            else "un acte signé plus récent fixe les montants de cette année"
        )
        raise ValidationError(
            f"Cette part de {convention.reference} ({share_line.year}) n'est pas due : {why}. "
            "Émettez le titre sur la part de l'acte en vigueur."
        )
    payment = Payment(share_line=share_line, **fields)
    payment.full_clean()
    _check_within_share(share_line, payment.amount_issued)
    history.attribute(payment, by=by)
    payment.save()
    if payment.kind == PaymentKind.TITRE:
        notices.titre_issued(payment)  # queued with this transaction
    return payment


def _check_within_share(share_line: ShareLine, amount, *, replacing: Payment | None = None) -> None:
    """ValidationError (French) when a titre of ``amount`` would take what is issued on the
    share beyond its amount (``titres.issue_refusal``; ``replacing``: the titre a correction
    cancels, left out). The share is locked, so two titres issued at once cannot both pass."""
    locked = ShareLine.objects.select_for_update().get(pk=share_line.pk)
    issued = Payment.objects.active().filter(share_line=locked)
    if replacing is not None:
        issued = issued.exclude(pk=replacing.pk)
    refusal = titres.issue_refusal(
        locked.amount, list(issued.values_list("amount_issued", flat=True)), amount
    )
    if refusal:
        raise ValidationError({"amount_issued": refusal})


def _cancel(payment: Payment, *, reason: str, by) -> None:
    payment.cancelled_at = timezone.now()
    payment.cancelled_by = by
    payment.cancellation_reason = reason
    history.attribute(payment, by=by, reason=f"Annulation. Motif : {reason}")
    payment.save(update_fields=["cancelled_at", "cancelled_by", "cancellation_reason"])


def _locked_payment(payment: Payment, reason: str) -> tuple[Payment, str]:
    payment = Payment.objects.select_for_update().select_related("share_line").get(pk=payment.pk)
    if payment.is_cancelled:
        raise ValidationError(
            f"{payment} est déjà annulé (le {format_date_long(timezone.localdate(payment.cancelled_at))})."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif : il est gardé avec le titre annulé.")
    return payment, reason


@transaction.atomic
def payment_cancel(*, payment: Payment, reason: str, by) -> Payment:
    """Cancel a titre de recettes (or a subsidy payment): it stays listed, struck out, with
    its reason, who and when, and no longer counts in what was issued or received. Never a
    silent edit: the history keeps it as it was."""
    payment, reason = _locked_payment(payment, reason)
    _cancel(payment, reason=reason, by=by)
    return payment


@transaction.atomic
def payment_correct(*, payment: Payment, reason: str, by, **fields) -> Payment:
    """Correct a titre: the titre is cancelled (with ``reason``) and a new one, with the
    corrected ``fields``, records which one it corrects. Refused (French message, nothing
    changed) when the new values are not valid."""
    payment, reason = _locked_payment(payment, reason)
    new = Payment(share_line=payment.share_line, corrects=payment, **fields)
    new.full_clean()
    _check_within_share(payment.share_line, new.amount_issued, replacing=payment)
    _cancel(payment, reason=f"{reason} (corrigé par un nouveau titre)", by=by)
    history.attribute(new, by=by, reason=f"Correction du titre {payment.number}. Motif : {reason}")
    new.save()
    if new.kind == PaymentKind.TITRE:
        notices.titre_issued(new)  # the corrected titre is the one to pay
    return new


# --------------------------------------------------------------------------- ending a convention


@transaction.atomic
def plan_truncate(*, plan: FinancingPlan, on: date, by) -> list[Payment]:
    """Stop a plan from ``on``, the date of effect of a convention's dénonciation or résiliation.

    The stored plan changes so that the months from ``on`` are no longer due: the year of
    effect keeps only the months before it (a started month counts fully:
    ``conventions.rules.months_due``), later years are removed; the amounts the act wrote for
    the year of effect no longer apply and are dropped. A share that already has titres or
    payments is kept with 0 € instead of being deleted. Every change is in the plan's history,
    made by ``by``. Returns the titres already issued beyond what is now due (to cancel).
    """
    financing_plan = (
        FinancingPlan.objects.select_for_update()
        .select_related("post", "convention")
        .get(pk=plan.pk)
    )
    history.attribute(financing_plan, by=by)
    # Months made explicit: they are now by hand.
    typed = _with_post_months(financing_plan, stored_plan(financing_plan))
    start = financing_plan.convention.effective_start_date
    post_start = financing_plan.post.start_date
    first = max((d for d in (start, post_start) if d is not None), default=None)
    months_due = {
        year: rules.months_due(year, on, funded=funded, start=first)
        for year, funded in engine.months_by_year(typed).items()
    }
    kept = engine.truncated(typed, months_due)
    result = _engine_compute(kept) if kept.years else None
    new_data = engine.plan_to_dict(kept)
    if new_data != financing_plan.data or not financing_plan.months_by_hand:
        financing_plan.data = new_data
        financing_plan.months_by_hand = True
        financing_plan.save(update_fields=["data", "months_by_hand"])
    written = {year.year: year.as_written for year in kept.years}
    for plan_year in financing_plan.years.all():
        history.attribute(plan_year, by=by)
        if plan_year.year not in written:
            plan_year.delete()
            continue
        assert result is not None  # a year kept means the kept plan has years: it was computed
        computed = result.year(plan_year.year)
        _save_if_changed(plan_year, {"months": computed.months, "cost": computed.cost})
    for line in financing_plan.lines.select_related("party").prefetch_related("payments"):
        history.attribute(line, by=by)
        if line.year in written:
            assert result is not None  # as above
            values = {
                "amount": result.year(line.year).shares.get(line.party.slug, Decimal(0)),
                "as_written": written[line.year].get(line.party.slug),
            }
        elif line.payments.all():
            values = {"amount": Decimal(0), "as_written": None, "actual_amount": None}
        else:
            line.delete()
            continue
        _save_if_changed(line, values)
    for plan_year in financing_plan.years.filter(actual_cost__isnull=False):
        _store_actual(financing_plan, kept, plan_year)
    financing_plan.computed_at = timezone.now()
    financing_plan.save(update_fields=["computed_at"])

    return payments_to_cancel(financing_plan.lines.filter(year__gte=on.year))


# --------------------------------------------------------------------------- titres to issue


@transaction.atomic
def titre_settings_save(*, organisation, imputation: str, payment_days: int, by) -> TitreSettings:
    """Save how the organisation's titres are issued (history kept)."""
    found = TitreSettings.objects.select_for_update().filter(organisation=organisation).first()
    found = found or TitreSettings(organisation=organisation)
    found.imputation = (imputation or "").strip()
    found.payment_days = payment_days
    found.full_clean()
    history.attribute(found, by=by)
    found.save()
    return found


@transaction.atomic
def titres_issue(
    *, organisation, amounts: Mapping[int, Decimal], lines, issued_on: date, by
) -> list[Payment]:
    """Issue one titre de recettes per share of ``amounts`` (share pk → amount), all or
    nothing: a share outside ``lines`` (the user's scope) or of another organisation, an
    amount beyond what is left to issue, and nothing is issued (ValidationError with one
    French message per refusal). Each titre gets the organisation's next number
    (TR-<exercice>-<n°>), its due date from the organisation's delay, its history, and the
    partner's notice. The organisation's settings row is locked: numbers never collide."""
    if not amounts:
        raise ValidationError("Cochez au moins une part à émettre.")
    if issued_on > timezone.localdate():
        raise ValidationError("La date d'émission ne peut pas être dans le futur.")
    settings_row, _ = TitreSettings.objects.get_or_create(organisation=organisation)
    settings_row = TitreSettings.objects.select_for_update().get(pk=settings_row.pk)
    chosen = {
        line.pk: line
        for line in lines.filter(organisation=organisation, pk__in=list(amounts))
        .select_related("party", "convention", "post")
        .order_by("party__name", "convention__reference", "pk")
    }
    errors = [
        f"Part n° {pk} : rien à émettre (elle n'est pas due pour cet exercice, ou pas dans "
        "votre organisation)."
        for pk in amounts
        if pk not in chosen
    ]
    numbers = list(
        Payment.objects.filter(
            share_line__organisation=organisation, number__startswith=f"{titres.NUMBER_PREFIX}-"
        ).values_list("number", flat=True)
    )
    issued = []
    for pk, line in chosen.items():
        number = titres.next_number(line.year, numbers)
        try:
            with transaction.atomic():
                payment = payment_record(
                    share_line=line,
                    by=by,
                    kind=PaymentKind.TITRE,
                    number=number,
                    issued_on=issued_on,
                    due_on=titres.due_date(issued_on, None, settings_row.payment_days),
                    amount_issued=Decimal(amounts[pk]),
                )
        except ValidationError as exc:
            errors.append(f"{line.party} — {line.convention.reference} : {' '.join(exc.messages)}")
            continue
        numbers.append(number)
        issued.append(payment)
    if errors:
        raise ValidationError(errors)
    return issued
