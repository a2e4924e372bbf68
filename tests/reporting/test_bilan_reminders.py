"""« Bilan bientôt dû » and « bilan en retard » e-mails, through the daily schedule and a real
local SMTP server: the intervenant one per bilan, the gestionnaires one a day; the due soon
once, the late once then weekly; the due date of the dashboard (a convention's own date too)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from iscg import queue
from iscg.models import NoticeKind
from reporting import rules
from reporting.models import BilanReminder, ReportDeadline
from reporting.reminders import queue_bilan_reminders
from tests.factories import BilanFactory, ConventionFactory, PostFactory, UserFactory

DUE = date(2027, 1, 31)  # the bilan 2026, by default


# --------------------------------------------------------------------------- the rule (pure)


def test_due_soon_fifteen_days_before_once():
    assert rules.reminder_due(DUE, date(2027, 1, 15), transmitted=False) == ""
    assert rules.reminder_due(DUE, date(2027, 1, 16), transmitted=False) == rules.DUE_SOON
    assert rules.reminder_due(DUE, DUE, transmitted=False) == rules.DUE_SOON  # not yet late
    sent = {"soon_sent_on": date(2027, 1, 16)}
    assert rules.reminder_due(DUE, date(2027, 1, 16), transmitted=False, **sent) == rules.DUE_SOON
    assert rules.reminder_due(DUE, date(2027, 1, 17), transmitted=False, **sent) == ""
    assert rules.reminder_due(DUE, date(2027, 1, 20), transmitted=True) == ""


def test_late_the_day_after_then_weekly_at_most_for_three_months():
    assert rules.reminder_due(DUE, date(2027, 2, 1), transmitted=False) == rules.LATE
    last = {"last_late_on": date(2027, 2, 1)}
    days = [date(2027, 2, 1) + timedelta(days=n) for n in range(1, 8)]
    assert [rules.reminder_due(DUE, d, transmitted=False, **last) for d in days] == [""] * 6 + [
        rules.LATE
    ]
    too_late = DUE + timedelta(days=rules.LATE_FOR_DAYS + 1)
    assert rules.reminder_due(DUE, too_late, transmitted=False) == ""
    assert rules.reminder_due(DUE, date(2027, 2, 1), transmitted=True) == ""


# --------------------------------------------------------------------------- the e-mails


@pytest.fixture
def world():
    manager = UserFactory(gestionnaire=True, email="gestion@exemple.fr")
    post = PostFactory(organisation=manager.organisation, name="ISG du Val", first_year=2025)
    intervenant = UserFactory(
        intervenant=True, post=post, organisation=manager.organisation, email="isg@exemple.fr"
    )
    other = UserFactory(gestionnaire=True, email="ailleurs@exemple.fr")
    PostFactory(organisation=other.organisation, first_year=2030)  # not yet in service
    return manager, post, intervenant


def run_day(day: date, run_tasks) -> int:
    """The worker's daily schedule on ``day``: enqueue the daily tasks, run them and the
    e-mails they queue; returns how many e-mails this day queued."""
    before = BilanReminder.objects.count()
    morning = timezone.make_aware(datetime(day.year, day.month, day.day, 8, 0))
    assert "reporting.tasks.daily_bilan_reminders" in queue.schedule_daily(morning)
    run_tasks()
    return BilanReminder.objects.count() - before


def texts(smtp_server):
    """(to, subject, text) of the bilans' e-mails received (not the deadlines' digest)."""
    return [
        (m.envelope_to[0], m["Subject"], m.get_body(preferencelist=("plain",)).get_content())
        for m in smtp_server.messages
        if "bilan" in m["Subject"].lower()
    ]


@pytest.mark.django_db
def test_due_soon_goes_once_to_the_intervenant_and_the_gestionnaire(world, run_tasks, smtp_server):
    manager, post, intervenant = world
    assert run_day(date(2027, 1, 15), run_tasks) == 0
    assert texts(smtp_server) == []
    assert run_day(date(2027, 1, 16), run_tasks) == 1
    sent = texts(smtp_server)
    assert sorted(to for to, _, _ in sent) == ["gestion@exemple.fr", "isg@exemple.fr"]
    (mine,) = [s for s in sent if s[0] == "isg@exemple.fr"]
    assert mine[1] == "Bilan 2026 de ISG du Val à transmettre avant le 31 janvier 2027"
    assert "est à transmettre d'ici le 31 janvier 2027" in mine[2]
    assert f"/bilans/poste/{post.pk}/2026/saisir/" in mine[2]  # no bilan yet: the entry page
    (digest,) = [s for s in sent if s[0] == "gestion@exemple.fr"]
    assert digest[1].replace("\xa0", " ") == "ISCG : 1 bilan bientôt dû"
    assert (
        "Le bilan 2026 du poste « ISG du Val » est à transmettre d'ici le 31 janvier 2027"
        in (digest[2])
    )
    # The HTML part is there too.
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert "ISG du Val" in html and "Mes notifications" in html
    # Asked again the same day (a second run) or the following days: nothing more.
    assert queue_bilan_reminders(today=date(2027, 1, 16), base_url="http://x") == 0
    for day in range(17, 32):
        assert run_day(date(2027, 1, day), run_tasks) == 0
    assert len(texts(smtp_server)) == 2


@pytest.mark.django_db
def test_late_goes_once_then_weekly_and_stops_once_transmitted(world, run_tasks, smtp_server):
    manager, post, intervenant = world
    bilan = BilanFactory(post=post, year=2026)
    assert run_day(date(2027, 2, 1), run_tasks) == 1
    sent = texts(smtp_server)
    assert sorted(to for to, _, _ in sent) == ["gestion@exemple.fr", "isg@exemple.fr"]
    (mine,) = [s for s in sent if s[0] == "isg@exemple.fr"]
    assert mine[1] == "Bilan 2026 de ISG du Val en retard"
    assert "était attendu le 31 janvier 2027 et n'a pas encore été transmis" in mine[2]
    assert bilan.get_absolute_url() in mine[2]  # the draft's page
    (digest,) = [s for s in sent if s[0] == "gestion@exemple.fr"]
    assert digest[1].replace("\xa0", " ") == "ISCG : 1 bilan en retard"
    for day in range(2, 8):
        assert run_day(date(2027, 2, day), run_tasks) == 0
    assert run_day(date(2027, 2, 8), run_tasks) == 1  # a week later
    assert len(texts(smtp_server)) == 4
    bilan.status = "transmis"
    bilan.submitted_at = timezone.now()
    bilan.save()
    assert run_day(date(2027, 2, 15), run_tasks) == 0
    assert len(texts(smtp_server)) == 4


@pytest.mark.django_db
def test_the_due_date_is_the_convention_s_own_when_it_sets_one(world, run_tasks, smtp_server):
    manager, post, intervenant = world
    convention = ConventionFactory(
        organisation=manager.organisation, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    convention.posts.add(post)
    ReportDeadline.objects.create(convention=convention, month=3, day=31)
    assert run_day(date(2027, 1, 16), run_tasks) == 0  # not the default 31 January
    assert run_day(date(2027, 3, 16), run_tasks) == 1
    assert all("d'ici le 31 mars 2027" in text for _, _, text in texts(smtp_server))
    # The deadlines' digest says the same date (conventions.deadlines reads the same rule).
    digest = [m for m in smtp_server.messages if "échéance" in m["Subject"]]
    body = digest[-1].get_body(preferencelist=("plain",)).get_content()
    assert "31 mars 2027 : Bilan d'activité 2026 dû" in body
    assert "31 janvier 2027 : Bilan" not in body


@pytest.mark.django_db
def test_who_turned_the_bilan_notices_off_gets_none(world, run_tasks, smtp_server):
    manager, post, intervenant = world
    intervenant.muted_notices = [NoticeKind.BILAN_DUE]
    intervenant.save()
    assert run_day(date(2027, 1, 16), run_tasks) == 1  # recorded: the gestionnaire is told
    assert [to for to, _, _ in texts(smtp_server)] == ["gestion@exemple.fr"]
