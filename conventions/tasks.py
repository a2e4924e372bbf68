"""Outward work of conventions run by the worker."""

from datetime import date

from django.conf import settings
from django.tasks import task

from conventions.reminders import queue_deadline_reminders


@task()
def daily_reminders(*, day: str) -> int:
    """The day's deadline reminders (enqueued once a day by ``iscg.queue.schedule_daily``)."""
    return queue_deadline_reminders(
        today=date.fromisoformat(day), days=30, base_url=settings.SITE_URL
    )


@task()
def render_document_version(*, version_id: int, organisation_id: int) -> str:
    """Render a decided document version's PDF (idempotent: nothing to do once rendered)."""
    from conventions.services import document_version_render

    version = document_version_render(version_id=version_id)
    return version.file.name
