"""Files prepared by the worker, never in a web request: a PDF rendered from HTML that the
request decided (the annual financing table, the bilans' dashboard, the comité de suivi's pack,
a termination letter), a ZIP of conventions.

The request records a ``PreparedFile`` for its user (``prepare``) and queues
``iscg.tasks.prepare_file``; the same content asked again reuses it (``key``), so a file is
prepared once. While it is not ready the request answers a French page « … en préparation »
that polls (htmx, every 2 s; a meta refresh without script) and serves the file once stored.
The task records its progress (``done`` of ``total``) on the row, where the page reads it in
one query. A task that failed for good or vanished is queued again when the file is asked for.

This module imports no business application: builders are named by their dotted path.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string

from iscg.models import PreparedFile

TASK_PATH = "iscg.tasks.prepare_file"

#: What may prepare a file: ``builder(prepared, progress) -> bytes``, where ``progress(done,
#: total)`` records how far it is. A builder raising ``ValidationError`` (French) ends the
#: preparation in failure with its message (no retry: asking again would fail the same way).
BUILDERS = frozenset(
    {
        "financing.exports.prepared_pdf",
        "reporting.exports.prepared_pdf",
        "conventions.letters.prepared_pdf",
        "conventions.bundles.prepared_deliberation_zip",
        "conventions.bundles.prepared_signed_zip",
    }
)

#: Most files one user may have in preparation at once (a guard against a loop of requests).
MAX_PENDING_PER_USER = 20
#: Prepared files are kept this long, then purged by the daily task (asked again, re-made).
KEEP_DAYS = 7

#: A preparation waiting for its parts is queued again below them (they run first), up to
#: ``MAX_WAITS`` times, pausing ``STALL_SECONDS`` when nothing moved since its last look.
WAIT_PRIORITY = -10
MAX_WAITS = 2000
STALL_SECONDS = 0.25

#: How often the waiting page asks again (seconds); the meta refresh without script, slower.
POLL_SECONDS = 2
REFRESH_SECONDS = 5

Progress = Callable[[int, int], None]


class NotReady(Exception):  # noqa: N818 (a state, not an error)
    """Raised by a builder whose parts other tasks are still making (the PDFs of a ZIP, each
    its own render task, shared by the workers): the preparation records ``done`` of ``total``
    and is queued again behind them (``WAIT_PRIORITY``)."""

    def __init__(self, done: int, total: int, awaiting: list[str] | None = None):
        super().__init__(f"{done}/{total}")
        self.done, self.total, self.awaiting = done, total, list(awaiting or [])


class TooMany(ValidationError):
    """Refused: the user already has ``MAX_PENDING_PER_USER`` files in preparation."""


def content_key(*parts: object) -> str:
    """A key for what a file is made of (its HTML, the conventions chosen and their state).

    >>> content_key("<p>a</p>") == content_key("<p>a</p>") != content_key("<p>b</p>")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


# --------------------------------------------------------------------------- request side


def _waiting_tasks(prepared: PreparedFile):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=TASK_PATH,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__kwargs__prepared_id=prepared.pk,
    )


def _enqueue(prepared: PreparedFile) -> None:
    from iscg.tasks import prepare_file

    prepare_file.enqueue(prepared_id=prepared.pk, organisation_id=prepared.organisation_id)


def stored(prepared: PreparedFile) -> bool:
    """Whether the file is ready and still in the storage."""
    return prepared.is_ready and default_storage.exists(prepared.file.name)


def prepare(
    *,
    user,
    builder: str,
    key: str,
    label: str,
    filename: str,
    content_type: str,
    source: str = "",
    params: dict | None = None,
    total: int = 1,
    organisation=None,
    retry_failed: bool = False,
) -> PreparedFile:
    """The user's file made of this content: the one already recorded (queued again if its
    task failed or vanished; with ``retry_failed``, an explicit new request, also if it was
    refused), else a new one, queued. Nothing is built here."""
    if builder not in BUILDERS:
        raise ValueError(f"Unknown builder: {builder}")
    with transaction.atomic():
        existing = PreparedFile.objects.filter(user=user, builder=builder, key=key).exists()
        pending = PreparedFile.objects.filter(user=user, status=PreparedFile.Status.PENDING)
        if not existing and pending.count() >= MAX_PENDING_PER_USER:
            raise TooMany(
                f"Vous avez déjà {MAX_PENDING_PER_USER} fichiers en préparation : attendez "
                "qu'ils soient prêts avant d'en demander d'autres."
            )
        prepared, created = PreparedFile.objects.get_or_create(
            user=user,
            builder=builder,
            key=key,
            defaults={
                "label": label,
                "filename": filename,
                "content_type": content_type,
                "source": source,
                "params": params or {},
                "total": total,
                "organisation": organisation,
            },
        )
        if created:
            _enqueue(prepared)
        elif retry_failed and prepared.status == PreparedFile.Status.FAILED:
            restart(prepared)
        else:
            ensure_queued(prepared)
    return prepared


