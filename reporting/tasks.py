"""Outward work of the bilans run by the worker."""

from datetime import date

from django.conf import settings
from django.tasks import task

from reporting.reminders import queue_bilan_reminders


@task()
def daily_bilan_reminders(*, day: str) -> int:
    """The day's « bilan bientôt dû » and « bilan en retard » e-mails (enqueued once a day by
    ``iscg.queue.schedule_daily``). Returns how many e-mails were queued."""
    return queue_bilan_reminders(today=date.fromisoformat(day), base_url=settings.SITE_URL)
