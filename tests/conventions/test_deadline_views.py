"""The deadlines page (issue 15): period picker, month calendar, deadlines already past when a
convention was entered, the feed URL with its copy button."""

import html
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from conventions.deadlines import (
    Deadline,
    convention_deadlines,
    month_weeks,
    period_problem,
    shift_month,
)
from conventions.models import Convention
from tests.factories import ConventionFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, **params):
    response = client.get(reverse("deadlines"), params)
    return response, html.unescape(response.content.decode())


@pytest.fixture
def user(client):
    user = UserFactory(gestionnaire=True)
    client.force_login(user)
    return user


def test_month_weeks_start_on_monday_and_carry_the_day_s_deadlines():
    item = Deadline(date(2026, 3, 31), "comite", "Comité", "X")
    weeks = month_weeks(2026, 3, [item, Deadline(date(2026, 4, 1), "bilan", "Bilan", "X")])
    assert weeks[0][0].date == date(2026, 2, 23) and not weeks[0][0].in_month  # a Monday
    last = [day for week in weeks for day in week if day.date == date(2026, 3, 31)][0]
    assert last.in_month and last.deadlines == (item,)
    assert shift_month(2026, 12, 1) == (2027, 1) and shift_month(2026, 1, -1) == (2025, 12)


def test_period_problems_are_said_in_french():
    assert period_problem(date(2026, 1, 1), date(2026, 12, 31)) == ""
    assert "précède" in period_problem(date(2026, 2, 1), date(2026, 1, 1))
    assert "cinq ans" in period_problem(date(2020, 1, 1), date(2026, 1, 1))


def test_the_period_picker_shows_only_the_chosen_period(client, user):
    ConventionFactory(
        organisation=user.organisation,
        reference="A-2030",
        start_date=date(2030, 1, 1),
        end_date=date(2030, 12, 31),
    )
    response, text = page(client, du="2031-01-01", au="2031-04-30")
    assert response.status_code == 200
    assert "Bilan d'activité 2030 dû (A-2030)" in text  # 31 January 2031
    assert "Comité de suivi du bilan 2030 (A-2030)" in text  # 31 March 2031
    assert "Fin de la convention A-2030" not in text  # 31 December 2030, outside
    _, default = page(client)
    assert "A-2030" not in default  # the default period is the coming year


def test_a_bad_period_is_refused_in_french_and_the_usual_period_shown(client, user):
    response, text = page(client, du="2027-05-01", au="2027-01-01")
    assert response.status_code == 400
    assert "La fin de la période précède son début" in text
    response, text = page(client, vue="mois", mois="2027-13")
    assert response.status_code == 400 and "Indiquez un mois sous la forme 2026-03." in text


def test_the_month_calendar_shows_the_month_s_deadlines_on_their_day(client, user):
    ConventionFactory(
        organisation=user.organisation,
        reference="A-2030",
        start_date=date(2030, 1, 1),
        end_date=date(2030, 12, 31),
    )
    response, text = page(client, vue="mois", mois="2030-12")
    assert response.status_code == 200
    assert "Décembre 2030" in text and 'class="calendar"' in text
    assert "Fin de la convention A-2030" in text
    assert "?vue=mois&mois=2030-11" in text and "?vue=mois&mois=2031-01" in text
    _, january = page(client, vue="mois", mois="2031-01")
    assert "Bilan d'activité 2030 dû (A-2030)" in january
    # 31 December shows in the first week, greyed; the month counts only its own
    assert "Janvier 2031</strong> (1\u00a0échéance)" in january


def test_deadlines_already_past_when_the_convention_was_entered_are_flagged(client, user):
    convention = ConventionFactory(
        organisation=user.organisation,
        reference="A-TARDIVE",
        start_date=date(2023, 1, 1),
        end_date=date(2027, 12, 31),
    )
    Convention.objects.filter(pk=convention.pk).update(
        created_at=datetime(2024, 6, 1, 10, tzinfo=UTC)
    )
    convention.refresh_from_db()
    found = {d.date: d.missed_at_creation for d in convention_deadlines(convention)}
    assert found[date(2024, 1, 31)] is True  # the 2023 bilan was due before it was entered
    assert found[date(2025, 1, 31)] is False
    detail = html.unescape(client.get(convention.get_absolute_url()).content.decode())
    assert (
        "déjà passée" in detail and "quand la convention a été saisie dans l'application" in detail
    )
    _, text = page(client, du="2024-01-01", au="2025-12-31")
    assert "déjà passée à la saisie de la convention" in text


def test_the_feed_url_is_in_a_field_with_a_copy_button(client, user):
    _, text = page(client)
    assert 'id="feed-url"' in text and "/echeances/flux/" in text
    assert 'data-copy="feed-url"' in text and "Copier le lien" in text
    assert "js/lists.js" in text
    assert "iCalendar" not in text  # the format is not named: a verb does


def test_partners_and_intervenants_are_refused(client):
    client.force_login(UserFactory(partenaire=True))
    assert client.get(reverse("deadlines"), {"vue": "mois"}).status_code == 403


def test_a_convention_entered_late_is_flagged_as_soon_as_it_is_created(client, user):
    from django.contrib.messages import get_messages

    from tests.factories import PostFactory

    post = PostFactory(organisation=user.organisation)
    response = client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "A-2023-TARD",
            "title": "Convention de financement 2023",
            "start_date": "2023-01-01",
            "end_date": "2023-12-31",
            "notice_months": 3,
        },
    )
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "échéances étaient déjà passées à la saisie" in warnings[0]
    assert "Dernier jour pour dénoncer A-2023-TARD (30 septembre 2023)" in warnings[0]
    # a convention for the future is not flagged
    client.post(
        reverse("wizard_start"),
        {
            "mode": "nouvelle",
            "post": post.pk,
            "kind": "financement",
            "reference": "A-2030",
            "title": "Convention de financement 2030",
            "start_date": "2030-01-01",
            "end_date": "2030-12-31",
            "notice_months": 3,
        },
    )
    convention = Convention.objects.get(reference="A-2030")
    assert not [d for d in convention_deadlines(convention) if d.missed_at_creation]