def ensure_queued(prepared: PreparedFile) -> bool:
    """Queue a file that is not ready and has no task waiting or running (its task failed
    for good, or vanished), or whose stored copy vanished; never a second task while one is
    under way, and never for a preparation refused with a reason (``restart`` does). Returns
    whether it was queued."""
    if prepared.status == PreparedFile.Status.FAILED or stored(prepared):
        return False
    with transaction.atomic():
        # One reader at a time decides (the row lock; SQLite writes one at a time anyway).
        PreparedFile.objects.select_for_update().filter(pk=prepared.pk).first()
        if _waiting_tasks(prepared).exists():
            return False
        PreparedFile.objects.filter(pk=prepared.pk).update(
            status=PreparedFile.Status.PENDING, file="", done=0, error="", finished_at=None
        )
        _enqueue(prepared)
    prepared.refresh_from_db()
    return True


def restart(prepared: PreparedFile) -> bool:
    """Prepare again a file whose preparation failed (« Reprendre la préparation »)."""
    if prepared.status == PreparedFile.Status.FAILED:
        PreparedFile.objects.filter(pk=prepared.pk).update(status=PreparedFile.Status.PENDING)
        prepared.refresh_from_db()
    return ensure_queued(prepared)


def of_user(user, token) -> PreparedFile:
    """A file prepared for this very user (404 for anyone else: no lookup across users)."""
    try:
        return PreparedFile.objects.get(user=user, token=token)
    except (PreparedFile.DoesNotExist, ValidationError):
        raise Http404 from None


# --------------------------------------------------------------------------- worker side


def build(prepared_id: int) -> str:
    """The task's work: run the builder, store the file once (a retry after it was stored, or
    a second task, stores nothing more). Progress is written on the row as the builder goes."""
    prepared = PreparedFile.objects.select_related("user").get(pk=prepared_id)
    if stored(prepared):
        return "déjà prêt"
    if prepared.builder not in BUILDERS:
        raise ValueError(f"Unknown builder: {prepared.builder}")

    def progress(done: int, total: int) -> None:
        PreparedFile.objects.filter(pk=prepared.pk).update(done=done, total=total)

    try:
        content = import_string(prepared.builder)(prepared, progress)
    except NotReady as waiting_for:
        return _wait(prepared, waiting_for)
    except ValidationError as error:
        PreparedFile.objects.filter(pk=prepared.pk).update(
            status=PreparedFile.Status.FAILED,
            error="\n".join(error.messages),
            finished_at=timezone.now(),
        )
        return "échec"
    name = default_storage.save(
        f"prepared/{prepared.token}/{prepared.filename}", ContentFile(content)
    )
    updated = (
        PreparedFile.objects.filter(pk=prepared.pk)
        .exclude(status=PreparedFile.Status.READY)
        .update(
            file=name,
            status=PreparedFile.Status.READY,
            params=prepared.params,
            done=F("total"),
            finished_at=timezone.now(),
        )
    )
    if not updated:  # stored meanwhile by another worker: keep theirs
        default_storage.delete(name)
        return "déjà prêt"
    return name


def purge(now=None) -> int:
    """Delete the files prepared more than ``KEEP_DAYS`` ago, rows and stored files (the
    daily task): asked again, a file is prepared again. Returns how many were deleted."""
    now = now or timezone.now()
    old = PreparedFile.objects.filter(created_at__lt=now - timedelta(days=KEEP_DAYS))
    count = 0
    for prepared in old.exclude(status=PreparedFile.Status.PENDING):
        if prepared.file.name:
            default_storage.delete(prepared.file.name)
        prepared.delete()
        count += 1
    return count


