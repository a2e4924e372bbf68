"""A territory built from nothing and conventions taken through their life with the services
(draft, plan, send, sign, avenant, renewal, abandon), for the effective-plan tests."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from conventions import drafting
from conventions import services as convention_services
from conventions.models import Convention, ConventionKind, ConventionParty, PartyKind
from financing import services as financing_services
from financing.engine import read_plan
from tests.factories import (
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
    UserFactory,
)


@dataclass
class Territory:
    organisation: object
    manager: object
    etat: object
    commune: object
    employer: object
    posts: list


def territory(posts: int = 1) -> Territory:
    """A new département with the State, a commune, a communauté (employer) and its posts."""
    organisation = OrganisationFactory()
    manager = UserFactory(gestionnaire=True, organisation=organisation)

    def party(slug, kind, name, title):
        created = PartyFactory(organisation=organisation, slug=slug, kind=kind, name=name)
        RepresentativeFactory(party=created, name=f"Signataire {name}", title=title)
        return created

    etat = party("etat", PartyKind.ETAT, "État", "Préfet")
    commune = party("commune", PartyKind.COMMUNE, "Commune de Ville", "Maire")
    employer = party("cc", PartyKind.EPCI, "Communauté de communes du Val", "Président")
    created_posts = [
        PostFactory(organisation=organisation, employer=employer, first_year=2026)
        for _ in range(posts)
    ]
    return Territory(organisation, manager, etat, commune, employer, created_posts)


def plan_data(years: dict[int, tuple[str, str, str]]) -> dict:
    """{year: (cost, État, commune)}: fixed State and commune shares, the employer's remainder."""
    first = min(years)
    return {
        "rounding": "down",
        "first_year": first,
        "years": [
            {"year": year, "annual_cost": cost, "months": 12}
            for year, (cost, _e, _c) in sorted(years.items())
        ],
        "shares": [
            {
                "party": "etat",
                "rule": "fixed",
                "amount_by_year": {str(y): e for y, (_c, e, _x) in years.items()},
            },
            {
                "party": "commune",
                "rule": "fixed",
                "amount_by_year": {str(y): c for y, (_x, _e, c) in years.items()},
            },
            {"party": "cc", "rule": "remainder"},
        ],
    }


def _members(convention: Convention, world: Territory) -> None:
    if convention.memberships.exists():
        return
    for order, (party, employer) in enumerate(
        ((world.etat, False), (world.commune, False), (world.employer, True)), start=1
    ):
        ConventionParty.objects.create(
            convention=convention,
            party=party,
            order=order,
            is_signatory=True,
            is_funder=not employer,
            is_employer=employer,
            representative=party.representatives.first(),
        )


def new_convention(world: Territory, post, years: dict[int, tuple[str, str, str]]) -> Convention:
    start = date(min(years), 1, 1)
    convention = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="nouvelle",
        reference=drafting.next_reference(world.organisation, start.year),
        title="Convention de financement d'un poste d'intervenant social",
        kind=ConventionKind.FINANCEMENT,
        start_date=start,
        end_date=date(max(years), 12, 31),
        signature_place="Arras",
        original_copies=3,  # no blank in the text: sending to signature is refused otherwise
        posts=[post],
    ).convention
    _members(convention, world)
    financing_services.plan_save(convention=convention, post=post, plan=read_plan(plan_data(years)))
    return convention


def avenant(world: Territory, parent: Convention, years: dict) -> Convention:
    draft = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="avenant",
        source=parent,
        reference=drafting.next_reference(world.organisation, parent.start_date.year),
    ).convention
    _members(draft, world)
    draft.refresh_from_db()
    financing_services.plan_save(
        convention=draft, post=parent.financing_plans.get().post, plan=read_plan(plan_data(years))
    )
    return draft


def renewal(world: Territory, source: Convention, years: dict) -> Convention:
    draft = drafting.convention_draft_start(
        organisation=world.organisation,
        mode="renouvellement",
        source=source,
        reference=drafting.next_reference(world.organisation, min(years)),
        start_date=date(min(years), 1, 1),
        end_date=date(max(years), 12, 31),
        duration_months=None,
    ).convention
    _members(draft, world)
    draft.refresh_from_db()
    financing_services.plan_save(
        convention=draft, post=source.financing_plans.get().post, plan=read_plan(plan_data(years))
    )
    return draft


def send_and_sign(convention: Convention, by) -> Convention:
    convention_services.convention_send_to_signature(convention=convention, by=by)
    today = timezone.localdate()
    for membership in convention.memberships.filter(is_signatory=True):
        convention_services.convention_sign(
            convention=convention,
            party=membership.party,
            signed_on=today,
            signatory_name=f"Signataire {membership.party}",
            by=by,
        )
    convention.refresh_from_db()
    return convention


def D(value) -> Decimal:
    return Decimal(str(value))
