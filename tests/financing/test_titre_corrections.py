"""A titre de recettes is never edited once issued: it is cancelled (reason, who, when) or
corrected (a cancellation and a new titre that says which one it corrects)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from financing import selectors, services
from financing.cancellations import payments_to_cancel
from financing.models import Payment, ShareLine
from tests.factories import PaymentFactory, ShareLineFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def titre():
    line = ShareLineFactory(amount=Decimal("15553.00"))
    return PaymentFactory(share_line=line, number="T-2023-118", amount_issued=Decimal("15553"))


@pytest.fixture
def manager(titre):
    return UserFactory(gestionnaire=True, organisation=titre.share_line.organisation)


def _issued(line) -> Decimal:
    years = selectors.party_summary(line.party, ShareLine.objects.all())
    return years[0].issued


def test_cancelling_a_titre_keeps_it_with_reason_who_and_when(titre, manager):
    services.payment_cancel(payment=titre, reason="Émis deux fois", by=manager)
    titre.refresh_from_db()
    assert titre.is_cancelled and titre.cancelled_by == manager
    assert titre.cancellation_reason == "Émis deux fois"
    assert titre.amount_issued == Decimal("15553")  # nothing else changed
    record = titre.history.first()
    assert record.history_user == manager
    assert record.history_change_reason == "Annulation. Motif : Émis deux fois"
    assert _issued(titre.share_line) == 0  # no longer counts


def test_a_cancellation_needs_a_reason_and_happens_once(titre, manager):
    with pytest.raises(ValidationError, match="Indiquez le motif"):
        services.payment_cancel(payment=titre, reason="  ", by=manager)
    assert not Payment.objects.get(pk=titre.pk).is_cancelled
    services.payment_cancel(payment=titre, reason="Erreur", by=manager)
    with pytest.raises(ValidationError, match="déjà annulé"):
        services.payment_cancel(payment=titre, reason="Encore", by=manager)


def test_a_correction_is_a_cancellation_and_a_new_titre(titre, manager):
    new = services.payment_correct(
        payment=titre,
        reason="Montant erroné",
        by=manager,
        kind="titre_de_recettes",
        number="T-2023-119",
        issued_on=date(2023, 10, 5),
        amount_issued=Decimal("15000"),
        received_on=None,
        amount_received=Decimal("0"),
        notes="",
    )
    titre.refresh_from_db()
    assert titre.is_cancelled and "Montant erroné" in titre.cancellation_reason
    assert new.corrects == titre and new.amount_issued == Decimal("15000")
    assert new.history.first().history_change_reason.startswith("Correction du titre T-2023-118")
    assert _issued(titre.share_line) == Decimal("15000")


def test_a_correction_with_bad_values_changes_nothing(titre, manager):
    with pytest.raises(ValidationError):
        services.payment_correct(
            payment=titre,
            reason="Dates",
            by=manager,
            kind="titre_de_recettes",
            number="T-2023-119",
            issued_on=date(2023, 10, 5),
            amount_issued=Decimal("15000"),
            received_on=date(2023, 1, 1),  # before the issue
            amount_received=Decimal("15000"),
            notes="",
        )
    assert not Payment.objects.get(pk=titre.pk).is_cancelled
    assert Payment.objects.count() == 1


def test_a_cancelled_titre_is_never_to_cancel_again(titre, manager):
    PaymentFactory(share_line=titre.share_line, amount_issued=Decimal("100"))
    line = titre.share_line
    assert len(payments_to_cancel([line])) == 1  # 15 553 + 100 > 15 553
    services.payment_cancel(payment=titre, reason="Erreur", by=manager)
    assert payments_to_cancel(ShareLine.objects.filter(pk=line.pk)) == []


# --------------------------------------------------------------------------- pages


def test_the_cancel_page_confirms_then_cancels(client, titre, manager):
    client.force_login(manager)
    url = reverse("financing:payment_cancel", args=[titre.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Confirmer l'annulation" in page.content.decode()
    assert not Payment.objects.get(pk=titre.pk).is_cancelled  # GET changed nothing
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif" in response.content.decode()
    assert not Payment.objects.get(pk=titre.pk).is_cancelled
    response = client.post(url, {"reason": "Émis deux fois"})
    assert response.status_code == 302
    summary = client.get(reverse("financing:party_summary", args=[titre.share_line.party_id]))
    text = summary.content.decode()
    assert "<del>" in text and "Émis deux fois" in text and "annulé le" in text
    # A cancelled titre is not cancelled nor corrected again.
    response = client.post(url, {"reason": "Encore"}, follow=True)
    assert "déjà annulé" in response.content.decode()


def test_the_correct_page_is_prefilled_and_replaces_the_titre(client, titre, manager):
    client.force_login(manager)
    url = reverse("financing:payment_correct", args=[titre.pk])
    page = client.get(url).content.decode()
    assert 'value="T-2023-118"' in page and "Motif de la correction" in page
    response = client.post(
        url,
        {
            "kind": "titre_de_recettes",
            "number": "T-2023-119",
            "issued_on": "2023-10-05",
            "amount_issued": "15000",
            "amount_received": "0",
            "reason": "Montant erroné",
        },
    )
    assert response.status_code == 302
    new = Payment.objects.get(number="T-2023-119")
    assert new.corrects_id == titre.pk and Payment.objects.get(pk=titre.pk).is_cancelled
    summary = client.get(reverse("financing:party_summary", args=[titre.share_line.party_id]))
    assert "corrige T-2023-118" in summary.content.decode()


@pytest.mark.parametrize("role", ["coordinateur", "other"])
def test_only_the_organisations_gestionnaire_cancels_or_corrects(client, titre, role):
    user = (
        UserFactory(coordinateur=True, organisation=titre.share_line.organisation)
        if role == "coordinateur"
        else UserFactory(gestionnaire=True)
    )
    client.force_login(user)
    for name in ("financing:payment_cancel", "financing:payment_correct"):
        response = client.post(reverse(name, args=[titre.pk]), {"reason": "x"})
        assert response.status_code == (403 if role == "coordinateur" else 404)
    assert not Payment.objects.get(pk=titre.pk).is_cancelled
    assert Payment.objects.count() == 1
