"""Spreadsheet imports run by the worker, never in a web request (issue 18: a 100 000-row file
took 80 s in one request).

The request checks the upload's type and size (``iscg.spreadsheets.check_upload``), records an
``ImportJob`` with the file (``submit``) and queues ``iscg.tasks.run_import``; it redirects to
the job's page, which asks again every few seconds while the worker reads the file, then shows
the outcome: the rows created and updated, or the list of errors (« Ligne 4, colonne « siret »
: … ») with nothing written.

The worker (``run``) calls the job's importer (one of ``IMPORTERS``, named by its dotted path:
this module imports no business application) inside one transaction: all or nothing. Rows in
error, a refusal (``ValidationError``, ``PermissionDenied``) or a crash roll everything back;
a crash marks the job failed with a French reason. A job already finished is not run again
(idempotent); one left running by a stopped worker is run again from the start (nothing of it
was committed), and marked failed when its task is gone for good.

Progress: the importer calls ``progress(done, total)``; on PostgreSQL it is written through a
second connection, so that the page sees it while the import's transaction is still open. SQLite
writes one transaction at a time: there the page shows the job running, and the count of rows
once it is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.http import Http404
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string

from iscg import perms, spreadsheets
from iscg.formatting import count_words
from iscg.models import ImportJob

logger = logging.getLogger("iscg.imports")

TASK_PATH = "iscg.tasks.run_import"

#: What may read a deposited file: ``importer(job, progress) -> Outcome``, where
#: ``progress(done, total)`` says how many rows are checked. An importer writes through the
#: services (history) and is atomic itself; ``run`` wraps it in one more transaction.
IMPORTERS = frozenset(
    {
        "conventions.reference_imports.parties_job",
        "conventions.reference_imports.posts_job",
        "reporting.services.bilans_import_job",
    }
)

#: Imports one user may have waiting or running at once (a guard against a loop of uploads).
MAX_PENDING_PER_USER = 5
#: Errors kept on the job (the page says how many there are in all).
MAX_ERRORS_KEPT = 500
#: Deposited files are kept this long, then purged with the job by the daily task.
KEEP_DAYS = 7
#: How often the page asks again (seconds, by script); without script, the page refreshes.
POLL_SECONDS = 2
REFRESH_SECONDS = 5
#: Progress is written at most this often (seconds), and at the last row.
PROGRESS_EVERY = 0.5

Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What an importer did: rows created and updated (``summary``: the French sentence), or
    the errors, each a French message naming its line and column."""

    created: int = 0
    updated: int = 0
    summary: str = ""
    errors: list[str] = field(default_factory=list)

    def as_result(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "summary": self.summary,
            "errors": [spreadsheets.echo(e, 1000) for e in self.errors[:MAX_ERRORS_KEPT]],
            "error_count": len(self.errors),
        }


class TooMany(ValidationError):
    """Refused: the user already has ``MAX_PENDING_PER_USER`` imports waiting or running."""


# --------------------------------------------------------------------------- request side


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, read no further than one byte past the size limit."""
    return upload.read(spreadsheets.MAX_FILE_BYTES + 1)


def submit(
    *,
    user,
    organisation,
    importer: str,
    label: str,
    filename: str,
    content: bytes,
    back_url: str,
    again_url: str,
) -> ImportJob:
    """Check the file's type and size (``ValidationError`` in French), store it and queue its
    import (the queue is in the same database: the task runs once this transaction commits).
    Nothing is read here."""
    if importer not in IMPORTERS:
        raise ValueError(f"Unknown importer: {importer}")
    try:
        spreadsheets.check_upload(content, filename)
    except spreadsheets.FileError as error:
        raise ValidationError(str(error)) from error
    from iscg.tasks import run_import

    with transaction.atomic():
        waiting = ImportJob.objects.filter(
            user=user, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
        )
        if waiting.count() >= MAX_PENDING_PER_USER:
            raise TooMany(
                f"Vous avez déjà {MAX_PENDING_PER_USER} imports en cours : attendez qu'ils "
                "soient terminés avant d'en déposer un autre."
            )
        job = ImportJob.objects.create(
            user=user,
            organisation=organisation,
            importer=importer,
            label=label,
            filename=filename[:255],
            content=content,
            params={"back_url": back_url, "again_url": again_url},
        )
        run_import.enqueue(job_id=job.pk, organisation_id=organisation.pk)
    return job


def can_see(user, job: ImportJob) -> bool:
    """The uploader, and the gestionnaires of the job's organisation."""
    return job.user_id == user.pk or perms.can_edit_in(user, job.organisation_id)


