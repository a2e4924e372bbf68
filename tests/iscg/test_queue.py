"""The task queue's policy: retries with backoff, recovery of tasks a stopped worker left
running, the daily schedule, the worker that runs them."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from iscg import queue
from iscg.models import DailyRun, EmailLog, WorkerHeartbeat
from tests.iscg import queue_tasks

PARIS = ZoneInfo("Europe/Paris")


def test_retry_delay_doubles_then_stops():
    delays = [queue.retry_delay(n, 5) for n in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 240)] + [None]
    assert queue.retry_delay(1, 1) is None


def test_the_throttle_lets_one_call_through_per_period():
    due = queue.every(timedelta(seconds=10))
    start = datetime(2026, 12, 3, 9, 0, tzinfo=PARIS)
    calls = [due(start + timedelta(seconds=s)) for s in (0, 5, 9, 10, 12, 21)]
    assert calls == [True, False, False, True, False, True]


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_backoff_then_left_failed(run_tasks, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    result = queue_tasks.always_fails.enqueue(label="essai")
    assert run_tasks() == 1
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.READY  # back in the queue, for later
    assert timedelta(seconds=25) < row.run_after - timezone.now() <= timedelta(seconds=30)
    assert "échec voulu : essai" in row.traceback
    assert run_tasks() == 0  # not before its backoff
    for expected in (TaskResultStatus.READY, TaskResultStatus.FAILED):
        DBTaskResult.objects.filter(id=result.id).update(run_after=timezone.now())
        assert run_tasks() == 1
        row.refresh_from_db()
        assert row.status == expected
    assert len(row.worker_ids) == 3  # three attempts, one row


@pytest.mark.django_db
def test_a_task_left_running_by_a_stopped_worker_goes_back_to_the_queue(settings):
    settings.TASK_MAX_ATTEMPTS = 2
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="vivant", last_seen=now)
    WorkerHeartbeat.objects.create(worker_id="arrete", last_seen=now - timedelta(minutes=5))
    alive, stopped, twice = (queue_tasks.record.enqueue(n=n) for n in (1, 2, 3))
    for result, workers in ((alive, ["vivant"]), (stopped, ["arrete"]), (twice, ["a", "b"])):
        DBTaskResult.objects.filter(id=result.id).update(
            status=TaskResultStatus.RUNNING, worker_ids=workers, started_at=now
        )
    assert queue.requeue_stale(now) == [str(stopped.id)]
    statuses = {
        str(r.id): r.status
        for r in DBTaskResult.objects.filter(id__in=[alive.id, stopped.id, twice.id])
    }
    assert statuses == {
        str(alive.id): TaskResultStatus.RUNNING,
        str(stopped.id): TaskResultStatus.READY,
        str(twice.id): TaskResultStatus.FAILED,  # its last attempt was lost too
    }
    assert "s'est arrêté pendant la tâche" in DBTaskResult.objects.get(id=twice.id).traceback


@pytest.mark.django_db
def test_the_daily_tasks_are_enqueued_once_a_day_from_the_hour(settings):
    settings.TASK_DAILY_HOUR = 7
    early = datetime(2026, 12, 3, 6, 59, tzinfo=PARIS)
    assert queue.schedule_daily(early) == []
    morning = datetime(2026, 12, 3, 7, 0, tzinfo=PARIS)
    assert "conventions.tasks.daily_reminders" in queue.DAILY_TASKS
    assert "reporting.tasks.daily_bilan_reminders" in queue.DAILY_TASKS
    assert "iscg.tasks.purge_prepared_files" in queue.DAILY_TASKS
    assert queue.schedule_daily(morning) == list(queue.DAILY_TASKS)
    assert queue.schedule_daily(morning + timedelta(hours=5)) == []  # another worker, later
    assert queue.schedule_daily(morning + timedelta(days=1)) == list(queue.DAILY_TASKS)
    assert DailyRun.objects.count() == 2 * len(queue.DAILY_TASKS)
    queued = DBTaskResult.objects.filter(task_path="conventions.tasks.daily_reminders")
    assert sorted(r.args_kwargs["kwargs"]["day"] for r in queued) == ["2026-12-03", "2026-12-04"]


@pytest.mark.django_db
def test_a_task_enqueued_in_a_transaction_that_rolls_back_never_runs(run_tasks):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        queue_tasks.record.enqueue(n=7)
        raise RuntimeError("annulé")
    assert run_tasks() == 0
    assert not EmailLog.objects.exists()


@pytest.mark.django_db
def test_the_failures_page_says_why_and_restarts_the_task(client, run_tasks, settings, smtp_server):
    from django.urls import reverse

    from iscg.tasks import queue_email
    from tests.factories import UserFactory

    settings.TASK_MAX_ATTEMPTS = 1
    gestionnaire = UserFactory(gestionnaire=True)
    other = UserFactory(gestionnaire=True)  # another organisation
    settings.MAILERS = {  # nothing listens there: the sending fails
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    queue_email(
        key="essai",
        to=["x@exemple.fr"],
        subject="Essai",
        body="Bonjour",
        organisation=gestionnaire.organisation,
    )
    assert run_tasks() == 1
    client.force_login(gestionnaire)
    page = client.get(reverse("task_failures"))
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Envoi d'un e-mail" in text and "ConnectionRefusedError" in text
    (result,) = DBTaskResult.objects.failed()
    client.force_login(other)
    assert "Aucune tâche en échec" in client.get(reverse("task_failures")).content.decode()
    assert client.post(reverse("task_restart", args=[result.pk])).status_code == 404
    # Restarted once the SMTP server answers again: sent, and gone from the page.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port},
        }
    }
    client.force_login(gestionnaire)
    response = client.post(reverse("task_restart", args=[result.pk]))
    assert response.status_code == 302
    assert run_tasks() == 1
    assert len(smtp_server.messages) == 1
    assert EmailLog.objects.get(key="essai").sent_at is not None
    assert "Aucune tâche en échec" in client.get(reverse("task_failures")).content.decode()
