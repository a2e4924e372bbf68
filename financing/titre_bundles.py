"""The ZIP of an exercice's titres de recettes for the finance software, prepared by the
worker (as ``conventions.bundles`` does for a deliberation): the titres' CSV in both flavours
and, per titre, the signed convention it recovers (its uploaded signed copy, else its signed
PDF, rendered when missing) named as the CSV's ``piece_jointe`` column says. The page follows
the task; the download serves the stored archive (nothing built in a web request)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.tasks import TaskResultStatus

from conventions import services
from conventions.bundles import bundle_document
from financing import titres
from financing.models import ShareLine

TASK_PATH = "financing.tasks.prepare_titres_zip"


def titres_of(user, organisation, year: int) -> list:
    """The exercice's active titres the user sees, in number order."""
    lines = ShareLine.objects.visible_to(user).filter(organisation=organisation)
    return list(titres.issued_titres(lines, year))


def _ready(document):
    """The document when its PDF is stored, else None (still to produce)."""
    return document if document is not None and document.is_rendered else None


def _documents(titre_list, user, *, produce: bool) -> tuple[dict, list[str]]:
    """Each convention's document (by convention pk), and the French errors."""
    found, errors = {}, []
    for titre in titre_list:
        convention = titre.share_line.convention
        if convention.pk in found:
            continue
        try:
            found[convention.pk] = (
                # In the worker: a PDF not yet rendered is rendered here, in this task.
                services.document_rendered(bundle_document(convention, user, produce=True))
                if produce
                else _ready(bundle_document(convention, user, produce=False))
            )
        except ValidationError as error:
            errors.append(f"{convention.reference} : {' '.join(error.messages)}")
    return found, errors


def archive_name(organisation, year: int, titre_list, documents: dict) -> str:
    """Where the archive of these titres and documents is stored: any change of a titre or a
    document gives a new name, so a stored archive is never stale."""
    parts = [f"{t.pk}:{t.number}:{t.amount_issued}:{t.issued_on}" for t in titre_list]
    parts += [f"{pk}:{d.pk}:{d.sha256}" for pk, d in sorted(documents.items()) if d]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return f"archives/titres-{organisation.slug}-{year}-{digest}.zip"


def download_name(organisation, year: int) -> str:
    return f"titres-{organisation.slug}-{year}.zip"


def zip_bytes(organisation, year: int, titre_list, documents: dict) -> bytes:
    imputation = titres.imputation_for(organisation)
    rows = titres.rows_issued(titre_list, imputation, titres.payment_days_for(organisation))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"titres-{year}.csv", titres.csv_bytes(rows, "fr"))
        archive.writestr(f"titres-{year}-machine.csv", titres.csv_bytes(rows, "machine"))
        for titre, row in zip(titre_list, rows, strict=True):
            document = documents[titre.share_line.convention_id]
            with document.file.open("rb") as stored:
                archive.writestr(row.attachment, stored.read())
    return buffer.getvalue()


def prepare(organisation, year: int, user) -> dict:
    """The task's work: render the missing PDFs, then store the archive."""
    titre_list = titres_of(user, organisation, year)
    if not titre_list:
        return {"errors": [f"Aucun titre émis pour {year}."], "archive": None}
    documents, errors = _documents(titre_list, user, produce=True)
    if errors:
        return {"errors": errors, "archive": None}
    name = archive_name(organisation, year, titre_list, documents)
    if not default_storage.exists(name):
        name = default_storage.save(
            name, ContentFile(zip_bytes(organisation, year, titre_list, documents))
        )
    return {"errors": [], "archive": name}


@dataclass
class Progress:
    organisation: object
    year: int
    titres: list
    pending: bool
    missing: int = 0
    errors: list[str] = field(default_factory=list)
    archive: str | None = None

    @property
    def done(self) -> bool:
        return self.archive is not None


def _tasks(organisation, year: int):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        args_kwargs__kwargs__organisation_id=organisation.pk,
        args_kwargs__kwargs__year=year,
    )


def progress(organisation, year: int, user) -> Progress:
    titre_list = titres_of(user, organisation, year)
    documents, _ = _documents(titre_list, user, produce=False)
    tasks = _tasks(organisation, year)
    pending = tasks.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()
    last = tasks.filter(status=TaskResultStatus.SUCCESSFUL).order_by("-finished_at").first()
    errors = list((last.return_value or {}).get("errors", [])) if last and not pending else []
    missing = sum(1 for d in documents.values() if d is None)
    archive = None
    if titre_list and not missing:
        name = archive_name(organisation, year, titre_list, documents)
        archive = name if default_storage.exists(name) else None
    return Progress(organisation, year, titre_list, pending, missing, errors, archive)


def request_preparation(organisation, year: int, user) -> bool:
    """Queue the preparation unless one is under way; whether it was queued."""
    from financing.tasks import prepare_titres_zip

    if (
        _tasks(organisation, year)
        .filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .exists()
    ):
        return False
    prepare_titres_zip.enqueue(organisation_id=organisation.pk, year=year, user_id=user.pk)
    return True
