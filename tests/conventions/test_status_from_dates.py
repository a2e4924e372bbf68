"""Statuses read from the dates on the demo, on a fixed today (1 December 2026), without the
daily command: pages, list filters ("Expirée", "En vigueur", "Année"), deadlines."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.models import Convention
from iscg.models import User

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Every test of this module reads the demo on TODAY."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def admin_client_demo(client, demo_data):
    """The administrator sees every organisation's conventions (Dijon, Quimper too)."""
    client.force_login(User.objects.get(email="admin@demo.iscg.fr"))
    return client


def references(client, **params) -> list[str]:
    response = client.get(reverse("conventions:list"), params)
    assert response.status_code == 200
    return [c.reference for c in response.context["conventions"]]


def test_demo_conventions_ended_in_2023_read_expired(demo_gestionnaire):
    ended_2023 = [
        c
        for c in Convention.objects.filter(reference__startswith="PDC2023-")
        if c.computed_end_date and c.computed_end_date.year == 2023 and not c.is_draft
    ]
    assert len(ended_2023) >= 10
    assert {c.get_status_display() for c in ended_2023} == {"Expirée"}
    # The stored column is left as loaded (no daily command): the page reads the dates.
    assert {c.status for c in ended_2023} == {"signee"}
    page = demo_gestionnaire.get(ended_2023[0].get_absolute_url()).content.decode()
    assert '<span class="badge">Expirée</span>' in page


def test_dijon_ended_in_june_2025_reads_expired(demo_gestionnaire, client):
    dijon = Convention.objects.get(reference="DIJON2022")
    assert dijon.end_date is None  # three years from its notification
    assert dijon.computed_end_date == date(2025, 6, 23)
    assert dijon.get_status_display() == "Expirée"


def test_the_expired_filter_returns_them_and_in_force_returns_only_those_in_force(
    admin_client_demo,
):
    demo_gestionnaire = admin_client_demo
    expired = references(demo_gestionnaire, statut="expiree")
    assert "PDC2023-A08" in expired
    assert "DIJON2022" in expired
    visible = Convention.objects.filter(
        reference__in=references(demo_gestionnaire)
    ).with_signed_renewal()
    by_status = {}
    for convention in visible:
        by_status.setdefault(convention.current_status, set()).add(convention.reference)
    assert set(expired) == by_status["expiree"]
    assert references(demo_gestionnaire, statut="en_vigueur") == []  # none left in 2026


SIGNED_PDC = {f"PDC2023-A{n:02d}" for n in range(3, 18)} - {"PDC2023-A13"}  # A13: à signer
#: Dijon and the demo's illustrative avenant to it (signed 15 November 2022, same period).
DIJON = {"DIJON2022", "DIJON2022-AV1"}


def test_in_force_then_due_for_renewal_in_2023(admin_client_demo, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2023, 3, 1))
    assert set(references(admin_client_demo, statut="en_vigueur")) == SIGNED_PDC | DIJON
    assert references(admin_client_demo, statut="a_renouveler") == []
    # From 30 June the six-month renewal window of the conventions ending 31 December is open.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2023, 9, 1))
    assert set(references(admin_client_demo, statut="a_renouveler")) == SIGNED_PDC
    assert set(references(admin_client_demo, statut="en_vigueur")) == SIGNED_PDC | DIJON
    assert references(admin_client_demo, statut="expiree") == []
    assert Convention.objects.get(reference="DIJON2022").get_status_display() == "En vigueur"


def test_every_row_of_the_list_shows_the_status_read_today(demo_gestionnaire):
    response = demo_gestionnaire.get(reverse("conventions:list"), {"statut": "expiree"})
    assert response.content.decode().count('<span class="badge">Expirée</span>') == len(
        response.context["conventions"]
    )


def test_the_year_filter_uses_the_computed_end(admin_client_demo):
    demo_gestionnaire = admin_client_demo
    in_2026 = references(demo_gestionnaire, annee=2026)
    for convention in Convention.objects.filter(reference__in=in_2026):
        end = convention.computed_end_date
        start = convention.effective_start_date
        assert end is None or end.year >= 2026, convention.reference
        assert start is None or start.year <= 2026, convention.reference
    assert "DIJON2022" not in in_2026  # ended June 2025 (a duration from its notification)
    assert "DIJON2022" in references(demo_gestionnaire, annee=2025)
    ended_2023 = [
        c.reference
        for c in Convention.objects.all()
        if c.computed_end_date and c.computed_end_date.year == 2023
    ]
    assert not set(ended_2023) & set(in_2026)


def test_the_status_and_year_filters_run_a_fixed_number_of_queries(demo_gestionnaire):
    def count(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            demo_gestionnaire.get(reverse("conventions:list"), params)
        return len(queries)

    plain = count()
    assert count(statut="expiree") <= plain + 1
    assert count(statut="en_vigueur") <= plain + 1
    assert count(annee=2026) <= plain + 1
    assert count(statut="expiree", annee=2023) <= plain + 2
