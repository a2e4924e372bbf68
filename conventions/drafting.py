"""Drafting services behind the new-convention wizard: start a draft (new, renewal, avenant)
and set its parties. Each step saves, so a gestionnaire can leave and come back."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from conventions import amendments, rules
from conventions.models import (
    FROZEN_TEXT_STATUSES,
    SIGNED_STATUSES,
    Convention,
    ConventionKind,
    ConventionParty,
    ConventionStatus,
    Party,
    PartyKind,
    Post,
    PostKind,
)
from conventions.validators import (
    REFERENCE_TAKEN,
    normalize_reference,
    reference_problem,
    reserved_reference_names,
)
from financing import engine
from financing.models import FinancingPlan
from financing.services import compute, plan_save, stored_plan
from iscg import history
from iscg.perms import organisation_scope

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
#: An avenant starts with the dates of the act it amends (then changes what it changes).
DATE_FIELDS = ["start_date", "end_date", "duration_months", "notification_date"]
ROLE_FIELDS = list(ConventionParty.ROLE_FIELDS.values())
MODES = ("nouvelle", "renouvellement", "avenant")


def next_reference(organisation, year: int) -> str:
    """A free reference such as "PDC2026-N01" (organisation slug initials + year + number)."""
    prefix = "".join(part[0] for part in organisation.slug.split("-") if part).upper()[:4] or "CONV"
    number = 1
    while reference_taken(organisation, f"{prefix}{year}-N{number:02d}"):
        number += 1
    return f"{prefix}{year}-N{number:02d}"


def reference_taken(organisation, reference: str, *, exclude_pk: int | None = None) -> bool:
    """Whether a convention of ``organisation`` has ``reference`` already (without case, as the
    database's constraint compares). Other organisations' references are never looked at."""
    found = Convention.objects.filter(
        organisation=organisation, reference__iexact=normalize_reference(reference)
    )
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.exists()


# --------------------------------------------------------------------------- dates (pure)


@dataclass(frozen=True)
class Dates:
    start: date | None = None
    end: date | None = None
    months: int | None = None


def months_between(start: date | None, end: date | None) -> int | None:
    """The whole number of months from ``start`` to ``end`` (1 Jan → 31 Dec: 12), or ``None``
    when the period is not a whole number of months."""
    if start is None or end is None or end < start:
        return None
    guess = (end.year - start.year) * 12 + end.month - start.month
    for months in (guess, guess + 1):
        if months >= 1 and rules.end_from_duration(start, months) == end:
            return months
    return None


def renewal_dates(*, start: date | None, end: date | None, months: int | None) -> Dates:
    """The dates proposed for renewing an act that runs from ``start`` to ``end`` (its computed
    end) for ``months``: from the day after its end, for the same duration (12 months when it
    cannot be told)."""
    months = months or months_between(start, end) or 12
    if end is None:
        return Dates(None, None, months)
    new_start = end + timedelta(days=1)
    return Dates(new_start, rules.end_from_duration(new_start, months), months)


def settle_dates(given: Dates, proposed: Dates | None = None) -> Dates:
    """The dates to save from those typed over the proposed ones: the field changed wins.

    With a start and a duration, an end left empty or left as proposed (while the start or the
    duration changed) follows them: "start 1 January 2027, 12 months" over a proposal ending on
    31 December 2024 gives 31 December 2027, never "… pas au 31 décembre 2024". An end changed
    by hand while the duration stayed as proposed drops that duration. Anything else is kept as
    typed (and checked by the model)."""
    proposed = proposed or Dates()
    start, end, months = given.start, given.end, given.months
    if start and months:
        computed = rules.end_from_duration(start, months)
        if end is None or (end == proposed.end and end != computed):
            end = computed
        elif end != computed and end != proposed.end and months == proposed.months:
            months = None
    return Dates(start, end, months)


# --------------------------------------------------------------------------- sources


def amended_convention(convention: Convention) -> Convention:
    """The convention an avenant or a renewal is about: an avenant's parent, else itself."""
    if convention.kind == ConventionKind.AVENANT and convention.parent is not None:
        return convention.parent
    return convention


def next_amendment_number(parent: Convention) -> int:
    """1 + the highest number among the parent's avenants, whatever their status: an
    abandoned avenant keeps its number, so that numbers are never given twice."""
    highest = parent.amendments.aggregate(n=Max("amendment_number"))["n"] or 0
    return highest + 1


def amendment_title(parent: Convention, number: int) -> str:
    return f"Avenant n° {number} à la convention {parent.reference}"


def proposed_dates(mode: str, source: Convention | None) -> Dates | None:
    """The dates step 1 proposes: a renewal's (the day after the source ends, same duration),
    an avenant's (those of the act it amends, as amended)."""
    if source is None or mode not in ("renouvellement", "avenant"):
        return None
    source = amended_convention(source)
    state = amendments.latest_signed_state(source)
    if mode == "renouvellement":
        return renewal_dates(
            start=state.effective_start_date,
            end=state.computed_end_date,
            months=state.duration_months,
        )
    return Dates(state.start_date, state.end_date, state.duration_months)


def proposal(mode: str, source: Convention | None) -> dict:
    """What step 1 shows pre-filled for a renewal or an avenant of ``source``."""
    if source is None or mode not in ("renouvellement", "avenant"):
        return {}
    parent = amended_convention(source)
    state = amendments.latest_signed_state(parent)
    dates = proposed_dates(mode, source)
    assert dates is not None  # mode and source checked above
    values = {
        "source": parent,
        "start_date": dates.start,
        "end_date": dates.end,
        "duration_months": dates.months,
        "notice_months": state.notice_months,
        "signature_place": state.signature_place,
    }
    if mode == "avenant":
        number = next_amendment_number(parent)
        values["title"] = amendment_title(parent, number)
        reference = f"{parent.reference}-AV{number}"
        # Proposed only when it is a valid reference, free in the organisation.
        if reference_problem(
            normalize_reference(reference), reserved_reference_names()
        ) is None and not reference_taken(parent.organisation, reference):
            values["reference"] = reference
    else:
        values["title"] = parent.title
    return values


def _check_source(mode: str, source: Convention | None, organisation) -> Convention:
    if source is None:
        raise ValidationError("Choisissez la convention à renouveler ou à modifier.")
    if source.organisation_id != organisation.id:
        raise ValidationError("Cette convention n'appartient pas à votre organisation.")
    source = amended_convention(source)
    if mode == "avenant" and source.status not in SIGNED_STATUSES:
        raise ValidationError(
            f"La convention {source.reference} n'est pas signée : un avenant ne modifie qu'un acte "
            "signé (corrigez directement son brouillon)."
        )
    if mode == "renouvellement" and source.status not in SIGNED_STATUSES:
        raise ValidationError(
            f"La convention {source.reference} n'est pas signée (« "
            f"{source.get_status_display()} ») : seule une convention signée se renouvelle."
        )
    return source


# --------------------------------------------------------------------------- links


@dataclass
class RelatedActs:
    """A convention's relatives shown on its page: its avenants and renewals, the convention an
    avenant amends, the one a renewal renews (only those the user may see)."""

    amendments: list
    renewals: list
    parent: Convention | None
    renews: Convention | None
    #: Signed, and not itself an avenant (an avenant's page points to its parent instead).
    amendable: bool = False
    #: Signed (not a draft, not "à signer", not abandoned), and not itself an avenant.
    renewable: bool = False


def related_acts(convention: Convention, user) -> RelatedActs:
    visible = Convention.objects.visible_to(user)
    return RelatedActs(
        amendments=list(
            visible.filter(parent=convention).order_by("amendment_number", "reference")
        ),
        renewals=list(visible.filter(renews=convention).order_by("start_date", "reference")),
        parent=visible.filter(pk=convention.parent_id).first() if convention.parent_id else None,
        renews=visible.filter(pk=convention.renews_id).first() if convention.renews_id else None,
        amendable=not convention.parent_id and convention.status in SIGNED_STATUSES,
        renewable=not convention.parent_id and convention.status in SIGNED_STATUSES,
    )


# --------------------------------------------------------------------------- the service


def _copy_memberships(source: Convention, target: Convention, by=None) -> None:
    """Each party with its roles, order, wording and representative (not its signature); a
    representative whose mandate has ended gives way to the one in office today, if any."""
    today = date.today()
    for membership in source.memberships.select_related("party", "representative"):
        fields = {name: getattr(membership, name) for name in ROLE_FIELDS}
        representative = membership.representative
        if (
            representative is not None
            and representative.valid_to
            and representative.valid_to < today
        ):
            representative = membership.party.current_representative(today) or representative
        copy = ConventionParty(
            convention=target,
            party_id=membership.party_id,
            order=membership.order,
            representative=representative,
            wording=membership.wording,
            **fields,
        )
        if by is not None:
            history.attribute(copy, by=by)
        copy.save()


@dataclass(frozen=True)
class DraftStarted:
    """A draft just created, and why the plan of the act it copies was not copied, if it was
    not (in French, for the draft's page): never a plan dropped silently."""

    convention: Convention
    plan_not_copied: str = ""


def _save_new_reference(convention: Convention) -> None:
    """Insert a new convention; another one of the organisation given the same reference in
    the meantime (two gestionnaires, four tabs) makes the database refuse the second insert:
    it is rolled back to its savepoint and refused with the French message, the caller's
    transaction intact."""
    try:
        with transaction.atomic():
            convention.save()
    except IntegrityError as error:
        if reference_taken(convention.organisation, convention.reference):
            raise ValidationError({"reference": REFERENCE_TAKEN}) from error
        raise


@transaction.atomic
def convention_draft_start(
    *, organisation, mode: str, source: Convention | None = None, by=None, **fields
) -> DraftStarted:
    """Create a draft convention. ``mode``:

    * "nouvelle": from the fields given;
    * "renouvellement": a copy of ``source`` (nature, parties, text and template version, plan
      with its years moved forward) starting the day after it ends, for the same duration;
      ``renews`` links them;
    * "avenant": a copy of ``source`` as amended by its signed avenants (dates, posts, parties
      and representatives, plan unchanged), numbered after the parent's other avenants
      (``next_amendment_number``), titled "Avenant n° 1 à la convention …"; its text lists
      what it changes. ``source`` may be an avenant: the new one amends the same convention.

    Fields given (non-empty; dates even empty) replace the copied ones; dates not given are the
    proposed ones (``proposed_dates``), settled by ``settle_dates``. A plan that cannot be
    saved in the copy is refused with a French message and nothing is created; a renewal's plan
    whose years cannot be moved (no start date) is left out, and ``DraftStarted.plan_not_copied``
    says why, for the draft's page."""
    posts = fields.pop("posts", None)
    copied_from = None
    if mode not in MODES:
        raise ValidationError(
            "Choisissez ce que vous rédigez : nouvelle convention, renouvellement ou avenant."
        )
    if mode in ("renouvellement", "avenant"):
        source = _check_source(mode, source, organisation)
        # Numbering and copying read the parent's avenants: one drafting at a time per parent.
        source = Convention.objects.select_for_update().get(pk=source.pk)
        copied_from = amendments.latest_signed_state(source)
        # Dates passed (even empty) are the caller's; other empty fields keep the copied value.
        given = {
            k: v
            for k, v in fields.items()
            if v not in (None, "") or k in ("start_date", "end_date", "duration_months")
        }
        proposed = proposed_dates(mode, source)
        assert proposed is not None  # a renewal or an avenant of a source
        if mode == "renouvellement":
            base = {name: getattr(source, name) for name in COPIED_FIELDS}
            base.update(
                renews=source,
                template_version=source.template_version,
                text=source.text,
                notice_months=copied_from.notice_months,
                signature_place=copied_from.signature_place,
            )
        else:
            number = next_amendment_number(source)
            base = {name: getattr(copied_from, name) for name in COPIED_FIELDS + DATE_FIELDS}
            base.update(title=amendment_title(source, number), amendment_number=number)
        base.update(
            start_date=proposed.start, end_date=proposed.end, duration_months=proposed.months
        )
        fields = {**base, **given}
        if mode == "avenant":
            fields.update(kind=ConventionKind.AVENANT, parent=source)
        dates = settle_dates(
            Dates(fields["start_date"], fields["end_date"], fields["duration_months"]), proposed
        )
        fields.update(start_date=dates.start, end_date=dates.end, duration_months=dates.months)
        # The act's own wording of its period ("à compter du 1er janvier 2023 jusqu'au …") does
        # not describe other dates: a renewal, or an avenant that changes them, drops it.
        if "duration_text" not in given and (
            mode == "renouvellement" or dates != proposed_dates(mode, source)
        ):
            fields["duration_text"] = ""
    if "reference" in fields:
        fields["reference"] = normalize_reference(fields["reference"] or "")
        if fields["reference"] and reference_taken(organisation, fields["reference"]):
            raise ValidationError({"reference": REFERENCE_TAKEN})
    convention = Convention(organisation=organisation, status=ConventionStatus.DRAFT, **fields)
    convention.full_clean()
    if by is not None:
        history.attribute(convention, by=by)
    _save_new_reference(convention)
    if posts is not None:
        convention.posts.set(posts)
    elif copied_from is not None:
        convention.posts.set(copied_from.posts.all())
    not_copied = ""
    if copied_from is not None:
        _copy_memberships(copied_from, convention, by)
        if mode == "renouvellement":
            not_copied = _copy_plan(copied_from, convention, shift_from=source)
        else:
            not_copied = _copy_plan(copied_from, convention)
    return DraftStarted(convention, not_copied)


def _plan_refused(source: Convention, target: Convention, exc: ValidationError):
    return ValidationError(
        f"Le plan de financement de {source.reference} ne peut pas être repris dans "
        f"{target.reference} : {' '.join(exc.messages)} Corrigez d'abord ce plan, ou rédigez "
        "une nouvelle convention."
    )


def _copy_plan(
    source: Convention, target: Convention, *, shift_from: Convention | None = None
) -> str:
    """Copy every financing plan of the source (one per post) into the target through
    ``plan_save``; return why they were not copied ("" when they were, or when there is none).

    An avenant (``shift_from`` None) gets each plan unchanged. A renewal gets them with their
    years moved to the new period (from the start year of ``shift_from``, the renewed
    convention, to the renewal's), per-year amounts and percentages moving with them, and the
    years past the renewal's end dropped; without dates to move them by, no plan is copied and
    the message says so. A plan whose post the target no longer covers is not copied. A plan
    that cannot be saved is refused (ValidationError): the draft is not created."""
    financing_plans = list(
        FinancingPlan.objects.filter(convention=source).select_related("post").order_by("pk")
    )
    if not financing_plans:
        return ""
    if shift_from is not None and (not target.start_date or not shift_from.effective_start_date):
        what = "Les plans" if len(financing_plans) > 1 else "Le plan"
        return (
            f"{what} de financement de {source.reference} "
            + ("n'ont" if len(financing_plans) > 1 else "n'a")
            + " pas été repris : "
            + (
                "le renouvellement n'a pas de date de début"
                if not target.start_date
                else f"{shift_from.reference} n'a pas de date de début"
            )
            + ", ses années ne peuvent pas être décalées. Saisissez le plan de ce brouillon."
        )
    covered = set(target.posts.values_list("pk", flat=True))
    for financing_plan in financing_plans:
        if financing_plan.post_id not in covered:
            continue
        try:
            plan = stored_plan(financing_plan)
            if shift_from is None:
                plan = engine.written_gaps_only(plan, compute(financing_plan))
        except ValidationError as exc:
            raise _plan_refused(source, target, exc) from exc
        if shift_from is not None:
            assert target.start_date and shift_from.effective_start_date  # checked above
            plan = engine.shifted(
                plan,
                shift=target.start_date.year - shift_from.effective_start_date.year,
                last_year=target.computed_end_date.year if target.computed_end_date else None,
            )
        try:
            plan_save(
                convention=target,
                post=financing_plan.post,
                plan=plan,
                months_by_hand=financing_plan.months_by_hand,
                notes=financing_plan.notes,
                dated=False,  # the copy keeps the reading of the plan it copies
            )
        except ValidationError as exc:
            raise _plan_refused(source, target, exc) from exc
    return ""


def ensure_draft(convention: Convention) -> None:
    if not convention.is_draft or convention.status != ConventionStatus.DRAFT:
        raise ValidationError(
            f"La convention {convention.reference} n'est plus un brouillon : ses parties ne changent plus "
            "(rédigez un avenant)."
        )


#: What step 1 of a draft may change (not its post or nature: parties, plan, text follow them).
DRAFT_INFO_FIELDS = (
    "title",
    "start_date",
    "end_date",
    "duration_months",
    "notice_months",
    "signature_place",
    "original_copies",
)
#: What step 2 sets on each party of a draft.
MEMBERSHIP_FIELDS = ("order", "party", *ConventionParty.ROLE_FIELDS.values(), "representative")

#: The party kinds that direct a post's work, by kind of post (its autorité fonctionnelle).
AUTHORITY_KINDS: dict[str, tuple[str, ...]] = {
    PostKind.ISG: (PartyKind.GENDARMERIE,),
    PostKind.ISC: (PartyKind.POLICE,),
    PostKind.ISCG: (PartyKind.POLICE, PartyKind.GENDARMERIE),
}


def _authority_parties(post: Post, parties: list[Party]) -> list[Party]:
    """The parties a post's autorité fonctionnelle names (its text matches a party's name),
    else the only party of the kind its units call for (the gendarmerie for an ISG)."""
    text = (post.functional_authority or "").strip().casefold()
    if text:
        named = [
            p
            for p in parties
            if text in {p.name.casefold(), (p.short_name or "").casefold()}
            or p.name.casefold() in text
        ]
        if named:
            return named[:1]
    found: list[Party] = []
    for kind in AUTHORITY_KINDS.get(post.kind, ()):
        of_kind = [p for p in parties if p.kind == kind]
        if len(of_kind) == 1:
            found.extend(of_kind)
    return found


def proposed_memberships(convention: Convention) -> list[dict]:
    """Step 2's rows for a draft without parties, from its posts: each post's employer (who
    signs, employs and is the autorité hiérarchique) and the authorities known (autorité
    fonctionnelle), each with its representative in office at the start of the convention.
    Proposed only: nothing is saved until the gestionnaire saves the step."""
    parties = list(Party.objects.filter(organisation_id=convention.organisation_id))
    on = convention.start_date or timezone.localdate()
    rows: dict[int, dict] = {}

    def add(party: Party, **roles: bool) -> None:
        row = rows.setdefault(
            party.pk,
            {
                "party": party.pk,
                "is_signatory": True,
                "representative": getattr(party.current_representative(on), "pk", None),
            },
        )
        row.update({name: True for name, value in roles.items() if value})

    for post in convention.posts.select_related("employer").order_by("name"):
        add(post.employer, is_employer=True, is_hierarchical_authority=True)
        for party in _authority_parties(post, parties):
            add(party, is_functional_authority=True)
    return list(rows.values())


@transaction.atomic
def convention_draft_info_save(*, convention: Convention, values: dict, by) -> Convention:
    """Save step 1 of a draft (title, dates, duration, notice, place of signature); refused
    (French message, nothing saved) once it is no longer a draft."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    ensure_draft(convention)
    names = [name for name in DRAFT_INFO_FIELDS if name in values]
    for name in names:
        setattr(convention, name, values[name])
    history.attribute(convention, by=by)
    convention.save(update_fields=[*names, "updated_at"])
    return convention


@transaction.atomic
def convention_parties_save(
    *,
    convention: Convention,
    changes: list[tuple[ConventionParty | None, dict]],
    removed: list[ConventionParty],
    by,
) -> Convention:
    """Save step 2 of a draft: its parties removed, changed or added (``None``: a new one) with
    their roles and representatives (a new party without one: its current representative, the
    one whose mandate covers today); refused once it is no longer a draft."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    ensure_draft(convention)
    foreign = [m for m, _ in changes if m is not None] + list(removed)
    if any(membership.convention_id != convention.pk for membership in foreign):
        raise ValidationError("Une de ces parties appartient à une autre convention.")
    for membership in removed:  # first: a party removed and added again stays unique
        history.attribute(membership, by=by)
        membership.delete()
    for existing, values in changes:
        membership = existing or ConventionParty(convention=convention)
        for name in MEMBERSHIP_FIELDS:
            if name in values:
                setattr(membership, name, values[name])
        if existing is None and membership.representative_id is None and membership.party_id:
            # A new party to the draft is represented by whoever is in office today.
            membership.representative = membership.party.current_representative()
        history.attribute(membership, by=by)
        membership.save()
    return convention


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
    if convention.status == ConventionStatus.TO_SIGN:
        from conventions import signing_services

        signing_services.circuit_withdraw(
            convention=convention, by=by, reason=f"Abandon : {reason}"
        )
    convention.status = ConventionStatus.ABANDONED
    convention.abandoned_at = timezone.now()
    convention.abandon_reason = reason
    history.attribute(convention, by=by, reason=f"Abandon : {reason}")
    convention.save(update_fields=["status", "abandoned_at", "abandon_reason", "updated_at"])
    return convention


def never_sent(convention: Convention) -> bool:
    """A draft that never went to signature (not even a request later withdrawn): no party has
    seen its text, so it may be deleted rather than abandoned."""
    return (
        convention.status == ConventionStatus.DRAFT
        and convention.text_frozen_at is None
        and not convention.history.filter(status__in=FROZEN_TEXT_STATUSES).exists()
        and not convention.documents.filter(is_frozen=True).exists()
    )


@transaction.atomic
def convention_draft_delete(*, convention: Convention, by, reason: str = "") -> str:
    """Delete a draft never sent to signature, with its parties and plans. The history keeps
    it (django-simple-history writes a "deleted" record with who and why: the list of deleted
    drafts reads it). Refused once the draft was sent, even if the request was withdrawn: that
    one is abandoned instead. Returns the reference deleted."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if not never_sent(convention):
        raise ValidationError(
            f"{convention.reference} ne peut pas être supprimé : seul un brouillon jamais "
            "envoyé à la signature se supprime. Abandonnez-le : il restera consultable avec "
            "son motif."
        )
    if convention.share_lines.filter(payments__isnull=False).exists():
        raise ValidationError(
            f"{convention.reference} a des titres de recettes enregistrés : il ne se supprime "
            "pas. Abandonnez-le."
        )
    reference = convention.reference
    reason = (reason or "").strip()
    change = f"Brouillon supprimé. Motif : {reason}" if reason else "Brouillon supprimé."
    for membership in convention.memberships.all():
        history.attribute(membership, by=by, reason=change)
        membership.delete()
    for plan in convention.financing_plans.all():
        history.attribute(plan, by=by, reason=change)
        plan.delete()
    history.attribute(convention, by=by, reason=change)
    convention.delete()
    return reference


def deleted_drafts(user):
    """The drafts deleted in the user's scope, latest first (their "deleted" history records,
    which keep reference, title, who and why)."""
    records = Convention.history.filter(history_type="-").select_related("history_user")
    scope = organisation_scope(user)
    if not scope.everything:
        records = records.filter(organisation_id=scope.organisation_id or 0)
    return records.order_by("-history_date")


def employer_warnings(convention: Convention) -> list[str]:
    """Posts whose employer (who pays the salary and recovers the shares) is not the party
    marked "employeur" in the convention: its reste à charge and the budget check would then
    be read for the wrong party."""
    marked = {
        m.party_id: m.party for m in convention.memberships.select_related("party") if m.is_employer
    }
    warnings = []
    for post in convention.posts.select_related("employer"):
        if post.employer_id in marked:
            continue
        others = ", ".join(str(p) for p in marked.values()) or "aucune partie"
        warnings.append(
            f"Le poste « {post.name} » a pour employeur {post.employer}, qui n'est pas marqué "
            f"employeur dans cette convention (employeur marqué : {others}). Cochez « employeur » "
            "pour la bonne partie, ou corrigez l'employeur du poste."
        )
    return warnings
