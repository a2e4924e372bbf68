"""ZIPs of conventions, prepared by the worker (``iscg.downloads``): the ZIP of a deliberation's
conventions, and the one of the signed conventions ticked in the list. Each convention's signed
copy, else its PDF (rendered by the worker when missing), then the archive itself, stored for
the user who asked; the task records its progress (documents done of total) on its
``PreparedFile`` row, which the page reads in one query; the download serves the stored
archive (no render, no ZIP built in a web request).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from conventions import document_access, services
from conventions.bulk import zip_of
from conventions.models import SIGNED_STATUSES, Convention, Deliberation, DocumentVersion, Party
from iscg import downloads
from iscg.models import PreparedFile

DELIBERATION_BUILDER = "conventions.bundles.prepared_deliberation_zip"
SIGNED_BUILDER = "conventions.bundles.prepared_signed_zip"


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
    """The document a bundle holds for a convention: its signed copy, else its PDF. With
    ``produce`` (in the worker), the one the user may read (``document_access.for_bundle``:
    its version decided when missing, never credited to a reader) and its render queued
    (``conventions.tasks.render_document_version``, one task per PDF: several workers share
    them); else only a version already stored. The PDF may not be rendered yet."""
    if produce:
        document = document_access.for_bundle(user, convention)
        if not document.is_rendered:
            services.document_render_queued(document)
        return document
    copy = convention.signed_copy
    if copy is not None:
        return copy
    return services.stored_document(convention=convention)


def download_name(deliberation: Deliberation) -> str:
    number = re.sub(r"[^A-Za-z0-9-]+", "-", deliberation.number or str(deliberation.pk))
    return f"conventions-{number}.zip"


# --------------------------------------------------------------------------- worker side


def gather(conventions: list[Convention], user, progress, *, signed_only: bool) -> list:
    """Each convention's document. Every convention that cannot be in the archive is said in
    one French refusal; while PDFs are still being rendered (their own tasks), ``NotReady``
    says how many are ready, and the preparation looks again once they ran."""
    documents, errors = [], []
    total = len(conventions)
    for convention in conventions:
        try:
            if signed_only and convention.status not in SIGNED_STATUSES:
                raise ValidationError(
                    f"elle est « {convention.get_status_display().lower()} », pas signée."
                )
            documents.append(bundle_document(convention, user, produce=True))
        except ValidationError as error:
            errors.append(f"{convention.reference} : {' '.join(error.messages)}")
    if errors:
        raise ValidationError(errors)
    awaiting = [f"document:{d.pk}" for d in documents if not d.is_rendered]
    if awaiting:
        raise downloads.NotReady(total - len(awaiting), total, awaiting)
    progress(total, total)
    return documents


def prepared_deliberation_zip(prepared: PreparedFile, progress) -> bytes:
    """``iscg.downloads`` builder: the deliberation's conventions, as the user sees them."""
    try:
        _deliberation, conventions = deliberation_for(
            prepared.user, prepared.params["deliberation_id"]
        )
    except Deliberation.DoesNotExist:
        raise ValidationError("La délibération n'existe plus.") from None
    documents = gather(conventions, prepared.user, progress, signed_only=False)
    prepared.params["documents"] = [d.pk for d in documents]
    return zip_of(documents)


def prepared_signed_zip(prepared: PreparedFile, progress) -> bytes:
    """``iscg.downloads`` builder: the signed conventions ticked, as the user sees them."""
    conventions = list(
        Convention.objects.visible_to(prepared.user)
        .filter(pk__in=prepared.params["conventions"])
        .order_by("reference")
    )
    documents = gather(conventions, prepared.user, progress, signed_only=True)
    prepared.params["documents"] = [d.pk for d in documents]
    return zip_of(documents)


# --------------------------------------------------------------------------- request side


@dataclass
class Progress:
    """How far the user's archive of a deliberation is (read from its row: one query)."""

    deliberation: Deliberation
    conventions: list[Convention]
    prepared: PreparedFile | None

    @property
    def total(self) -> int:
        return self.prepared.total if self.prepared else len(self.conventions)

    @property
    def ready(self) -> int:
        return self.prepared.done if self.prepared else 0

    @property
    def pending(self) -> bool:
        return self.prepared is not None and self.prepared.status == PreparedFile.Status.PENDING

    @property
    def errors(self) -> list[str]:
        if self.prepared is None or self.prepared.status != PreparedFile.Status.FAILED:
            return []
        return self.prepared.error.splitlines()

    @property
    def done(self) -> bool:
        return self.prepared is not None and downloads.stored(self.prepared)

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.total) if self.total else 100


def latest(deliberation: Deliberation, user) -> PreparedFile | None:
    """The user's last archive of the deliberation (prepared, under way or failed)."""
    return (
        PreparedFile.objects.filter(
            user=user, builder=DELIBERATION_BUILDER, params__deliberation_id=deliberation.pk
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def progress(deliberation: Deliberation, conventions: list[Convention], user) -> Progress:
    return Progress(deliberation, conventions, latest(deliberation, user))


def request_preparation(deliberation: Deliberation, conventions: list[Convention], user) -> bool:
    """Queue the preparation of a fresh archive unless one is already under way (queued
    again if its task vanished); returns whether a new one was asked for. Nothing rendered."""
    last = latest(deliberation, user)
    if (
        last is not None
        and last.status == PreparedFile.Status.PENDING
        and not downloads.stored(last)
    ):
        downloads.ensure_queued(last)
        return False
    downloads.prepare(
        user=user,
        builder=DELIBERATION_BUILDER,
        key=uuid.uuid4().hex,  # the conventions may have changed since: always a new archive
        label=f"Archive ZIP de la délibération {deliberation.number or deliberation.pk}",
        filename=download_name(deliberation),
        content_type="application/zip",
        params={"deliberation_id": deliberation.pk},
        total=len(conventions),
        organisation=deliberation.party.organisation,
    )
    return True


def request_signed_zip(conventions: list[Convention], user) -> PreparedFile:
    """The user's archive of these signed conventions: the one already prepared when nothing
    changed (same conventions, same signed copies), else queued. Nothing rendered here."""
    state = [f"{c.pk}:{c.status}:{getattr(c.signed_copy, 'pk', '')}" for c in conventions]
    return downloads.prepare(
        user=user,
        builder=SIGNED_BUILDER,
        key=downloads.content_key(*sorted(state)),
        label="Archive ZIP des conventions signées",
        filename="conventions-signees.zip",
        content_type="application/zip",
        params={"conventions": sorted(c.pk for c in conventions)},
        total=len(conventions),
        organisation=conventions[0].organisation if conventions else None,
        retry_failed=True,  # the user asks again: a refusal may have been fixed since
    )


def log_downloads(prepared: PreparedFile, user) -> None:
    """Each document of a served archive is counted as downloaded by the user."""
    for document in DocumentVersion.objects.filter(pk__in=prepared.params.get("documents", [])):
        services.document_download_log(document=document, user=user)
