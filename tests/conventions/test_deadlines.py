"""Deadlines computed from conventions (pure rules), their page, iCalendar feed and reminders."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from icalendar import Calendar

from conventions import calendar
from conventions.deadlines import convention_deadlines, upcoming
from conventions.models import Convention
from tests.factories import ConventionFactory, ConventionPartyFactory, PartyFactory, UserFactory


def make(**fields) -> Convention:
    base = {
        "reference": "PDC2023-A08",
        "title": "Convention",
        "kind": "financement",
        "status": "signee",
        "start_date": date(2023, 1, 1),
        "end_date": date(2023, 12, 31),
        "notice_months": 3,
    }
    return Convention(**{**base, **fields})


def test_one_year_convention_with_the_state_as_funder():
    found = {(d.kind, d.date) for d in convention_deadlines(make(), state_funds=True)}
    assert found == {
        ("preavis", date(2023, 9, 30)),
        ("fin", date(2023, 12, 31)),
        ("demande_etat", date(2022, 10, 30)),
        ("bilan", date(2024, 1, 31)),
        ("comite", date(2024, 3, 31)),
    }


def test_triennial_convention_from_notification_with_renewal():
    convention = make(
        reference="DIJON2022",
        start_date=None,
        end_date=None,
        notification_date=date(2022, 6, 24),
        duration_months=36,
        renewal_rule="par période successive de 3 ans",
    )
    deadlines = convention_deadlines(convention, state_funds=True)
    kinds = [(d.kind, d.date) for d in deadlines]
    assert ("preavis", date(2025, 3, 23)) in kinds
    assert ("concertation", date(2024, 12, 23)) in kinds
    assert [d.date for d in deadlines if d.kind == "bilan"] == [
        date(2023, 1, 31),
        date(2024, 1, 31),
        date(2025, 1, 31),
        date(2026, 1, 31),
    ]
    assert [d.date.year for d in deadlines if d.kind == "demande_etat"] == [2021, 2022, 2023, 2024]


def test_no_state_request_when_the_state_does_not_fund():
    kinds = {d.kind for d in convention_deadlines(make(), state_funds=False)}
    assert "demande_etat" not in kinds


def test_closed_conventions_have_no_deadline():
    assert convention_deadlines(make(status="resiliee"), state_funds=True) == []


def test_upcoming_keeps_the_window_in_date_order():
    deadlines = convention_deadlines(make(), state_funds=True)
    window = upcoming(deadlines, today=date(2023, 9, 1), days=30)
    assert [d.kind for d in window] == ["preavis"]


@pytest.mark.django_db
def test_deadlines_page_and_ics_for_a_gestionnaire(client):
    user = UserFactory(gestionnaire=True)
    today = date.today()
    convention = ConventionFactory(
        organisation=user.organisation,
        start_date=date(today.year, 1, 1),
        end_date=date(today.year, 12, 31),
    )
    ConventionPartyFactory(
        convention=convention, party=PartyFactory(organisation=user.organisation, kind="etat")
    )
    client.force_login(user)
    page = client.get(reverse("deadlines"))
    assert page.status_code == 200
    assert f"Fin de la convention {convention.reference}" in page.text
    ics = client.get(reverse("deadlines_ics"))
    assert ics["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert any(str(e["summary"]) == f"Fin de la convention {convention.reference}" for e in events)


@pytest.mark.django_db
def test_feed_token_stands_for_the_login_and_a_forged_one_is_refused(client):
    user = UserFactory(gestionnaire=True)
    ConventionFactory(organisation=user.organisation, end_date=date(date.today().year, 12, 31))
    token = calendar.feed_token(user)
    assert client.get(reverse("deadlines_feed", args=[token])).status_code == 200
    assert client.get(reverse("deadlines_feed", args=[token + "x"])).status_code == 404


@pytest.mark.django_db
def test_send_reminders_mails_each_gestionnaire_its_next_30_days(run_tasks, smtp_server):
    user = UserFactory(gestionnaire=True, email="gestion@exemple.fr")
    ConventionFactory(organisation=user.organisation, reference="X-1", end_date=date(2023, 12, 31))
    UserFactory(gestionnaire=True)  # another organisation, nothing due
    call_command("send_reminders", date="2023-09-15", stdout=None)
    call_command("send_reminders", date="2023-09-15", stdout=None)  # the same day: once
    assert run_tasks() == 1
    (message,) = smtp_server.messages
    assert message.envelope_to == ["gestion@exemple.fr"]
    assert "30 septembre 2023 : Dernier jour pour dénoncer X-1" in smtp_server.bodies()[0]