def of_viewer(user, token) -> ImportJob:
    """The job, for who may see it (404 for anyone else: its existence is not revealed)."""
    try:
        job = ImportJob.objects.defer("content").get(token=token)
    except (ImportJob.DoesNotExist, ValidationError):
        raise Http404 from None
    if not can_see(user, job):
        raise Http404
    return job


def _waiting_tasks(job: ImportJob):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__kwargs__job_id=job.pk,
    )


LOST = (
    "Le traitement de l'import s'est arrêté avant la fin (le travailleur a été interrompu "
    "plusieurs fois) : rien n'a été enregistré. Déposez le fichier à nouveau."
)


def settle_lost(job: ImportJob) -> bool:
    """A job not finished whose task is gone (failed for good: its worker stopped every time)
    is marked failed, with its French reason; never one whose task waits or runs. Returns
    whether it was."""
    if job.is_finished or _waiting_tasks(job).exists():
        return False
    marked = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.FAILED, error=LOST, finished_at=timezone.now())
    job.refresh_from_db(fields=["status", "error", "finished_at", "done", "total", "result"])
    return bool(marked)


# --------------------------------------------------------------------------- worker side


class _Refused(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__("refused")
        self.outcome = outcome


class _ProgressWriter:
    """``progress(done, total)`` for an import running in a transaction: written through a
    second connection (PostgreSQL), committed at once, so that the page reads it meanwhile;
    on SQLite, which writes one transaction at a time, only kept for the end."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = self.total = 0
        self.last = 0.0
        self.connection = None
        if connection.vendor == "postgresql":
            self.connection = connections.create_connection("default")

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if self.connection is None or (done < total and now - self.last < PROGRESS_EVERY):
            return
        self.last = now
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET done = %s, total = %s WHERE id = %s",
                    [done, total, self.job_id],
                )
        except Exception:  # progress is a courtesy: never the import's failure
            logger.warning("Progress of import %s not written", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _finish(job: ImportJob, status: str, *, outcome: Outcome | None = None, error: str = ""):
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        result=outcome.as_result() if outcome else {},
        error=error,
        finished_at=timezone.now(),
    )


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    text = str(exc)
    return [text or "Vous n'avez pas le droit de faire cet import."]


def run(job_id: int) -> str:
    """The task's work: run the job's importer in one transaction and record its outcome with
    it (done: the rows and the job's state are committed together; refused or crashed: nothing
    of the import is). A job already finished is left as it is."""
    job = ImportJob.objects.select_related("user", "organisation").get(pk=job_id)
    if job.is_finished:
        return job.status
    if job.importer not in IMPORTERS:
        raise ValueError(f"Unknown importer: {job.importer}")
    importer = import_string(job.importer)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), done=0
    )
    progress = _ProgressWriter(job.pk)
    try:
        with transaction.atomic():
            outcome = importer(job, progress)
            if outcome.errors:
                raise _Refused(outcome)
            progress.close()  # before the job's row is written in this transaction
            ImportJob.objects.filter(pk=job.pk).update(done=progress.total, total=progress.total)
            _finish(job, ImportJob.Status.DONE, outcome=outcome)
    except _Refused as refused:
        progress.close()
        ImportJob.objects.filter(pk=job.pk).update(done=progress.done, total=progress.total)
        _finish(job, ImportJob.Status.REFUSED, outcome=refused.outcome)
    except (ValidationError, PermissionDenied) as refusal:
        progress.close()
        _finish(job, ImportJob.Status.REFUSED, outcome=Outcome(errors=_messages(refusal)))
    except Exception as crash:
        progress.close()
        logger.exception("Import %s stopped", job.pk)
        after = (
            f" après {count_words(progress.done, 'ligne vérifiée', 'lignes vérifiées')}"
            if progress.done
            else ""
        )
        _finish(
            job,
            ImportJob.Status.FAILED,
            error=f"L'import s'est arrêté{after} sur une erreur inattendue "
            f"({type(crash).__name__}) : rien n'a été enregistré. Déposez le fichier à "
            "nouveau ; si l'erreur revient, signalez-la à l'administrateur.",
        )
    finally:
        progress.close()
    job.refresh_from_db(fields=["status"])
    return job.status


def purge(now=None) -> int:
    """Delete the finished jobs deposited more than ``KEEP_DAYS`` ago, with their file (the
    daily task). Returns how many were deleted."""
    now = now or timezone.now()
    old = ImportJob.objects.filter(created_at__lt=now - timedelta(days=KEEP_DAYS)).exclude(
        status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    )
    count, _ = old.delete()
    return count
