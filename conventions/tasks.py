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
def prepare_deliberation_zip(*, deliberation_id: int, user_id: int, organisation_id: int) -> dict:
    """Render the missing PDFs of a deliberation's conventions, then store their ZIP, as the
    user who asked sees them (``conventions.bundles.prepare``)."""
    from conventions import bundles
    from iscg.models import User

    return bundles.prepare(deliberation_id, User.objects.get(pk=user_id))


@task()
def render_document_version(*, version_id: int, organisation_id: int) -> str:
    """Render a decided document version's PDF (idempotent: nothing to do once rendered)."""
    from conventions.services import document_version_render

    version = document_version_render(version_id=version_id)
    return version.file.name


@task()
def decide_final_documents() -> dict:
    """Give every signed convention without one its sealed final document (renders queued)."""
    from conventions.services import final_documents_decide

    decided, errors = final_documents_decide()
    return {"decided": decided, "errors": errors}
