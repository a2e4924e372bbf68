"""Outward work of conventions run by the worker."""

from datetime import date

from django.conf import settings
from django.tasks import task

from conventions.reminders import queue_deadline_notices, queue_deadline_reminders


@task()
def daily_reminders(*, day: str) -> int:
    """The day's deadline reminders: each gestionnaire's digest of the coming 30 days and the
    notices of préavis and end, each once, and the signature circuits' reminders and expiries
    (``signing_services.daily_signature_work``); enqueued once a day by
    ``iscg.queue.schedule_daily``. Returns how many e-mails and requests it handled."""
    from conventions.signing_services import daily_signature_work

    today = date.fromisoformat(day)
    reminders = queue_deadline_reminders(
        today=today, days=30, base_url=settings.SITE_URL
    ) + queue_deadline_notices(today=today, base_url=settings.SITE_URL)
    return reminders + sum(daily_signature_work(today=today).values())


@task()
def render_document_version(*, version_id: int, organisation_id: int) -> str:
    """Render a decided document version's PDF (idempotent: nothing to do once rendered)."""
    from conventions.services import document_version_render

    version = document_version_render(version_id=version_id)
    return version.file.name


@task()
def decide_convention_document(*, convention_id: int, organisation_id: int) -> str:
    """Decide the document a reader waits for (``services.document_decision_queued``):
    nobody credited; its render is queued by the decision (idempotent: the same text gives
    back the same version)."""
    from conventions.models import Convention
    from conventions.services import convention_document

    version = convention_document(
        convention=Convention.objects.get(pk=convention_id), render_sent=True
    )
    return f"v{version.number}"


@task()
def build_transmission(*, transmission_id: int, organisation_id: int) -> str:
    """Build an act's @ctes package (then send it, when Pastell is configured)."""
    from conventions import transmission

    return transmission.build(transmission_id).status


@task()
def send_transmission(*, transmission_id: int, organisation_id: int) -> str:
    """Send a prepared act to Pastell (after an error, « Réessayer »)."""
    from conventions import transmission

    return transmission.send(transmission_id).status


@task()
def refresh_transmissions(*, day: str) -> int:
    """Read back from Pastell the state of the acts awaiting their acknowledgement (daily)."""
    from conventions import transmission

    ids = transmission.pending_ids()
    for pk in ids:
        transmission.refresh(pk)
    return len(ids)


@task()
def render_office_document(*, office_id: int, organisation_id: int) -> str:
    """Write a version's ODT or DOCX from the HTML of its PDF (idempotent: once written,
    nothing to do)."""
    from conventions.office_services import office_document_render

    return office_document_render(office_id=office_id).file.name


@task()
def decide_final_documents() -> dict:
    """Give every signed convention without one its sealed final document (renders queued)."""
    from conventions.services import final_documents_decide

    decided, errors = final_documents_decide()
    return {"decided": decided, "errors": errors}
