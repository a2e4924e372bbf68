"""The buttons of a convention's page follow its status: "Renouveler" and "Rédiger un avenant"
only on a signed convention (never on an avenant, which points to its parent instead), and the
document link says "projet" for a text never sent to signature."""

import pytest
from django.utils import timezone

from conventions.models import ConventionKind, ConventionStatus
from tests.factories import ConventionFactory

pytestmark = pytest.mark.django_db


def page(client, user, convention) -> str:
    client.force_login(user)
    response = client.get(convention.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "status", [ConventionStatus.DRAFT, ConventionStatus.TO_SIGN, ConventionStatus.ABANDONED]
)
def test_an_unsigned_convention_offers_neither_renewal_nor_avenant(client, gestionnaire, status):
    convention = ConventionFactory(organisation=gestionnaire.organisation, status=status)
    text = page(client, gestionnaire, convention)
    assert "mode=renouvellement" not in text and ">Renouveler<" not in text
    assert "mode=avenant" not in text and "Rédiger un avenant" not in text


def test_a_signed_convention_offers_renewal_and_avenant(client, gestionnaire):
    convention = ConventionFactory(organisation=gestionnaire.organisation, reference="SIG-1")
    text = page(client, gestionnaire, convention)
    assert "depuis=SIG-1&amp;mode=renouvellement" in text and ">Renouveler<" in text
    assert "depuis=SIG-1&amp;mode=avenant" in text and "Rédiger un avenant" in text


def test_an_avenant_points_to_its_parent_instead_of_offering_renewal_or_avenant(
    client, gestionnaire
):
    parent = ConventionFactory(organisation=gestionnaire.organisation, reference="PAR-1")
    avenant = ConventionFactory(
        organisation=gestionnaire.organisation,
        reference="PAR-1-AV1",
        kind=ConventionKind.AVENANT,
        parent=parent,
        amendment_number=1,
    )
    text = page(client, gestionnaire, avenant)
    assert ">Renouveler<" not in text and "mode=renouvellement" not in text
    assert "Rédiger un avenant" not in text and "mode=avenant" not in text
    assert "ouvrez la convention modifiée" in text
    assert f'href="{parent.get_absolute_url()}">PAR-1</a>' in text


def test_an_abandoned_convention_never_sent_links_to_its_project(client, gestionnaire):
    convention = ConventionFactory(
        organisation=gestionnaire.organisation, status=ConventionStatus.ABANDONED
    )
    text = page(client, gestionnaire, convention)
    assert "PDF du projet" in text
    assert "PDF du texte envoyé à la signature" not in text


def test_a_convention_sent_to_signature_links_to_the_text_sent(client, gestionnaire):
    sent_then_abandoned = ConventionFactory(
        organisation=gestionnaire.organisation,
        status=ConventionStatus.ABANDONED,
        text_frozen_at=timezone.now(),
    )
    assert "PDF du texte envoyé à la signature" in page(client, gestionnaire, sent_then_abandoned)
    to_sign = ConventionFactory(
        organisation=gestionnaire.organisation,
        status=ConventionStatus.TO_SIGN,
        text_frozen_at=timezone.now(),
    )
    assert "PDF du texte envoyé à la signature" in page(client, gestionnaire, to_sign)
