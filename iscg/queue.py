"""The task queue's policy, beside django-tasks-db: retries with backoff, a worker's heartbeat
and the recovery of what a stopped worker left running, and the daily schedule.

django-tasks-db stores each task as one ``DBTaskResult`` row and runs it once. A failed task is
put back in the queue here (same row, so the failures page shows one line per task and
``worker_ids`` counts its attempts) until ``TASK_MAX_ATTEMPTS``; a task left « en cours » by a
worker that no longer beats goes back too. The tasks themselves are idempotent (an e-mail is
sent once per key, a render makes no second version), so running one again is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import TaskResultStatus
from django.utils import timezone

logger = logging.getLogger("iscg.queue")

#: Delay before the second attempt; it doubles for each attempt after.
BACKOFF_BASE = timedelta(seconds=30)
#: A worker writes its heartbeat this often (also while a long task runs).
HEARTBEAT_EVERY = timedelta(seconds=settings.TASK_HEARTBEAT_SECONDS)
#: A worker silent for this long is taken as stopped: its running tasks are requeued.
STALE_AFTER = timedelta(seconds=settings.TASK_STALE_SECONDS)


def retry_delay(attempts: int, max_attempts: int) -> timedelta | None:
    """How long to wait before the next attempt of a task that failed ``attempts`` times
    (30 s, 1 min, 2 min, 4 min…); ``None`` when no attempt is left.

    >>> retry_delay(1, 5), retry_delay(4, 5), retry_delay(5, 5)
    (datetime.timedelta(seconds=30), datetime.timedelta(seconds=240), None)
    """
    if attempts >= max_attempts:
        return None
    return BACKOFF_BASE * (2 ** (attempts - 1))


# --------------------------------------------------------------------------- database side


def retry_failed(task_result) -> bool:
    """Put a task that just failed back in the queue after its backoff, while attempts are
    left (``task_finished`` signal). Returns whether it was requeued."""
    from django_tasks_db.models import DBTaskResult

    if task_result.status != TaskResultStatus.FAILED:
        return False
    attempts = len(task_result.worker_ids)
    delay = retry_delay(attempts, settings.TASK_MAX_ATTEMPTS)
    if delay is None:
        logger.error("Task %s failed %d times: left on the failures page", task_result.id, attempts)
        return False
    DBTaskResult.objects.filter(id=task_result.id, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + delay
    )
    logger.warning("Task %s failed (attempt %d): retried in %s", task_result.id, attempts, delay)
    return True


def beat(worker_id: str, now: datetime | None = None) -> None:
    from iscg.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"last_seen": now or timezone.now()}
    )


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Tasks « en cours » whose worker stopped beating (killed, machine lost) go back to the
    queue, counted as an attempt; past the last attempt they fail with a French reason."""
    from django_tasks_db.models import DBTaskResult

    from iscg.models import WorkerHeartbeat

    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=now - STALE_AFTER).values_list(
            "worker_id", flat=True
        )
    )
    requeued = []
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).select_for_update(
            skip_locked=True
        )
        for result in running:
            worker = result.worker_ids[-1] if result.worker_ids else None
            if worker in alive:
                continue
            if retry_delay(len(result.worker_ids), settings.TASK_MAX_ATTEMPTS) is None:
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = "iscg.queue.WorkerLost"
                result.traceback = (
                    f"Le travailleur {worker} s'est arrêté pendant la tâche, "
                    f"{len(result.worker_ids)} fois : tâche abandonnée."
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                continue
            result.status = TaskResultStatus.READY
            result.run_after = now
            result.save(update_fields=["status", "run_after"])
            requeued.append(str(result.id))
    if requeued:
        logger.warning("Tasks left running by stopped workers, requeued: %d", len(requeued))
    return requeued


#: The daily tasks, by module path (enqueued once a day by whichever worker gets there first).
DAILY_TASKS = (
    "conventions.tasks.daily_reminders",
    "reporting.tasks.daily_bilan_reminders",
    "conventions.tasks.refresh_transmissions",
    "iscg.tasks.purge_prepared_files",
)


def schedule_daily(now: datetime | None = None, tasks: tuple[str, ...] = DAILY_TASKS) -> list[str]:
    """Enqueue each daily task once for today, from ``TASK_DAILY_HOUR``."""
    from django.utils.module_loading import import_string

    from iscg.models import DailyRun

    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.TASK_DAILY_HOUR:
        return []
    enqueued = []
    for path in tasks:
        try:
            with transaction.atomic():
                DailyRun.objects.create(task_path=path, day=local.date())
                import_string(path).enqueue(day=local.date().isoformat())
        except IntegrityError:
            continue  # another worker did it today
        enqueued.append(path)
    return enqueued


def every(period: timedelta) -> Callable[[datetime], bool]:
    """A throttle: ``due(now)`` is true at most once per ``period``."""
    last: list[datetime] = []

    def due(now: datetime) -> bool:
        if last and now - last[0] < period:
            return False
        last[:] = [now]
        return True

    return due


# --------------------------------------------------------------------------- failures page

#: What each task is called on the failures page.
TASK_LABELS = {
    "iscg.tasks.send_email": "Envoi d'un e-mail",
    "conventions.tasks.daily_reminders": "Rappels quotidiens des échéances",
    "conventions.tasks.build_transmission": "Paquet de transmission au contrôle de légalité",
    "conventions.tasks.send_transmission": "Envoi d'un acte à Pastell",
    "conventions.tasks.refresh_transmissions": "État des actes transmis (Pastell)",
    "reporting.tasks.daily_bilan_reminders": "Rappels quotidiens des bilans dus ou en retard",
    "iscg.tasks.prepare_file": "Préparation d'un fichier à télécharger (PDF, archive ZIP)",
    "iscg.tasks.purge_prepared_files": "Suppression des fichiers préparés et des imports anciens",
    "conventions.tasks.render_document_version": "Rendu du PDF d'une convention",
    "conventions.tasks.render_office_document": "Texte ODT ou DOCX d'une convention",
    "financing.tasks.prepare_titres_zip": "Archive ZIP des titres de recettes d'un exercice",
    "financing.tasks.import_collection_returns": "Import d'un fichier d'encaissements",
    "iscg.tasks.run_import": "Import d'un tableur (parties, postes, bilans)",
}


def visible_failures(user):
    """Failed tasks the user may see and restart: an administrator every one, a gestionnaire
    those of its organisation (each task of ours carries ``organisation_id``)."""
    from django_tasks_db.models import DBTaskResult

    failed = DBTaskResult.objects.failed().order_by("-finished_at")
    if user.is_superuser:
        return failed
    if not user.organisation_id:
        return failed.none()
    return failed.filter(args_kwargs__kwargs__organisation_id=user.organisation_id)


def failure_reason(traceback: str) -> str:
    """The last line of a traceback, the one that says what went wrong."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def restart(result) -> None:
    """« Relancer »: the task goes back to the queue now, with a fresh count of attempts."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=result.id, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now(), worker_ids=[]
    )
