"""Writes on bilans: entry and the workflow brouillon → transmis → validé / renvoyé.

Who may do what:
- enter, change and submit: the intervenant of the post, or a gestionnaire of its organisation,
  while the bilan is a draft or has been sent back;
- validate or send back: a coordinateur of the organisation (or a national one), once submitted;
  a validated bilan may also be sent back (reopened) with a comment.
Every change is recorded by django-simple-history with its author. The checks live in
``reporting/perms.py``; unlike conventions' and financing's services, these apply them again
(a workflow step refused here raises PermissionDenied whoever the caller).
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from iscg import concurrency, history, perms
from iscg.imports import Outcome
from reporting import imports, notices, rules
from reporting.models import EDITABLE_STATUSES, Bilan, BilanPart, BilanStatus
from reporting.perms import can_edit, can_enter, can_review


def _deny(message: str):
    raise PermissionDenied(message)


def _issues_error(issues: Iterable[rules.Issue]) -> ValidationError:
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.field or "__all__", []).append(issue.message)
    return ValidationError(errors)


def _save(bilan: Bilan, user) -> None:
    history.attribute(bilan, by=user)
    bilan.full_clean()
    bilan.save()


# --------------------------------------------------------------------------- entry


def new_bilan_defaults(post) -> dict:
    """What a new bilan of the post starts with, entered or imported: the number of communes
    and of EPCI the post covers (no query when the post's EPCIs are prefetched)."""
    return {"communes_count": post.communes_count, "epci_count": len(post.epcis.all()) or None}


def _already_exists(post, year: int) -> ValidationError:
    return ValidationError(
        f"Le poste {post} a déjà un bilan pour {year} : ouvrez-le depuis la liste des bilans "
        "pour le compléter."
    )


@transaction.atomic
def bilan_create(*, user, post, year: int, data: Mapping | None = None) -> Bilan:
    """A new draft for the post and year (the EPCI and communes counts default to the post's).
    Two creations at once (several tabs, a double click): the second, refused by the unique
    constraint, gets the French message, never a 500."""
    if not can_enter(user, post):
        _deny("Seuls l'intervenant du poste et les gestionnaires saisissent ses bilans.")
    if Bilan.objects.filter(post=post, year=year).exists():
        raise _already_exists(post, year)
    bilan = Bilan(post=post, year=year, **new_bilan_defaults(post))
    for name, value in (data or {}).items():
        setattr(bilan, name, value)
    try:
        with transaction.atomic():  # a savepoint: the refused insert leaves the request usable
            _save(bilan, user)
    except IntegrityError as error:
        if Bilan.objects.filter(post=post, year=year).exists():
            raise _already_exists(post, year) from error
        raise
    except ValidationError as error:
        if Bilan.objects.filter(post=post, year=year).exists():  # created in between
            raise _already_exists(post, year) from error
        raise
    return bilan


def bilan_version_state(bilan: Bilan) -> dict:
    """What a bilan's entry page loaded, for its version token (``iscg.concurrency``): every
    field of the bilan (its status and review included) and its parts."""
    parts = sorted(
        (concurrency.row_state(part, exclude=("bilan",)) for part in bilan.parts.all()),
        key=lambda part: (str(part["kind"]), part["number"] or 0, str(part["label"])),
    )
    return {"bilan": concurrency.row_state(bilan), "parts": parts}


def _counts(values: Mapping | None, labels: Mapping[str, str]) -> str:
    found = values or {}
    rows = [
        f"{label} : {found[key]}" for key, label in labels.items() if found.get(key) is not None
    ]
    return "\n".join(rows) or "—"


def _parts_text(parts: Iterable[Mapping]) -> str:
    rows = []
    for part in parts:
        name = part.get("label") or f"{part.get('kind')} {part.get('number')}"
        rows.append(
            f"{name} : {part.get('referrals_total') if part.get('referrals_total') is not None else '—'} saisines"
        )
    return "\n".join(rows) or "—"


def _bilan_conflict(bilan: Bilan, data: Mapping, parts: list[Mapping] | None):
    simple = [name for name in data if name not in ("problems", "orientations")]
    rows = concurrency.field_differences(bilan, data, simple)
    rows.append(
        concurrency.Difference(
            "Problématiques",
            _counts(bilan.problems, rules.PROBLEMS),
            _counts(data.get("problems"), rules.PROBLEMS),
        )
    )
    rows.append(
        concurrency.Difference(
            "Orientations",
            _counts(bilan.orientations, rules.ORIENTATIONS),
            _counts(data.get("orientations"), rules.ORIENTATIONS),
        )
    )
    if parts is not None:
        rows.append(
            concurrency.Difference(
                "Ventilation (saisines)",
                _parts_text(p.figures() for p in bilan.parts.all()),
                _parts_text(parts),
            )
        )
    return concurrency.conflict_for(
        bilan, f"le bilan {bilan.year} du poste {bilan.post}", differences=rows
    )


@transaction.atomic
def bilan_update(
    *,
    user,
    bilan: Bilan,
    data: Mapping,
    parts: list[Mapping] | None = None,
    version: str | None = None,
) -> Bilan:
    """Change a draft's figures, and replace its parts when ``parts`` is given. The draft is
    saved with its inconsistencies (``submission_issues`` lists them); only what the table
    cannot hold or the rules never allow (a nominative text, a percentage above 100) refuses.
    ``version``: the token of the entry page as loaded (``bilan_version_state``); when the
    bilan has been saved since, ``EditConflict`` and nothing is written."""
    bilan = concurrency.locked(
        Bilan.objects.select_related("post").filter(pk=bilan.pk),
        version,
        state=bilan_version_state,
        conflict=lambda locked: _bilan_conflict(locked, data, parts),
    )
    if not can_edit(user, bilan):
        if not can_enter(user, bilan.post):
            _deny("Seuls l'intervenant du poste et les gestionnaires saisissent ses bilans.")
        raise ValidationError(
            f"Un bilan {bilan.get_status_display().lower()} ne se modifie plus : "
            "le coordinateur doit d'abord le renvoyer."
        )
    for name, value in data.items():
        setattr(bilan, name, value)
    if parts is not None:
        issues = rules.blocking(rules.parts_issues(bilan.figures(), parts))
        if issues:
            raise _issues_error(issues)
    _save(bilan, user)
    if parts is not None:
        replace_parts(bilan, parts, user)
    return bilan


def replace_parts(bilan: Bilan, parts: list[Mapping], user=None) -> None:
    """Store the bilan's months, quarters or units as given (already checked)."""
    existing = {(p.kind, p.number, p.label): p for p in bilan.parts.all()}
    kept = set()
    for values in parts:
        key = (values["kind"], values.get("number"), values.get("label") or "")
        part = existing.get(key) or BilanPart(bilan=bilan, kind=key[0], number=key[1], label=key[2])
        for name, value in values.items():
            if name not in ("kind", "number", "label"):
                setattr(part, name, value)
        history.attribute(part, by=user)
        part.save()
        kept.add(part.pk)
    for part in existing.values():
        if part.pk not in kept:
            history.attribute(part, by=user)
            part.delete()


# --------------------------------------------------------------------------- workflow


def submission_issues(bilan: Bilan) -> list[rules.Issue]:
    """Everything that stops a bilan from being submitted (empty list: it may be): a draft's
    pages list them, its saving does not wait for them."""
    parts = [part.figures() for part in bilan.parts.all()]
    return rules.bilan_issues(bilan.figures(), complete=True) + rules.parts_issues(
        bilan.figures(), parts, complete=True
    )


@transaction.atomic
def bilan_submit(*, user, bilan: Bilan) -> Bilan:
    bilan = Bilan.objects.select_for_update().select_related("post").get(pk=bilan.pk)
    if not can_enter(user, bilan.post):
        _deny("Seuls l'intervenant du poste et les gestionnaires transmettent ses bilans.")
    if bilan.status not in EDITABLE_STATUSES:
        raise ValidationError(f"Ce bilan est déjà {bilan.get_status_display().lower()}.")
    issues = submission_issues(bilan)
    if issues:
        raise _issues_error(issues)
    bilan.status = BilanStatus.SUBMITTED
    bilan.submitted_at = timezone.now()
    bilan.submitted_by = user
    _save(bilan, user)
    return bilan


@transaction.atomic
def bilan_validate(*, user, bilan: Bilan, comment: str = "") -> Bilan:
    """Validate a submitted bilan; the comment, if any, is checked like every text of a bilan
    (``rules.personal_data_issues``)."""
    bilan = Bilan.objects.select_for_update().select_related("post").get(pk=bilan.pk)
    if not can_review(user, bilan.post):
        _deny("Seul un coordinateur valide les bilans.")
    if bilan.status != BilanStatus.SUBMITTED:
        raise ValidationError(
            f"Seul un bilan transmis se valide ; celui-ci est {bilan.get_status_display().lower()}."
        )
    issues = rules.personal_data_issues(comment, "review_comment")
    if issues:
        raise _issues_error(issues)
    bilan.status = BilanStatus.VALIDATED
    bilan.reviewed_at = timezone.now()
    bilan.reviewed_by = user
    bilan.review_comment = comment.strip()
    _save(bilan, user)
    notices.bilan_validated(bilan)  # queued with this transaction
    return bilan


@transaction.atomic
def bilan_return(*, user, bilan: Bilan, comment: str) -> Bilan:
    """Send a submitted (or validated) bilan back to its author, saying why."""
    bilan = Bilan.objects.select_for_update().select_related("post").get(pk=bilan.pk)
    if not can_review(user, bilan.post):
        _deny("Seul un coordinateur renvoie les bilans.")
    if bilan.status not in (BilanStatus.SUBMITTED, BilanStatus.VALIDATED):
        raise ValidationError(
            f"Seul un bilan transmis ou validé se renvoie ; celui-ci est "
            f"{bilan.get_status_display().lower()}."
        )
    if not comment.strip():
        raise ValidationError({"review_comment": "Indiquez ce qui doit être corrigé."})
    issues = rules.personal_data_issues(comment, "review_comment")
    if issues:
        raise _issues_error(issues)
    bilan.status = BilanStatus.RETURNED
    bilan.reviewed_at = timezone.now()
    bilan.reviewed_by = user
    bilan.review_comment = comment.strip()
    _save(bilan, user)
    notices.bilan_returned(bilan)  # queued with this transaction
    return bilan


# --------------------------------------------------------------------------- import


@transaction.atomic
def bilans_import(
    *, user, organisation, content: bytes, filename: str, progress=None
) -> imports.ImportReport:
    """Import a spreadsheet of bilans into the organisation, all or nothing: every row checked
    with the rules of ``Bilan.clean``, new bilans started as ``bilan_create`` starts them
    (``new_bilan_defaults``); nothing is written while a row is wrong (French report)."""
    if not perms.is_gestionnaire(user):
        _deny("Seuls les gestionnaires importent des bilans.")
    if user.organisation_id != organisation.pk:
        _deny("Les bilans s'importent dans l'organisation du gestionnaire.")
    return imports.import_file(
        content,
        filename,
        user=user,
        organisation=organisation,
        defaults=new_bilan_defaults,
        progress=progress,
    )


def bilans_import_job(job, progress) -> Outcome:
    """The worker's import of a deposited file of bilans (``iscg.imports``): ``bilans_import``
    as its uploader, the errors as the job's page lists them."""
    report = bilans_import(
        user=job.user,
        organisation=job.organisation,
        content=bytes(job.content),
        filename=job.filename,
        progress=progress,
    )
    return Outcome(
        created=report.created,
        updated=report.updated,
        summary=f"{rules.counted(report.created, 'bilan créé', 'bilans créés')}, "
        f"{rules.counted(report.updated, 'mis à jour', 'mis à jour')} (brouillons).",
        errors=[imports.error_text(error) for error in report.errors],
    )
