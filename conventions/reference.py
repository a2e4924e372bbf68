"""Reference data a gestionnaire keeps: parties, their representatives and délibérations, posts
with their units, holders and absences. Every write is one transaction, names its author in the
history, and refuses bad input with a French ``ValidationError`` (nothing written).

Identifiers (slugs, which financing plans use to name parties) are generated from the name,
unique in the organisation, and never change once given.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from conventions import rules
from conventions.models import (
    ConventionParty,
    ConventionStatus,
    Deliberation,
    HostUnit,
    Party,
    Post,
    PostAbsence,
    PostHolder,
    Representative,
)
from iscg import concurrency, history

SLUG_MAX = 80


def generated_slug(name: str, taken: Collection[str], *, max_length: int = SLUG_MAX) -> str:
    """An identifier read from ``name`` (« CC du Ternois » → ``cc_du_ternois``), with ``_2``,
    ``_3``… when it is already taken in the organisation. Pure."""
    base = (
        slugify(name.replace("'", " ").replace("\u2019", " "))
        .replace("-", "_")[:max_length]
        .strip("_")
        or "sans_nom"
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"_{number}"
        candidate = base[: max_length - len(suffix)].rstrip("_") + suffix
    return candidate


def _taken_slugs(model, organisation, exclude_pk=None) -> set[str]:
    rows = model.objects.filter(organisation=organisation)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    return set(rows.values_list("slug", flat=True))


def _save(instance, *, by) -> None:
    """Validate as the forms do (French messages), then save with its author in the history."""
    instance.full_clean()
    history.attribute(instance, by=by)
    instance.save()


# --------------------------------------------------------------------------- parties

PARTY_FIELDS = ("kind", "name", "short_name", "siret", "rna", "address", "notes")


@transaction.atomic
def party_save(
    *,
    organisation,
    values: dict[str, Any],
    by,
    party: Party | None = None,
    version: str | None = None,
) -> Party:
    """Create (``party`` None) or change a party of ``organisation``; a new one gets its
    identifier from its name. ``version``: the token of the party as its form loaded it
    (``iscg.concurrency``); changed since, ``EditConflict`` and nothing is written."""
    if party is not None and party.organisation_id != organisation.pk:
        raise ValidationError("Cette partie appartient à une autre organisation.")
    concurrency.check_row(
        party,
        version,
        subject=f"la partie « {party} »",
        values=values,
        names=PARTY_FIELDS,
    )
    party = party or Party(organisation=organisation)
    for name in PARTY_FIELDS:
        if name in values:
            setattr(party, name, values[name] if values[name] is not None else "")
    if not party.slug:
        party.slug = generated_slug(
            party.short_name or party.name, _taken_slugs(Party, organisation)
        )
    _save(party, by=by)
    return party


# --------------------------------------------------------------------------- representatives

REPRESENTATIVE_FIELDS = ("name", "title", "delegation", "valid_from", "valid_to")


@dataclass
class RepresentativeChange:
    representative: Representative
    #: Draft conventions (not yet sent to signature) now naming the new representative.
    drafts_updated: list[str] = field(default_factory=list)


@transaction.atomic
def representative_save(
    *,
    party: Party,
    values: dict[str, Any],
    by,
    representative: Representative | None = None,
    replaces: Representative | None = None,
    version: str | None = None,
) -> RepresentativeChange:
    """Create or change a representative of ``party``. With ``replaces`` (a new préfet, a new
    president), the previous one's mandate ends the day before the new one starts, and every
    draft convention that named the previous one names the new one (``representative_replace``)."""
    if representative is not None and representative.party_id != party.pk:
        raise ValidationError("Ce représentant est celui d'une autre partie.")
    concurrency.check_row(
        representative,
        version,
        subject=f"le représentant « {representative} » de {party}",
        values=values,
        names=REPRESENTATIVE_FIELDS,
    )
    representative = representative or Representative(party=party)
    for name in REPRESENTATIVE_FIELDS:
        if name in values:
            value = values[name]
            if value is None and name not in ("valid_from", "valid_to"):
                value = ""
            setattr(representative, name, value)
    _save(representative, by=by)
    change = RepresentativeChange(representative)
    if replaces is not None:
        change.drafts_updated = representative_replace(previous=replaces, new=representative, by=by)
    return change


@transaction.atomic
def representative_replace(*, previous: Representative, new: Representative, by) -> list[str]:
    """``new`` takes over from ``previous`` (same party): the previous mandate ends the day
    before the new one begins (when it begins on a known day), and every convention still in
    draft — not sent to signature, so its text is not frozen — that named ``previous`` names
    ``new``. Conventions sent to signature or signed keep who they named. Returns the
    references of the drafts changed."""
    if previous.party_id != new.party_id:
        raise ValidationError("Le représentant remplacé doit être celui de la même partie.")
    if previous.pk == new.pk:
        raise ValidationError("Un représentant ne se remplace pas lui-même.")
    if new.valid_from and (previous.valid_to is None or previous.valid_to >= new.valid_from):
        end = new.valid_from - timedelta(days=1)
        if previous.valid_from and end < previous.valid_from:
            raise ValidationError(
                {
                    "valid_from": "Le nouveau mandat commence avant celui du représentant "
                    "remplacé : vérifiez les dates."
                }
            )
        previous.valid_to = end
        history.attribute(previous, by=by, reason=f"Remplacé par {new}")
        previous.save(update_fields=["valid_to"])
    memberships = ConventionParty.objects.select_related("convention").filter(
        representative=previous, convention__status=ConventionStatus.DRAFT
    )
    changed = []
    for membership in memberships:
        membership.representative = new
        history.attribute(membership, by=by, reason=f"Nouveau représentant : {new}")
        membership.save(update_fields=["representative"])
        changed.append(membership.convention.reference)
    return sorted(changed)


# --------------------------------------------------------------------------- délibérations

DELIBERATION_FIELDS = ("party", "body", "date", "number", "subject")


@transaction.atomic
def deliberation_save(
    *,
    organisation,
    values: dict[str, Any],
    by,
    deliberation: Deliberation | None = None,
    version: str | None = None,
) -> Deliberation:
    party = values.get("party") or (deliberation.party if deliberation else None)
    if party is None or party.organisation_id != organisation.pk:
        raise ValidationError({"party": "Choisissez une partie de votre organisation."})
    if deliberation is not None and deliberation.party.organisation_id != organisation.pk:
        raise ValidationError("Cette délibération appartient à une autre organisation.")
    concurrency.check_row(
        deliberation,
        version,
        subject=f"la délibération « {deliberation} »",
        values=values,
        names=DELIBERATION_FIELDS,
    )
    deliberation = deliberation or Deliberation()
    for name in DELIBERATION_FIELDS:
        if name in values:
            value = values[name]
            setattr(
                deliberation, name, "" if value is None and name in ("number", "subject") else value
            )
    _save(deliberation, by=by)
    return deliberation


# --------------------------------------------------------------------------- posts

POST_FIELDS = (
    "name",
    "kind",
    "employer",
    "hierarchical_authority",
    "functional_authority",
    "working_time_pct",
    "weekly_hours",
    "working_time_text",
    "territory_text",
    "communes_count",
    "communes",
    "first_year",
    "start_date",
    "end_date",
    "notes",
)
UNIT_FIELDS = ("name", "kind", "parent_party", "address", "time_share")
HOLDER_FIELDS = ("name", "start", "end")
ABSENCE_FIELDS = ("start", "end", "reason")


def post_version_state(post: Post) -> dict[str, Any]:
    """What a post's form loaded, for its version token: its fields, its EPCIs, its units,
    holders and absences."""

    def rows(manager) -> list[dict[str, object]]:
        return [
            {"pk": row.pk, **concurrency.row_state(row, exclude=("post",))}
            for row in manager.order_by("pk")
        ]

    return {
        "post": concurrency.row_state(post),
        "epcis": sorted(post.epcis.values_list("pk", flat=True)),
        "units": rows(post.units),
        "holders": rows(post.holders),
        "absences": rows(post.absences),
    }


@dataclass
class Rows:
    """Inline rows of a post as a form sends them: kept or added (``None``: a new row), and
    removed."""

    kept: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)


def _check_in_organisation(organisation, parties: Iterable[Party | None], label: str) -> None:
    for party in parties:
        if party is not None and party.organisation_id != organisation.pk:
            raise ValidationError({label: f"{party} n'est pas une partie de votre organisation."})


def _save_rows(post: Post, model, names: tuple[str, ...], rows: Rows, *, by) -> None:
    for instance in rows.removed:
        if instance.post_id != post.pk:
            raise ValidationError("Une de ces lignes appartient à un autre poste.")
        history.attribute(instance, by=by)
        instance.delete()
    for existing, values in rows.kept:
        if existing is not None and existing.post_id != post.pk:
            raise ValidationError("Une de ces lignes appartient à un autre poste.")
        instance = existing or model(post=post)
        for name in names:
            if name in values:
                value = values[name]
                setattr(instance, name, "" if value is None and name in ("address",) else value)
        _save(instance, by=by)


@transaction.atomic
def post_save(
    *,
    organisation,
    values: dict[str, Any],
    by,
    post: Post | None = None,
    epcis: Iterable[Party] | None = None,
    units: Rows | None = None,
    holders: Rows | None = None,
    absences: Rows | None = None,
    version: str | None = None,
) -> Post:
    """Create or change a post of ``organisation`` with its units (their time shares add up to
    100 %, or none is given), holders and absences. The employer, the EPCIs and the units'
    parties are the organisation's own."""
    if post is not None and post.organisation_id != organisation.pk:
        raise ValidationError("Ce poste appartient à une autre organisation.")
    concurrency.check_row(
        post,
        version,
        subject=f"le poste « {post} »",
        values=values,
        names=POST_FIELDS,
        state=post_version_state,
    )
    _check_in_organisation(organisation, [values.get("employer")], "employer")
    epcis = list(epcis) if epcis is not None else None
    if epcis is not None:
        _check_in_organisation(organisation, epcis, "epcis")
    units = units or Rows()
    _check_in_organisation(
        organisation, [values.get("parent_party") for _, values in units.kept], "units"
    )
    post = post or Post(organisation=organisation)
    for name in POST_FIELDS:
        if name in values:
            value = values[name]
            text_field = name not in (
                "employer",
                "working_time_pct",
                "weekly_hours",
                "communes_count",
                "first_year",
                "start_date",
                "end_date",
            )
            setattr(post, name, "" if value is None and text_field else value)
    if not post.slug:
        post.slug = generated_slug(post.name, _taken_slugs(Post, organisation))
    # Not ``full_clean``: ``Post.clean`` reads the units already saved, which this change may
    # replace; the units' split is checked below, once they are written.
    post.clean_fields(exclude=["epcis", "slug"] if post.pk else ["epcis"])
    post.validate_unique()
    post.validate_constraints()
    history.attribute(post, by=by)
    post.save()
    if epcis is not None:
        post.epcis.set(epcis)
    _save_rows(post, HostUnit, UNIT_FIELDS, units, by=by)
    _save_rows(post, PostHolder, HOLDER_FIELDS, holders or Rows(), by=by)
    _save_rows(post, PostAbsence, ABSENCE_FIELDS, absences or Rows(), by=by)
    error = rules.time_shares_error(post.units.values_list("time_share", flat=True))
    if error:
        raise ValidationError(error)
    return post
