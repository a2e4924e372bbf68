"""`python manage.py worker`: runs the queued tasks (django-tasks-db's ``db_worker``) and keeps
the queue healthy beside them: a heartbeat, the recovery of tasks a stopped worker left running,
the daily schedule (reminders). Several workers, on several machines, share the PostgreSQL queue.
Same options as ``db_worker`` (``--batch`` runs what is queued, then exits)."""

import logging
import threading

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands import db_worker

from iscg import queue

logger = logging.getLogger("iscg.queue")


def warm_up() -> None:
    """Fonts, stylesheets and the PDF engine loaded before the first task (iscg.pdf)."""
    from conventions.documents import CSS_PATH
    from iscg import pdf

    pdf.warm_up(CSS_PATH)


class Worker(db_worker.Worker):
    #: Beat, requeue and schedule (off in the tests' in-process runs: they call ``iscg.queue``).
    housekeep = True

    def housekeeping(self) -> None:
        """One round: beat, requeue what stopped workers left running, schedule the day."""
        now = timezone.now()
        try:
            queue.beat(self.worker_id, now)
            queue.requeue_stale(now)
            queue.schedule_daily(now)
        except OperationalError as error:  # a locked SQLite database: next round
            logger.warning("Queue housekeeping skipped: %s", error)

    def _keep_beating(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(queue.HEARTBEAT_EVERY.total_seconds()):
                self.housekeeping()
                close_old_connections()
        finally:
            connection.close()

    def run(self) -> None:
        if not self.housekeep:
            super().run()
            return
        warm_up()  # before the first heartbeat: a worker that beats renders warm
        self.housekeeping()
        stop = threading.Event()
        beating = threading.Thread(target=self._keep_beating, args=(stop,), daemon=True)
        if not self.batch:
            beating.start()
        try:
            super().run()
        finally:
            stop.set()


class Command(db_worker.Command):
    help = "Exécute les tâches en file (rendus, e-mails, archives, rappels quotidiens)."

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = Worker  # the parent builds its Worker by this name
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
