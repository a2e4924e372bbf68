"""Receivables: every titre issued and not fully collected, its age, « en retard » past its
due date, filters, the exact total; who sees it; the home page's card links to it."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from financing import receivables
from financing.models import Payment, ShareLine
from tests.factories import PaymentFactory, UserFactory
from tests.financing import titre_world

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def world():
    world = titre_world.build()
    # Cents that a float would not add up exactly: 0,10 + 0,20 outstanding.
    PaymentFactory(
        share_line=world.etat_line,
        number="TR-2023-0001",
        issued_on=TODAY - timedelta(days=100),
        amount_issued=Decimal("20000.10"),
        amount_received=Decimal("20000"),
        received_on=TODAY - timedelta(days=50),
    )
    PaymentFactory(
        share_line=world.dept_line,
        number="TR-2023-0002",
        issued_on=TODAY - timedelta(days=10),
        amount_issued=Decimal("5000.20"),
    )
    PaymentFactory(  # collected in full: not a receivable
        share_line=world.dept_line,
        number="TR-2023-0003",
        issued_on=TODAY - timedelta(days=200),
        amount_issued=Decimal("4000"),
        amount_received=Decimal("4000"),
        received_on=TODAY - timedelta(days=150),
    )
    cancelled = PaymentFactory(  # cancelled: not a receivable
        share_line=world.dept_line,
        number="TR-2023-0004",
        issued_on=TODAY - timedelta(days=300),
        amount_issued=Decimal("999.80"),
    )
    Payment.objects.filter(pk=cancelled.pk).update(cancelled_at="2023-12-01T10:00:00Z")
    PaymentFactory(share_line=world.other_line, number="NORD-1", issued_on=TODAY)
    return world


def page_text(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("financing:receivables"), params)
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_age_and_lateness_rules():
    assert receivables.age_days(date(2023, 10, 2), date(2023, 10, 12)) == 10
    assert receivables.age_days(None, date(2023, 10, 12)) is None
    assert receivables.is_late(date(2023, 11, 1), Decimal("1"), date(2023, 11, 2))
    assert not receivables.is_late(date(2023, 11, 1), Decimal("1"), date(2023, 11, 1))
    assert not receivables.is_late(date(2023, 11, 1), Decimal("0"), date(2024, 1, 1))


def test_every_titre_not_fully_collected_with_its_age_and_the_exact_total(world):
    payments = receivables.outstanding_queryset(ShareLine.objects.filter(organisation=world.org))
    rows, total = receivables.receivables(payments, TODAY)
    assert [(r.titre.number, r.outstanding, r.age, r.late) for r in rows] == [
        ("TR-2023-0001", Decimal("0.10"), 100, True),  # issued 100 days ago, due after 30
        ("TR-2023-0002", Decimal("5000.20"), 10, False),
    ]
    assert total == Decimal("5000.30")
    assert isinstance(total, Decimal)


def test_the_page_filters_by_party_year_and_lateness(client, world):
    text = page_text(client, world.gestionnaire)
    assert "Total à encaisser : 5\u00a0000,30\u00a0€ — 2\u00a0titres, dont 1 en retard." in text
    assert "TR-2023-0001" in text and "100\u00a0jours" in text and "en retard" in text
    assert "TR-2023-0003" not in text and "TR-2023-0004" not in text
    assert "NORD-1" not in text  # another organisation's titre
    text = page_text(client, world.gestionnaire, partie=world.dept.pk)
    assert "Total à encaisser : 5\u00a0000,20\u00a0€ — 1\u00a0titre, dont 0 en retard." in text
    assert "Total à encaisser : 0\u00a0€" in page_text(client, world.gestionnaire, annee=2024)
    text = page_text(client, world.gestionnaire, en_retard="on")
    assert "Total à encaisser : 0,10\u00a0€ — 1\u00a0titre, dont 1 en retard." in text
    # Another organisation's party is not a choice: refused, nothing shown, said in French.
    text = page_text(client, world.gestionnaire, partie=world.other_line.party_id)
    assert "Filtre non appliqué" in text and "Total à encaisser : 0\u00a0€" in text
    assert "Filtre non appliqué" in page_text(client, world.gestionnaire, annee="deux mille")


def test_who_sees_the_receivables(client, world):
    url = reverse("financing:receivables")
    client.force_login(world.partner)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(intervenant=True))
    assert client.get(url).status_code == 403
    coordinator = UserFactory(coordinateur=True, organisation=world.org)
    assert "5\u00a0000,30\u00a0€" in page_text(client, coordinator)
    # The other organisation's gestionnaire sees its own titre only.
    text = page_text(client, world.other_gestionnaire)
    assert "NORD-1" in text and "TR-2023-0001" not in text
    # An administrator chooses the organisation.
    admin = UserFactory(admin=True)
    text = page_text(client, admin, organisation="nord")
    assert "NORD-1" in text and "TR-2023-0002" not in text


def test_the_home_page_gives_ages_and_links_to_the_receivables(client, world):
    client.force_login(world.gestionnaire)
    response = client.get(reverse("home"))
    text = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "2\u00a0titres à encaisser, 5\u00a0000,30\u00a0€, dont 1 en retard." in text
    assert "TR-2023-0001 — État (FIPD) : 0,10\u00a0€, émis il y a 100\u00a0jours en retard" in text
    assert reverse("financing:receivables") in response.content.decode()
