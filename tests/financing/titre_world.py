"""A small world for the titres' tests: one organisation, one signed convention whose plan
gives 2023 shares to two co-funders (État 21 000 €, Département 10 000 €) of a post employed
by CC du Ternois (the remainder), its gestionnaire, a partner of the État, and another
organisation with its own signed share (never to be seen or touched)."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from financing import services
from financing.engine import read_plan
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)


def siret(prefix: str) -> str:
    """A 14-digit SIRET whose SIREN and whole number pass the Luhn keys (for the exports)."""
    from stdnum import luhn

    siren = prefix[:8] + luhn.calc_check_digit(prefix[:8])
    body = siren + prefix[8:12]
    return body + luhn.calc_check_digit(body)


@dataclass
class World:
    org: object
    gestionnaire: object
    convention: object
    etat: object
    dept: object
    employer: object
    etat_line: object
    dept_line: object
    partner: object
    other_gestionnaire: object
    other_line: object


def signed_plan(org, *, employer, funders: dict, reference: str, cost: str = "42000"):
    """A signed convention of ``org`` for a new post of ``employer``: each funder's fixed
    amount (slug → euros) for 2023, the employer the remainder. Returns the convention."""
    post = PostFactory(organisation=org, employer=employer, start_date=date(2023, 1, 1))
    convention = ConventionFactory(organisation=org, reference=reference, draft=True)
    convention.posts.add(post)
    ConventionPartyFactory(convention=convention, party=employer, is_employer=True)
    shares = []
    for party, amount in funders.items():
        ConventionPartyFactory(convention=convention, party=party)
        shares.append({"party": party.slug, "rule": "fixed", "amount": amount})
    shares.append({"party": employer.slug, "rule": "remainder"})
    data = {"rounding": "down", "years": [{"year": 2023, "annual_cost": cost}], "shares": shares}
    services.plan_save(convention=convention, post=post, plan=read_plan(data))
    type(convention).objects.filter(pk=convention.pk).update(
        status="signee", text_frozen_at=timezone.now()
    )
    convention.refresh_from_db()
    return convention


def build() -> World:
    org = OrganisationFactory(name="Département du Pas-de-Calais", slug="pdc")
    org.budget_line = "6568//934213"
    org.save()
    gestionnaire = UserFactory(gestionnaire=True, organisation=org)
    employer = PartyFactory(organisation=org, slug="cc", name="CC du Ternois")
    etat = PartyFactory(
        organisation=org, slug="etat", kind="etat", name="État (FIPD)", siret=siret("130007750001")
    )
    dept = PartyFactory(
        organisation=org,
        slug="dept",
        kind="departement",
        name="Département du Pas-de-Calais",
        siret=siret("226200010001"),
    )
    convention = signed_plan(
        org, employer=employer, funders={etat: "21000", dept: "10000"}, reference="PDC2023-A01"
    )
    lines = {line.party.slug: line for line in convention.share_lines.select_related("party")}
    partner = UserFactory(partenaire=True, party=etat, organisation=org)
    other_org = OrganisationFactory(name="Département du Nord", slug="nord")
    other_gestionnaire = UserFactory(gestionnaire=True, organisation=other_org)
    other_employer = PartyFactory(organisation=other_org, slug="cc-nord", name="CC du Nord")
    other_funder = PartyFactory(organisation=other_org, slug="etat-nord", kind="etat")
    other = signed_plan(
        other_org,
        employer=other_employer,
        funders={other_funder: "7000"},
        reference="NORD2023-A01",
    )
    other_line = other.share_lines.get(party=other_funder)
    return World(
        org,
        gestionnaire,
        convention,
        etat,
        dept,
        employer,
        lines["etat"],
        lines["dept"],
        partner,
        other_gestionnaire,
        other_line,
    )
