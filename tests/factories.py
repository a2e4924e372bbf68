"""Test data builders (factory-boy), with one trait per role for users."""

from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from conventions.models import (
    FROZEN_TEXT_STATUSES,
    Convention,
    ConventionKind,
    ConventionParty,
    ConventionStatus,
    HostUnit,
    Party,
    PartyKind,
    Post,
    PostKind,
    Representative,
    UnitKind,
)
from iscg.models import Organisation, Role, User

#: When the texts and bilans the factories make were frozen or submitted.
FROZEN_AT = datetime(2023, 1, 1, 12, tzinfo=UTC)

PASSWORD = "mot-de-passe-de-test-2026"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Département n°{n}")
    slug = factory.Sequence(lambda n: f"dept-{n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"partie-{n}")
    kind = PartyKind.EPCI
    name = factory.Sequence(lambda n: f"Communauté de communes n°{n}")
    short_name = factory.LazyAttribute(lambda o: o.name)


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    party = factory.SubFactory(PartyFactory)
    name = "Camille DURAND"
    title = "Président"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"poste-{n}")
    name = factory.Sequence(lambda n: f"Poste ISG n°{n}")
    kind = PostKind.ISG
    employer = factory.SubFactory(
        PartyFactory, organisation=factory.SelfAttribute("..organisation")
    )
    working_time_pct = 100
    first_year = 2023


class HostUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostUnit

    post = factory.SubFactory(PostFactory)
    name = factory.Sequence(lambda n: f"Brigade n°{n}")
    kind = UnitKind.BRIGADE


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"TEST-{n:04d}")
    title = "Convention de financement d'un poste d'intervenant social"
    kind = ConventionKind.FINANCEMENT
    start_date = date(2023, 1, 1)
    end_date = date(2023, 12, 31)
    notice_months = 3
    status = ConventionStatus.SIGNED
    #: A convention to sign or signed has its text frozen (database constraint).
    text_frozen_at = factory.LazyAttribute(
        lambda o: FROZEN_AT if o.status in FROZEN_TEXT_STATUSES else None
    )

    class Params:
        draft = factory.Trait(status=ConventionStatus.DRAFT)


class ConventionPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConventionParty

    convention = factory.SubFactory(ConventionFactory)
    party = factory.SubFactory(
        PartyFactory, organisation=factory.SelfAttribute("..convention.organisation")
    )
    is_signatory = True
    is_funder = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.fr")
    first_name = "Dominique"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy hook
        if create:
            obj.save()

    class Params:
        gestionnaire = factory.Trait(
            role=Role.GESTIONNAIRE, organisation=factory.SubFactory(OrganisationFactory)
        )
        coordinateur = factory.Trait(
            role=Role.COORDINATEUR, organisation=factory.SubFactory(OrganisationFactory)
        )
        partenaire = factory.Trait(role=Role.PARTENAIRE, party=factory.SubFactory(PartyFactory))
        intervenant = factory.Trait(role=Role.INTERVENANT, post=factory.SubFactory(PostFactory))
        admin = factory.Trait(is_superuser=True, is_staff=True)


# --------------------------------------------------------------------------- bilans (reporting)


class BilanFactory(factory.django.DjangoModelFactory):
    """A draft bilan whose figures add up (women + men + children = total)."""

    class Meta:
        model = "reporting.Bilan"

    post = factory.SubFactory(PostFactory)
    year = 2022
    referrals_women = 60
    referrals_men = 25
    referrals_children = 15
    referrals_total = 100
    interviews_in_person = 80
    interviews_phone = 70
    interviews_total = 150
    vif_pct = 60
    #: A transmitted or validated bilan has its date of transmission (database constraint).
    submitted_at = factory.LazyAttribute(
        lambda o: FROZEN_AT if o.status in ("transmis", "valide") else None
    )

    class Params:
        submitted = factory.Trait(status="transmis")
        validated = factory.Trait(status="valide")
        no_report = factory.Trait(
            no_report_reason="Poste vacant toute l'année.",
            referrals_women=None,
            referrals_men=None,
            referrals_children=None,
            referrals_total=None,
            interviews_in_person=None,
            interviews_phone=None,
            interviews_total=None,
            vif_pct=None,
        )


# --------------------------------------------------------------------------- financing


class FinancingPlanFactory(factory.django.DjangoModelFactory):
    """A convention's plan for one post it covers; nothing computed.

    ``data`` is empty by default: build the amounts with ``ShareLineFactory``, or pass a plan the
    engine reads and call the financing services."""

    class Meta:
        model = "financing.FinancingPlan"
        skip_postgeneration_save = True

    convention = factory.SubFactory(ConventionFactory)
    post = factory.SubFactory(
        PostFactory, organisation=factory.SelfAttribute("..convention.organisation")
    )
    data = factory.Dict({})

    @factory.post_generation
    def _covered(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy hook
        """A plan is always for a post of its convention."""
        if create:
            obj.convention.posts.add(obj.post)


class ShareLineFactory(factory.django.DjangoModelFactory):
    """What one co-funder pays for the plan's post in 2023 (stored as the engine would).

    Traits: ``employer`` (the post's employer, who bears the remainder)."""

    class Meta:
        model = "financing.ShareLine"

    plan = factory.SubFactory(FinancingPlanFactory)
    convention = factory.SelfAttribute("plan.convention")
    post = factory.SelfAttribute("plan.post")
    organisation = factory.SelfAttribute("plan.convention.organisation")
    year = 2023
    party = factory.SubFactory(PartyFactory, organisation=factory.SelfAttribute("..organisation"))
    amount = Decimal("15553.00")

    class Params:
        employer = factory.Trait(
            party=factory.SelfAttribute("plan.post.employer"), is_employer=True, is_remainder=True
        )


class PaymentFactory(factory.django.DjangoModelFactory):
    """A titre de recettes issued for the whole share, nothing received yet.

    Traits: ``received`` (paid in full), ``subsidy`` (a subsidy paid in one instalment)."""

    class Meta:
        model = "financing.Payment"

    share_line = factory.SubFactory(ShareLineFactory)
    kind = "titre_de_recettes"
    number = factory.Sequence(lambda n: f"T-2023-{n:04d}")
    issued_on = date(2023, 10, 2)
    amount_issued = factory.LazyAttribute(lambda o: o.share_line.amount)
    amount_received = Decimal("0")

    class Params:
        received = factory.Trait(
            received_on=date(2023, 12, 1),
            amount_received=factory.LazyAttribute(lambda o: o.amount_issued),
        )
        subsidy = factory.Trait(kind="subvention", number="")
