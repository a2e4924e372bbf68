"""Validation in the model layer, with French messages, and the computed dates."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conventions.models import Convention, ConventionKind, ConventionParty
from tests.factories import (
    ConventionFactory,
    HostUnitFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db


def test_end_before_start_is_refused_in_french():
    convention = ConventionFactory.build(start_date=date(2023, 6, 1), end_date=date(2023, 1, 1))
    with pytest.raises(ValidationError) as exc:
        convention.full_clean(exclude=["organisation"])
    assert exc.value.message_dict["end_date"] == ["La date de fin précède la date de début."]


def test_end_before_start_is_refused_by_the_database_too():
    convention = ConventionFactory()
    convention.end_date = date(2022, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        convention.save()


def test_an_avenant_without_parent_is_refused():
    convention = ConventionFactory.build(kind=ConventionKind.AVENANT, parent=None)
    with pytest.raises(ValidationError) as exc:
        convention.full_clean(exclude=["organisation"])
    assert (
        "Un avenant doit désigner la convention qu'il modifie." in exc.value.message_dict["parent"]
    )


def test_an_avenant_with_its_parent_is_accepted():
    parent = ConventionFactory()
    avenant = ConventionFactory(
        organisation=parent.organisation, kind=ConventionKind.AVENANT, parent=parent
    )
    avenant.full_clean()
    assert list(parent.amendments.all()) == [avenant]


def test_a_signatory_who_does_not_represent_its_party_is_refused():
    convention = ConventionFactory()
    party = PartyFactory(organisation=convention.organisation, name="CC du Ternois")
    stranger = RepresentativeFactory(name="Jacques BILLANT", title="Préfet")
    membership = ConventionParty(convention=convention, party=party, representative=stranger)
    with pytest.raises(ValidationError) as exc:
        membership.full_clean()
    assert "ne représente pas CC du Ternois" in exc.value.message_dict["representative"][0]


def test_the_signatory_of_its_own_party_is_accepted():
    convention = ConventionFactory()
    party = PartyFactory(organisation=convention.organisation)
    membership = ConventionParty(
        convention=convention, party=party, representative=RepresentativeFactory(party=party)
    )
    membership.full_clean()


def test_time_shares_of_a_post_must_add_up_to_100():
    post = PostFactory()
    HostUnitFactory(post=post, time_share=Decimal("50"))
    HostUnitFactory(post=post, time_share=Decimal("30"))
    with pytest.raises(ValidationError) as exc:
        post.full_clean()
    assert "totalisent 80\u00a0% au lieu de 100 %" in exc.value.messages[0]


def test_time_shares_of_50_50_are_accepted():
    post = PostFactory()
    HostUnitFactory(post=post, time_share=Decimal("50"))
    HostUnitFactory(post=post, time_share=Decimal("50"))
    post.full_clean()


def test_invalid_siret_is_refused():
    party = PartyFactory.build(siret="73282932000075")
    with pytest.raises(ValidationError) as exc:
        party.full_clean(exclude=["organisation"])
    assert "clé de contrôle" in exc.value.message_dict["siret"][0]


def test_end_is_computed_from_duration_counted_from_notification():
    convention = ConventionFactory(
        start_date=None, end_date=None, duration_months=36, notification_date=date(2022, 6, 24)
    )
    assert convention.computed_end_date == date(2025, 6, 23)
    assert convention.notice_deadline == date(2025, 3, 23)


def test_notice_deadline_from_written_end_date():
    convention = ConventionFactory(end_date=date(2023, 12, 31), notice_months=3)
    assert convention.notice_deadline == date(2023, 9, 30)


def test_unknown_end_gives_no_deadline():
    convention = ConventionFactory(start_date=None, end_date=None, duration_months=None)
    assert convention.computed_end_date is None
    assert convention.notice_deadline is None


def test_duration_that_contradicts_the_end_date_is_refused():
    convention = ConventionFactory.build(
        start_date=date(2023, 1, 1), end_date=date(2023, 12, 31), duration_months=6
    )
    with pytest.raises(ValidationError) as exc:
        convention.full_clean(exclude=["organisation"])
    assert "30 juin 2023" in exc.value.message_dict["duration_months"][0]


def test_reference_is_unique_in_its_organisation_without_case():
    first = ConventionFactory(reference="PDC2023-A08")
    for reference in ("PDC2023-A08", "pdc2023-a08"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Convention.objects.create(
                organisation=first.organisation,
                reference=reference,
                title="Doublon",
                kind=ConventionKind.FINANCEMENT,
            )
    # Another organisation's convention may carry the same reference.
    other = Convention.objects.create(
        organisation=OrganisationFactory(),
        reference="PDC2023-A08",
        title="Une autre organisation",
        kind=ConventionKind.FINANCEMENT,
    )
    assert Convention.objects.filter(reference="PDC2023-A08").count() == 2
    assert other.organisation_id != first.organisation_id


@pytest.mark.parametrize("status", ["a_signer", "signee", "en_vigueur", "expiree"])
def test_a_convention_to_sign_or_signed_has_its_frozen_text(status):
    convention = ConventionFactory.build(status=status, text_frozen_at=None)
    with pytest.raises(ValidationError) as exc:
        convention.full_clean(exclude=["organisation"])
    assert "Une convention à signer ou signée a un texte figé" in str(exc.value)
    saved = ConventionFactory(status="brouillon")
    saved.status = status
    with pytest.raises(IntegrityError), transaction.atomic():
        saved.save()


def test_a_draft_or_an_abandoned_draft_needs_no_frozen_text():
    for status in ("brouillon", "abandonnee"):
        ConventionFactory.build(status=status, text_frozen_at=None).full_clean(
            exclude=["organisation"]
        )
