"""The ZIP of a deliberation's conventions, prepared by the worker: each convention's signed
copy, else its PDF (rendered when missing), then the archive itself, stored; the page follows
the task's progress and the download serves the stored archive (no render, no ZIP built in a
web request)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.tasks import TaskResultStatus

from conventions import services
from conventions.bulk import zip_of
from conventions.models import Convention, Deliberation, DocumentKind, DocumentVersion, Party

TASK_PATH = "conventions.tasks.prepare_deliberation_zip"
RENDER_TASK_PATH = "conventions.tasks.render_document_version"


def deliberation_for(user, pk: int) -> tuple[Deliberation, list[Convention]]:
    """A deliberation of the user's scope and its conventions the user sees (404 otherwise)."""
    deliberation = Deliberation.objects.select_related("party").get(
        party__in=Party.objects.visible_to(user), pk=pk
    )
    conventions = list(
        Convention.objects.visible_to(user)
        .filter(deliberations=deliberation)
        .distinct()
        .order_by("reference")
    )
    return deliberation, conventions


def bundle_document(convention: Convention, user, *, produce: bool) -> DocumentVersion | None:
    """The document a bundle holds for a convention: its signed copy, else its PDF (produced
    when ``produce``, else only when already stored)."""
    if produce:
        return services.document_rendered(decided_document(convention, user))
    copy = convention.signed_copy
    if copy is not None:
        return copy
    return services.stored_document(convention=convention)


def decided_document(convention: Convention, user) -> DocumentVersion:
    """The document a bundle holds for a convention, decided (its signed copy, else its PDF's
    version, whose render is queued) but not necessarily rendered yet."""
    return convention.signed_copy or services.convention_document(convention=convention, by=user)


def ready(document: DocumentVersion | None) -> DocumentVersion | None:
    """The document when its PDF is stored, else None (still to produce)."""
    return document if document is not None and document.is_rendered else None


def archive_name(deliberation: Deliberation, documents: list[DocumentVersion]) -> str:
    """Where the archive of these very documents is stored: a new document gives a new name,
    so a stored archive is never stale."""
    digest = hashlib.sha256("|".join(f"{d.pk}:{d.sha256}" for d in documents).encode()).hexdigest()[
        :16
    ]
    return f"archives/deliberation-{deliberation.pk}-{digest}.zip"


def download_name(deliberation: Deliberation) -> str:
    number = re.sub(r"[^A-Za-z0-9-]+", "-", deliberation.number or str(deliberation.pk))
    return f"conventions-{number}.zip"


def build_archive(deliberation: Deliberation, documents: list[DocumentVersion]) -> str:
    """Store the ZIP of these documents (once: the name says its content) and return its name."""
    name = archive_name(deliberation, documents)
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(zip_of(documents)))


def prepare(deliberation_id: int, user) -> dict:
    """The task's work: render each missing PDF, then store the archive. Returns the errors
    (a convention whose PDF cannot be produced, in French) and the archive's name."""
    deliberation, conventions = deliberation_for(user, deliberation_id)
    errors, decided = [], []
    # Every document decided first: each new version's render is queued as its own task
    # (services), which other workers take meanwhile; this task then renders what is still
    # missing from the last one back, so that two workers meet in the middle.
    for convention in conventions:
        try:
            decided.append(decided_document(convention, user))
        except ValidationError as error:
            errors.append(f"{convention.reference} : {' '.join(error.messages)}")
    if errors:
        return {"errors": errors, "archive": None}
    queue_renders([document for document in decided if not document.is_rendered])
    documents = [services.document_rendered(document) for document in reversed(decided)]
    documents.reverse()
    return {"errors": [], "archive": build_archive(deliberation, documents)}


def queue_renders(documents: list[DocumentVersion]) -> int:
    """Queue the render of each of these versions that has none queued or running (for the
    other workers: a render is idempotent, the first one done is kept); returns how many."""
    from django_tasks_db.models import DBTaskResult

    from conventions.tasks import render_document_version

    queued = set(
        DBTaskResult.objects.filter(
            task_path=RENDER_TASK_PATH,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).values_list("args_kwargs__kwargs__version_id", flat=True)
    )
    count = 0
    for document in documents:
        if document.kind == DocumentKind.GENERATED and document.pk not in queued:
            render_document_version.enqueue(
                version_id=document.pk, organisation_id=document.convention.organisation_id
            )
            count += 1
    return count


@dataclass
class Progress:
    deliberation: Deliberation
    rows: list[dict]
    pending: bool  # a preparation is queued or running
    errors: list[str] = field(default_factory=list)
    archive: str | None = None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ready(self) -> int:
        return sum(1 for row in self.rows if row["document"] is not None)

    @property
    def missing(self) -> int:
        return self.total - self.ready

    @property
    def done(self) -> bool:
        return self.archive is not None

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.total) if self.rows else 100


def _tasks(deliberation: Deliberation):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH, args_kwargs__kwargs__deliberation_id=deliberation.pk
    )


def progress(deliberation: Deliberation, conventions: list[Convention], user) -> Progress:
    """How far the archive is: documents ready (read from the database: the task's own
    progress), whether a preparation is under way, the last one's errors, the stored archive."""
    rows = [
        {"convention": c, "document": ready(bundle_document(c, user, produce=False))}
        for c in conventions
    ]
    tasks = _tasks(deliberation)
    pending = tasks.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()
    last = tasks.filter(status=TaskResultStatus.SUCCESSFUL).order_by("-finished_at").first()
    errors = list((last.return_value or {}).get("errors", [])) if last and not pending else []
    archive = None
    if all(row["document"] is not None for row in rows):
        name = archive_name(deliberation, [row["document"] for row in rows])
        archive = name if default_storage.exists(name) else None
    return Progress(deliberation, rows, pending, errors, archive)


def request_preparation(deliberation: Deliberation, user) -> bool:
    """Queue the preparation unless one is already under way; returns whether it was queued."""
    from conventions.tasks import prepare_deliberation_zip

    pending = _tasks(deliberation).filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    if pending.exists():
        return False
    prepare_deliberation_zip.enqueue(
        deliberation_id=deliberation.pk,
        user_id=user.pk,
        organisation_id=deliberation.party.organisation_id,
    )
    return True
