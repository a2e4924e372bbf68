"""Recording titres de recettes and the actual cost, from the pages (gestionnaire only)."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from financing import services
from financing.engine import read_plan
from financing.models import FinancingPlan, Payment
from tests.factories import (
    ConventionFactory,
    ConventionPartyFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    gestionnaire = UserFactory(gestionnaire=True)
    org = gestionnaire.organisation
    employer = PartyFactory(organisation=org, slug="cc", name="CC du Ternois")
    etat = PartyFactory(organisation=org, slug="etat", kind="etat", name="État")
    post = PostFactory(organisation=org, employer=employer, start_date=date(2023, 1, 1))
    convention = ConventionFactory(organisation=org, draft=True)
    convention.posts.add(post)
    ConventionPartyFactory(convention=convention, party=employer, is_employer=True)
    ConventionPartyFactory(convention=convention, party=etat)
    data = {
        "rounding": "down",
        "years": [{"year": 2023, "annual_cost": "42000"}],
        "shares": [
            {"party": "etat", "rule": "percent_of_cost", "percent": "50"},
            {"party": "cc", "rule": "remainder"},
        ],
    }
    plan = services.plan_save(convention=convention, post=post, plan=read_plan(data))
    # Titres are issued for what is due: the shares of a signed act.
    type(convention).objects.filter(pk=convention.pk).update(
        status="signee", text_frozen_at=timezone.now()
    )
    plan.gestionnaire = gestionnaire
    return plan


def test_gestionnaire_records_a_titre_and_the_partner_sees_what_is_outstanding(client, plan):
    line = plan.lines.get(party__slug="etat")
    client.force_login(plan.gestionnaire)
    response = client.post(
        reverse("financing:payment_add", args=[line.pk]),
        {
            "kind": "titre_de_recettes",
            "number": "T2023-118",
            "issued_on": "2023-06-30",
            "amount_issued": "21000",
            "received_on": "2023-09-15",
            "amount_received": "15000",
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.number, payment.amount_received) == ("T2023-118", Decimal("15000"))
    assert payment.history.first().history_user == plan.gestionnaire
    summary = client.get(reverse("financing:party_summary", args=[line.party_id]))
    assert "reste à verser <strong>6\u00a0000\u00a0€</strong>" in summary.text


def test_a_received_date_before_issue_is_refused_and_nothing_is_written(client, plan):
    line = plan.lines.get(party__slug="etat")
    client.force_login(plan.gestionnaire)
    response = client.post(
        reverse("financing:payment_add", args=[line.pk]),
        {
            "kind": "titre_de_recettes",
            "issued_on": "2023-06-30",
            "amount_issued": "21000",
            "received_on": "2023-01-01",
            "amount_received": "21000",
        },
    )
    assert response.status_code == 200
    assert "L'encaissement précède l'émission." in html.unescape(response.text)
    assert not Payment.objects.exists()


def test_no_titre_on_the_employers_own_share(plan):
    line = plan.lines.get(party__slug="cc")
    with pytest.raises(Exception, match="reste à charge"):
        services.payment_record(share_line=line, by=plan.gestionnaire, amount_issued=Decimal(1))


def test_actual_cost_recomputes_the_shares_and_shows_the_difference(client, plan):
    plan_year = plan.years.get(year=2023)
    client.force_login(plan.gestionnaire)
    response = client.post(
        reverse("financing:actual_cost", args=[plan_year.pk]), {"actual_cost": "40000"}, follow=True
    )
    assert "Écart prévu − réel par partie : État : 1\u00a0000\u00a0€" in response.text
    line = plan.lines.get(party__slug="etat")
    assert line.actual_amount == Decimal("20000.00")


def test_a_partner_cannot_record_anything(client, plan):
    line = plan.lines.get(party__slug="etat")
    partner = UserFactory(partenaire=True, party=line.party)
    client.force_login(partner)
    assert client.get(reverse("financing:payment_add", args=[line.pk])).status_code in (403, 404)
    plan_year = plan.years.get(year=2023)
    assert client.post(
        reverse("financing:actual_cost", args=[plan_year.pk]), {"actual_cost": "1"}
    ).status_code in (403, 404)
    assert FinancingPlan.objects.get().years.get(year=2023).actual_cost is None