def part_ready(part: str) -> int:
    """A part that preparations wait for is made (``"document:<pk>"``: a PDF rendered by its
    own task): each of them counts one more done, so that their page moves meanwhile. Returns
    how many preparations were waiting for it."""
    waiting = [
        prepared.pk
        for prepared in PreparedFile.objects.filter(status=PreparedFile.Status.PENDING).only(
            "pk", "params"
        )
        if part in prepared.params.get("awaiting", ())
    ]
    if waiting:
        PreparedFile.objects.filter(pk__in=waiting, done__lt=F("total")).update(done=F("done") + 1)
    return len(waiting)


def _wait(prepared: PreparedFile, waiting_for: NotReady) -> str:
    """Record the progress and queue the preparation again, behind the parts it waits for."""
    from iscg.tasks import prepare_file

    waits = prepared.params.get("waits", 0) + 1
    if waits > MAX_WAITS:
        PreparedFile.objects.filter(pk=prepared.pk).update(
            status=PreparedFile.Status.FAILED,
            error="Les documents n'ont pas été produits à temps : "
            f"{waiting_for.done} sur {waiting_for.total} sont prêts. Reprenez la préparation.",
            finished_at=timezone.now(),
        )
        return "échec"
    stalled = prepared.params.get("last_done") == waiting_for.done
    params = {
        **prepared.params,
        "waits": waits,
        "last_done": waiting_for.done,
        "awaiting": waiting_for.awaiting,
    }
    PreparedFile.objects.filter(pk=prepared.pk).update(
        done=waiting_for.done, total=waiting_for.total, params=params
    )
    if stalled:  # the parts are being made by other workers: do not spin
        time.sleep(STALL_SECONDS)
    prepare_file.using(priority=WAIT_PRIORITY).enqueue(
        prepared_id=prepared.pk, organisation_id=prepared.organisation_id
    )
    return "en attente"


# --------------------------------------------------------------------------- responses


def file_response(prepared: PreparedFile, *, inline: bool = False) -> HttpResponse:
    """The stored file (read whole: these files are small), never cached by the browser."""
    with default_storage.open(prepared.file.name, "rb") as stored_file:
        content = stored_file.read()
    response = HttpResponse(content, content_type=prepared.content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{prepared.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def hx_redirect(url: str) -> HttpResponse:
    """Tell the polling page (htmx) to open the file, now stored."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def waiting(
    request,
    *,
    label: str,
    done: int = 0,
    total: int = 1,
    error: str = "",
    poll_url: str | None = None,
    file_url: str = "",
    archive: bool = False,
) -> HttpResponse:
    """« Le document est en préparation »: the page (or, for htmx, its fragment) that asks
    again every ``POLL_SECONDS`` until the file is stored; with ``error``, why it failed; with
    ``file_url`` (an archive, which is not opened in the page), the link to download it."""
    context = {
        "file_url": file_url,
        "archive": archive,
        "label": label,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
        "error": error,
        "poll_url": poll_url or request.get_full_path(),
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
    }
    template = (
        "iscg/_preparing.html" if request.headers.get("HX-Request") else "iscg/preparing.html"
    )
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_download(
    request,
    *,
    builder: str,
    html: str,
    label: str,
    filename: str,
    organisation=None,
    inline: bool = False,
) -> HttpResponse:
    """A PDF made from ``html`` (decided here, under the user's scope): served when the worker
    has stored it, else the waiting page (the render queued once)."""
    try:
        prepared = prepare(
            user=request.user,
            builder=builder,
            key=content_key(html),
            label=label,
            filename=filename,
            content_type="application/pdf",
            source=html,
            organisation=organisation,
        )
    except TooMany as error:
        response = waiting(request, label=label, error=" ".join(error.messages))
        response.status_code = 429
        return response
    return serve_when_ready(request, prepared, inline=inline)


def serve_when_ready(request, prepared: PreparedFile, *, inline: bool = False) -> HttpResponse:
    """The file if stored (for the polling page: open it), else the waiting page."""
    if stored(prepared):
        if request.headers.get("HX-Request"):
            return hx_redirect(request.get_full_path())
        return file_response(prepared, inline=inline)
    return waiting(
        request,
        label=prepared.label,
        done=prepared.done,
        total=prepared.total,
        error=prepared.error,
    )
