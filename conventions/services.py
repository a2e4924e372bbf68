"""Writes on convention documents: templates and texts, stored PDFs, signatures, signed copies.

Every function checks its own preconditions and raises ``ValidationError`` with a French
message; views only translate those into messages. A document version is decided inside the
transaction (its number, its HTML, its hash) and its PDF rendered once it has committed
by the worker (``document_version_render``, queued as ``conventions.tasks.render_document_version``):
no row lock is held while WeasyPrint works, and no web request renders it: a reader who comes
before the worker waits on a page while the render is queued (``document_render_queued``). Nothing here checks *who*
may act: views do (``conventions.perms.can_edit_convention``; the policy is in
``docs/architecture.md``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from conventions import (
    documents,
    notices,
    pdf_checks,
    rules,
    sealing,
    templating,
    text_editing,
    textdiff,
)
from conventions.blanks import blanks_summary, convention_blanks
from conventions.models import (
    SIGNED_STATUSES,
    Convention,
    ConventionParty,
    ConventionStatus,
    DocumentDownload,
    DocumentKind,
    DocumentTemplate,
    DocumentVersion,
    TemplateVersion,
    TerminationKind,
)
from conventions.text_versions import convention_text_versions
from conventions.wording import absent_values, refused_for_blanks_message
from financing.models import FinancingPlan
from financing.services import plan_truncate
from iscg import concurrency, history
from iscg.formatting import format_date_long


def _problems_error(problems: list[templating.Problem]) -> ValidationError:
    return ValidationError([str(problem) for problem in problems])


def clean_text(text: dict) -> dict:
    """The parts of a text in canonical form (no stray keys, articles as title/body)."""
    return {
        "title": str(text.get("title", "")).strip(),
        "parties_block": str(text.get("parties_block", "")).strip(),
        "preamble": str(text.get("preamble", "")).strip(),
        "articles": [
            {"title": str(a.get("title", "")).strip(), "body": str(a.get("body", "")).strip()}
            for a in text.get("articles", [])
            if isinstance(a, dict) and (a.get("title") or a.get("body"))
        ],
        "closing": str(text.get("closing", "")).strip(),
    }


# --------------------------------------------------------------------------- templates


@transaction.atomic
def template_save(*, template: DocumentTemplate, text: dict, by, note: str = "") -> TemplateVersion:
    """Add a version to a template; refused with the part and the name at fault."""
    text = clean_text(text)
    problems = templating.validate_text(text)
    if problems:
        raise _problems_error(problems)
    template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
    current = template.current_version
    if current is not None and current.as_text() == text:
        return current
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return TemplateVersion.objects.create(
        template=template, number=number, created_by=by, note=note, **text
    )


@dataclass(frozen=True)
class TextEdit:
    """One change made on a text's editor, applied under the row lock to the text as it is
    then (``change``), refused when what the page loaded has changed since (``version``, the
    token of ``text_editing.edit_state(text, part)``)."""

    change: Callable[[dict], dict]
    reason: str
    #: The part edited (``text_editing`` key), None for the whole text (moving, removing).
    part: str | None
    version: str | None
    #: What the user typed, shown on the conflict page: (title or None, body) of the part,
    #: else a sentence saying what the action did.
    yours: tuple[str | None, str] | str


def _text_conflict(
    current: dict, part: str | None, yours: tuple[str | None, str] | str, subject: str, **who: Any
) -> concurrency.EditConflict:
    """Both versions of the part (or the whole text's articles) for the conflict page."""
    readable = text_editing.readable_text(current)
    if part is None or isinstance(yours, str):
        titles = "\n".join(p.label for p in text_editing.parts(readable))
        return concurrency.EditConflict(
            subject,
            differences=[concurrency.Difference("Parties du texte", titles, str(yours))],
            **who,
        )
    found = text_editing.part(readable, part)
    theirs = text_editing.part_text(found.title, found.body) if found else ""
    title, body = yours
    yours = text_editing.part_text(
        text_editing.readable(title) if title is not None else None, text_editing.readable(body)
    )
    old_html, new_html = textdiff.side_by_side(theirs, yours)
    label = found.label if found else "Cette partie (supprimée depuis)"
    status: textdiff.Status = "changed" if found else "removed"
    return concurrency.EditConflict(
        subject,
        comparison=[textdiff.PartComparison(label, status, theirs, yours, old_html, new_html)],
        yours_text=text_editing.part_text(title, body),
        **who,
    )


@transaction.atomic
def template_edit(*, template: DocumentTemplate, edit: TextEdit, by) -> TemplateVersion:
    """The editor's change to a template: a new version, unless somebody saved the part (or,
    for the overview, the template) since the page was loaded (``EditConflict``)."""
    template = _locked_template(template, edit.version, edit.part, edit.yours)
    current = _template_text(template)
    return template_save(template=template, text=edit.change(current), by=by, note=edit.reason)


def _template_text(template: DocumentTemplate) -> dict:
    version = template.current_version
    return version.as_text() if version else {"title": "", "articles": []}


def _locked_template(
    template: DocumentTemplate,
    version: str | None,
    part: str | None,
    yours: tuple[str | None, str] | str,
) -> DocumentTemplate:
    """The template locked, its text (``part`` of it, None: all) as the page loaded it
    (``version``), else ``EditConflict``."""

    def conflict(locked: DocumentTemplate) -> concurrency.EditConflict:
        current = locked.current_version
        return _text_conflict(
            _template_text(locked),
            part,
            yours,
            f"le modèle « {locked.name} »",
            saved_by=history.person_name(current.created_by) if current else "",
            saved_at=current.created_at if current else None,
        )

    return concurrency.locked(
        DocumentTemplate.objects.filter(pk=template.pk),
        version,
        state=lambda locked: text_editing.edit_state(_template_text(locked), part),
        conflict=conflict,
    )


@transaction.atomic
def template_copy(*, template: DocumentTemplate, organisation, by) -> DocumentTemplate:
    """A shared template copied into an organisation, so that its gestionnaires can edit it."""
    source = template.current_version
    slug = template.slug
    taken = set(
        DocumentTemplate.objects.filter(organisation=organisation).values_list("slug", flat=True)
    )
    suffix = 1
    while slug in taken:
        suffix += 1
        slug = f"{template.slug}-{suffix}"
    copy = DocumentTemplate.objects.create(
        organisation=organisation,
        slug=slug,
        name=template.name,
        kind=template.kind,
        description=template.description,
        source=template.source or str(template),
    )
    if source is not None:
        TemplateVersion.objects.create(
            template=copy,
            number=1,
            created_by=by,
            note=f"Copie de « {template.name} », version {source.number}",
            **source.as_text(),
        )
    return copy


# --------------------------------------------------------------------------- convention text


def _require_editable_text(convention: Convention) -> None:
    if not convention.is_text_editable:
        raise ValidationError(
            f"Le texte de la convention {convention.reference} est figé depuis son envoi à la "
            "signature : rédigez un avenant pour le modifier."
        )


@transaction.atomic
def convention_draft_from_template(
    *,
    convention: Convention,
    version: TemplateVersion,
    by=None,
    text_version: str | None = None,
) -> Convention:
    """Copy a template version's text into the convention, which keeps the version it used.
    The text it replaces stays a version of the convention's text (restorable).
    ``text_version``: the token of the convention's text as the page loaded it (the whole
    text, ``text_editing.edit_state``); changed since, ``EditConflict`` and nothing written."""
    _locked_text(  # the caller's instance is the one written (its text fields only)
        convention,
        text_version,
        None,
        f"Remplacer le texte par « {version.template.name} », version {version.number}",
    )
    organisation = version.template.organisation_id
    if organisation is not None and organisation != convention.organisation_id:
        raise ValidationError("Ce modèle appartient à une autre organisation.")
    convention.template_version = version
    convention.text = version.as_text()
    history.attribute(
        convention,
        by=by,
        reason=f"Texte remplacé par le modèle « {version.template.name} », version "
        f"{version.number}.",
    )
    convention.save(update_fields=["template_version", "text", "updated_at"])
    return convention


@transaction.atomic
def convention_text_save(
    *, convention: Convention, text: dict, by=None, reason: str | None = None
) -> Convention:
    """Save the convention's own text (its articles may differ from the template's); each
    save that changes it is a version of the text (``conventions.text_versions``)."""
    _require_editable_text(convention)
    text = clean_text(text)
    problems = templating.validate_text(text)
    if problems:
        raise _problems_error(problems)
    convention.text = text
    if by is not None or reason is not None:
        history.attribute(convention, by=by, reason=reason)
    convention.save(update_fields=["text", "updated_at"])
    return convention


@transaction.atomic
def convention_text_edit(*, convention: Convention, edit: TextEdit, by) -> Convention:
    """The editor's change to a convention's text, applied to the text as it is under the row
    lock; refused (``EditConflict``, nothing written) when the part edited (or, for the
    overview, the text) has changed since the page was loaded."""
    convention = _locked_text(convention, edit.version, edit.part, edit.yours)
    current = documents.effective_text(convention)
    return convention_text_save(
        convention=convention, text=edit.change(current), by=by, reason=edit.reason
    )


def _locked_text(
    convention: Convention,
    version: str | None,
    part: str | None,
    yours: tuple[str | None, str] | str,
) -> Convention:
    """The convention locked, its text still editable (else ``ValidationError``) and as the
    page loaded it (``version``: of ``part``, None for the whole text), else ``EditConflict``."""

    def state(locked: Convention) -> dict[str, Any]:
        _require_editable_text(locked)
        return text_editing.edit_state(documents.effective_text(locked), part)

    def conflict(locked: Convention) -> concurrency.EditConflict:
        who, when = concurrency.last_change(locked)
        subject = f"le texte de la convention {locked.reference}"
        return _text_conflict(
            documents.effective_text(locked), part, yours, subject, saved_by=who, saved_at=when
        )

    return concurrency.locked(
        Convention.objects.filter(pk=convention.pk), version, state=state, conflict=conflict
    )


@transaction.atomic
def convention_text_restore(
    *, convention: Convention, number: int, by, version: str | None = None
) -> Convention:
    """Save an earlier version of the convention's text again: a new version, which says which
    one it restores. Refused once the text is frozen, or for a version that does not exist;
    ``version``: the token of the whole text as the page loaded it, changed since:
    ``EditConflict`` and nothing written."""
    convention = _locked_text(convention, version, None, f"Rétablir la version {number}")
    versions = convention_text_versions(convention)
    if not 1 <= number <= len(versions):
        raise ValidationError(f"La version {number} du texte n'existe pas.")
    if versions[number - 1].text == versions[-1].text:
        raise ValidationError(f"La version {number} est déjà le texte actuel.")
    return convention_text_save(
        convention=convention,
        text=versions[number - 1].text,
        by=by,
        reason=f"Version {number} du texte rétablie.",
    )


@transaction.atomic
def template_restore(
    *, template: DocumentTemplate, number: int, by, version: str | None = None
) -> TemplateVersion:
    """Save an earlier version of a template again, as its newest version; ``version``: the
    token of the template's text as the page loaded it (changed since: ``EditConflict``)."""
    template = _locked_template(template, version, None, f"Rétablir la version {number}")
    restored = template.versions.filter(number=number).first()
    if restored is None:
        raise ValidationError(f"La version {number} du modèle n'existe pas.")
    current = template.current_version
    if current is not None and current.pk == restored.pk:
        raise ValidationError(f"La version {number} est déjà la version actuelle du modèle.")
    return template_save(
        template=template,
        text=restored.as_text(),
        by=by,
        note=f"Version {number} rétablie",
    )


# --------------------------------------------------------------------------- stored documents


def _next_number(convention: Convention) -> int:
    return (convention.documents.aggregate(n=Max("number"))["n"] or 0) + 1


def _frozen_document(convention: Convention) -> DocumentVersion | None:
    """The text as sent to signature (the sealed final document is frozen too, but is not it)."""
    return (
        convention.documents.filter(kind=DocumentKind.GENERATED, is_frozen=True, is_sealed=False)
        .order_by("-number")
        .first()
    )


def _signed_html_name(document: DocumentVersion) -> str:
    """Where older frozen versions kept the HTML of their text without "PROJET" (a file next
    to their PDF); newer ones keep it in ``DocumentVersion.signed_html``."""
    return (document.file.name or "").rsplit(".", 1)[0] + ".signed.html"


def _keep_signed_html(document: DocumentVersion, html: str) -> None:
    """Keep, with a frozen version, its text and data rendered without "PROJET": the document
    the parties signed is that one, rendered once they all have (``convention_document``)."""
    if not document.signed_html:
        document.signed_html = html
        document.save(update_fields=["signed_html"])


def _signed_html(convention: Convention, frozen: DocumentVersion | None) -> str:
    """The HTML of a signed convention's document: its frozen text as sent to signature,
    without "PROJET" (rendered again from its data when an older version kept no HTML)."""
    if frozen is not None:
        if frozen.signed_html:
            return frozen.signed_html
        storage, name = frozen.file.storage, frozen.file.name and _signed_html_name(frozen)
        if name and storage.exists(name):
            with storage.open(name, "rb") as stored:
                return stored.read().decode()
    return documents.render_html(convention, projet=False).html


def signature_evidence(convention: Convention) -> list[sealing.SignatureEvidence]:
    """Who signed for each party, when and how, for the certificate of signature: the records
    of the electronic circuit when the convention went through one (``conventions.signing``:
    time, IP, user agent, document hash; its paper signatures too), else the signatures
    recorded on paper."""
    from conventions import signing

    if convention.signature_requests.exists():
        return [
            sealing.SignatureEvidence(**dataclasses.asdict(line))
            for line in signing.signature_evidence(convention)
        ]
    return sealing.paper_evidence(convention)


class SentDocumentPending(Exception):  # noqa: N818 (a state, not an error)
    """The final document of a signed convention cannot be decided yet: its certificate
    quotes the SHA-256 of the document sent to signature, whose PDF the worker has not
    rendered. A request never renders it: the render is queued, and once it is stored the
    worker decides the final document (``document_version_render``)."""

    def __init__(self, frozen: DocumentVersion):
        super().__init__(f"document {frozen.pk} not rendered yet")
        self.frozen = frozen


def _final_html(
    convention: Convention, frozen: DocumentVersion | None, html: str, *, render_sent: bool
) -> str:
    """The final document: the signed text ``html`` and its certificate of signature, with the
    SHA-256 of the document sent to signature (``frozen``'s PDF). When that PDF is not rendered
    yet, the worker (``render_sent``) renders it first; a request gets ``SentDocumentPending``."""
    if frozen is not None and not frozen.is_rendered:
        if not render_sent:
            raise SentDocumentPending(frozen)  # the caller queues its render, once
        frozen = document_rendered(frozen)
    digest = frozen.sha256 if frozen is not None else ""
    certificate = sealing.certificate_html(convention, signature_evidence(convention), digest)
    return sealing.with_certificate(html, certificate)


def stored_document(*, convention: Convention) -> DocumentVersion | None:
    """The stored PDF that ``convention_document`` would return, without rendering a PDF."""
    if not convention.is_text_editable:
        frozen = _frozen_document(convention)
        signed = convention.status in SIGNED_STATUSES
        if signed and (frozen is not None or convention.text_frozen_at is not None):
            if frozen is not None and not frozen.is_rendered:
                return None  # its final document needs the sent one's hash: not decided yet
            html = _final_html(
                convention, frozen, _signed_html(convention, frozen), render_sent=False
            )
            return _generated(convention, documents.html_hash(html))
        if frozen is not None:
            return frozen
    rendered = documents.render_html(convention)
    return _generated(convention, rendered.input_hash)


def _generated(convention: Convention, input_hash: str) -> DocumentVersion | None:
    return (
        convention.documents.filter(kind=DocumentKind.GENERATED, input_hash=input_hash)
        .order_by("-number")
        .first()
    )


@transaction.atomic
def convention_document(
    *, convention: Convention, by=None, render_sent: bool = False
) -> DocumentVersion:
    """The convention's PDF as a stored version: rendered only when its text changed.

    Until every party has signed, it is marked "PROJET" on every page. Once the convention has
    gone to signature the frozen version is returned, whatever has changed since in the data it
    was drafted from; once signed, that same frozen text without "PROJET" (rendered once, then
    stored and frozen in its turn), with its certificate of signature. The final document needs
    the PDF of the document sent: a request gets ``SentDocumentPending`` while the worker has
    not rendered it; the worker and the command line pass ``render_sent`` to render it first.
    Who may call this from a request is ``perms.can_produce_document``'s business
    (``conventions.document_access``).
    """
    signed = convention.status in SIGNED_STATUSES
    if not convention.is_text_editable:
        frozen = _frozen_document(convention)
        if signed and (frozen is not None or convention.text_frozen_at is not None):
            return _signed_document(convention, frozen, by, render_sent=render_sent)
        if frozen is not None:
            return frozen
    return _store_document(convention=convention, by=by)


def _store_document(*, convention: Convention, by) -> DocumentVersion:
    """Render the text now and store it (frozen when the convention has gone to signature),
    unless a stored version already has this very text."""
    rendered = documents.render_html(convention)
    if rendered.errors:
        raise _problems_error(rendered.errors)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    freeze = not convention.is_text_editable
    version = _store_render(convention, rendered.html, rendered.input_hash, freeze=freeze, by=by)
    if freeze and convention.status not in SIGNED_STATUSES:
        _keep_signed_html(version, documents.render_html(convention, projet=False).html)
    return version


def _signed_document(
    convention: Convention, frozen: DocumentVersion | None, by, *, render_sent: bool
) -> DocumentVersion:
    """The final document of a signed convention: its signed text and certificate of
    signature, sealed by the organisation when the worker renders it (decided once: the same
    text and signatures give back the same version)."""
    if frozen is None:  # signed without a stored text (an imported act): rendered from its data
        rendered = documents.render_html(convention, projet=False)
        if rendered.errors:
            raise _problems_error(rendered.errors)
        html = rendered.html
    else:
        html = _signed_html(convention, frozen)
    final = _final_html(convention, frozen, html, render_sent=render_sent)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    version = _store_render(
        convention, final, documents.html_hash(final), freeze=True, by=by, seal=True
    )
    _keep_signed_html(version, html)
    return version


def _store_render(
    convention: Convention, html: str, input_hash: str, *, freeze: bool, by, seal: bool = False
) -> DocumentVersion:
    """The stored version of this HTML, else its PDF rendered and stored as a new version."""
    existing = _generated(convention, input_hash)
    if (
        existing is not None
        and freeze
        and not seal
        and existing.is_frozen
        and existing.pk != getattr(_frozen_document(convention), "pk", None)
    ):
        # Sent again after a withdrawal, back to an older text: a new version becomes the one
        # sent, so that the latest frozen version is always the one awaiting signature.
        existing = None
    if existing is not None and (
        not existing.is_rendered or existing.file.storage.exists(existing.file.name or "")
    ):
        if freeze and not existing.is_frozen:
            existing.is_frozen = True
            existing.save(update_fields=["is_frozen"])
        return existing
    version = DocumentVersion.objects.create(
        convention=convention,
        number=_next_number(convention),
        kind=DocumentKind.GENERATED,
        html=html,
        input_hash=input_hash,
        template_version=convention.template_version,
        is_frozen=freeze,
        is_sealed=seal,
        created_by=by,
    )
    # Decided here, rendered by the worker once the transaction has committed (the queue is in
    # the same database: the task exists only if this version does); no row lock held meanwhile.
    from conventions.tasks import render_document_version

    render_document_version.enqueue(
        version_id=version.pk, organisation_id=convention.organisation_id
    )
    return version


def document_version_render(*, version_id: int) -> DocumentVersion:
    """Render a decided version's PDF from its stored HTML and store it; nothing to do when it
    is already rendered. Run after the commit that decided the version (a task queue can call
    it later as it is)."""
    version = DocumentVersion.objects.get(pk=version_id)
    if version.is_rendered or version.kind != DocumentKind.GENERATED:
        return version
    pdf, pages = documents.render_pdf(version.html)
    if version.is_sealed:  # applied to these rendered bytes only: a version is sealed once
        pdf = sealing.seal_pdf(pdf, **seal_details(version.convention))
    version.file.save("document.pdf", ContentFile(pdf), save=False)
    stored = DocumentVersion.objects.filter(pk=version.pk, file="").update(
        file=version.file.name, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pages=pages
    )
    if not stored:  # rendered meanwhile by another task: keep theirs
        version.file.storage.delete(version.file.name or "")
    else:  # the ZIPs waiting for it move on their page
        from iscg.downloads import part_ready

        part_ready(f"document:{version.pk}")
        _final_after_sent(version)
    return DocumentVersion.objects.get(pk=version_id)


def _final_after_sent(version: DocumentVersion) -> None:
    """The document sent to signature of a convention signed meanwhile is rendered: its final
    document can be decided now (its render and seal queued), here in the worker, since no
    request renders the document sent (``SentDocumentPending``)."""
    if not version.is_frozen or version.is_sealed:
        return
    convention = Convention.objects.get(pk=version.convention_id)
    if convention.status not in SIGNED_STATUSES:
        return
    if getattr(_frozen_document(convention), "pk", None) != version.pk:
        return  # an older text, sent before a withdrawn request
    with contextlib.suppress(ValidationError), transaction.atomic():
        convention_document(convention=convention, render_sent=True)


def final_documents_decide() -> tuple[int, list[str]]:
    """Decide the final document of every signed convention that has none sealed yet (signed
    before the seal existed: the demo's, signed on paper); their renders and seals are queued.
    Returns how many were decided and the French errors of those that cannot be produced."""
    decided, errors = 0, []
    signed = Convention.objects.filter(status__in=SIGNED_STATUSES).exclude(
        documents__is_sealed=True
    )
    for convention in signed.order_by("pk"):
        try:
            convention_document(convention=convention, render_sent=True)
        except ValidationError as error:
            errors.append(f"{convention.reference} : {' '.join(error.messages)}")
        else:
            decided += 1
    return decided, errors


def seal_details(convention: Convention) -> dict[str, str]:
    """The reason and location written in a convention's seal."""
    return {
        "reason": f"Convention {convention.reference} signée par toutes les parties",
        "location": convention.signature_place or convention.organisation.name,
    }


def document_rendered(document: DocumentVersion) -> DocumentVersion:
    """The version with its PDF stored: rendered now when its render after commit has not run
    (yet, or it failed). For the worker and the command line only: a web request never
    renders, it asks for the render (``document_render_queued``) and waits."""
    if document.is_rendered:
        return document
    return document_version_render(version_id=document.pk)


RENDER_TASK_PATH = "conventions.tasks.render_document_version"


def document_render_queued(document: DocumentVersion) -> bool:
    """Make sure a version waiting for its PDF has its render queued: queued again when its
    task failed for good or vanished, never a second time while one waits or runs (and the
    render itself stores one PDF only). Returns whether a task was queued."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from conventions.tasks import render_document_version

    if document.is_rendered or document.kind != DocumentKind.GENERATED:
        return False
    with transaction.atomic():
        # One reader at a time decides (the row lock; SQLite writes one at a time anyway).
        version = (
            DocumentVersion.objects.select_for_update()
            .select_related("convention")
            .get(pk=document.pk)
        )
        if version.is_rendered:
            return False
        waiting = DBTaskResult.objects.filter(
            task_path=RENDER_TASK_PATH,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            args_kwargs__kwargs__version_id=version.pk,
        )
        if waiting.exists():
            return False
        render_document_version.enqueue(
            version_id=version.pk, organisation_id=version.convention.organisation_id
        )
    return True


DECIDE_TASK_PATH = "conventions.tasks.decide_convention_document"


def document_decision_queued(convention: Convention) -> bool:
    """Ask the worker to decide the document a reader asked for and no stored version is
    (the text sent to signature of an act loaded as it was, the final document of a signed
    one): ``convention_document`` with nobody credited, its render queued after. Never a
    second task while one waits or runs. Returns whether a task was queued."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from conventions.tasks import decide_convention_document

    with transaction.atomic():
        # One reader at a time decides (the row lock; SQLite writes one at a time anyway).
        Convention.objects.select_for_update().filter(pk=convention.pk).first()
        waiting = DBTaskResult.objects.filter(
            task_path=DECIDE_TASK_PATH,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            args_kwargs__kwargs__convention_id=convention.pk,
        )
        if waiting.exists():
            return False
        decide_convention_document.enqueue(
            convention_id=convention.pk, organisation_id=convention.organisation_id
        )
    return True


def document_download_log(*, document: DocumentVersion, user) -> DocumentDownload:
    return DocumentDownload.objects.create(
        document=document, user=user if user.is_authenticated else None, user_label=str(user)
    )


class BlanksInText(ValidationError):
    """Sending refused: the text prints blanks. ``blanks`` lists them with where to fill them."""

    def __init__(self, blanks: list):
        self.blanks = blanks

        super().__init__(refused_for_blanks_message(len(blanks)))


@transaction.atomic
def convention_send_to_signature(
    *,
    convention: Convention,
    by,
    send_with_blanks: bool = False,
    reason: str = "",
    order: str = "sequentiel",
    ranks: dict[int, int] | None = None,
    expires_on: date | None = None,
) -> DocumentVersion:
    """Freeze the text and the financing plan, store the document to sign, and open one
    signature request per signatory (``signing_services.circuit_open``): in the order of the
    parties (``order`` "sequentiel", ``ranks`` party pk → rank, default the parties' order) or
    all at once ("simultane"), expiring after ``expires_on`` (default in 30 days; must be in
    the future). The first signatories are e-mailed.

    Refused (``BlanksInText``, nothing changed) while the text has a missing value, except the
    signature date that signatories write by hand; a gestionnaire may send anyway only with
    ``send_with_blanks`` and a ``reason``, recorded in the convention's history with the list of
    the values left blank.
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status != ConventionStatus.DRAFT:
        raise ValidationError(
            f"Seul un brouillon part à la signature (la convention est « "
            f"{convention.get_status_display()} »)."
        )
    if not convention.memberships.filter(is_signatory=True).exists():
        raise ValidationError("Aucune partie signataire : ajoutez les parties avant l'envoi.")
    problems = templating.validate_text(documents.effective_text(convention))
    if problems:
        raise _problems_error(problems)
    blanks = [blank for blank in convention_blanks(convention) if blank.blocking]
    reason = (reason or "").strip()
    change_reason = "Envoi à la signature."
    if blanks:
        if not send_with_blanks:
            raise BlanksInText(blanks)
        if not reason:
            raise ValidationError(
                "Indiquez pourquoi la convention part à la signature malgré les valeurs "
                "absentes : le motif est gardé dans l'historique."
            )
        change_reason = (
            f"Envoi à la signature malgré {absent_values(len(blanks))}. Motif : {reason}\n"
            + blanks_summary(blanks)
        )
    if not convention.text:
        convention.text = documents.effective_text(convention)
    convention.status = ConventionStatus.TO_SIGN
    convention.text_frozen_at = timezone.now()
    history.attribute(convention, by=by, reason=change_reason)
    convention.save(update_fields=["status", "text", "text_frozen_at", "updated_at"])
    convention.memberships.filter(is_signatory=True).update(
        signed_on=None, signatory_name="", signature_recorded_by=None, signature_recorded_at=None
    )
    from conventions import signing, signing_services

    today = timezone.localdate()
    expires_on = expires_on or today + timedelta(days=signing.DEFAULT_VALIDITY_DAYS)
    if problem := signing.expiry_problem(expires_on, today):
        raise ValidationError(problem)
    signatories = list(
        convention.memberships.filter(is_signatory=True)
        .order_by("order", "pk")
        .values_list("party_id", flat=True)
    )
    if order == signing.ALL_AT_ONCE:
        ranks = signing.positions_for(signatories, order=order)
    elif ranks is None:
        ranks = signing.positions_for(signatories, order=signing.SEQUENTIAL)
    document = _store_document(convention=convention, by=by)
    signing_services.circuit_open(
        convention=convention, document=document, by=by, ranks=ranks, expires_on=expires_on
    )
    return document


@transaction.atomic
def convention_signature_withdraw(*, convention: Convention, by, reason: str) -> Convention:
    """Withdraw the signature request: the one way to change the text or the plan of a
    convention "à signer" (once signed, an avenant).

    The convention goes back to "Brouillon" with its text and plan editable again; signatures
    already recorded are cleared (their history keeps them); the document that was sent stays in
    the list of versions. Recorded in the history with its reason.
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status != ConventionStatus.TO_SIGN:
        raise ValidationError(
            f"La convention {convention.reference} n'est pas à la signature (statut « "
            f"{convention.get_status_display()} ») : il n'y a pas de demande à retirer."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            "Indiquez pourquoi la demande de signature est retirée : le motif est gardé dans "
            "l'historique."
        )
    for membership in convention.memberships.filter(is_signatory=True, signed_on__isnull=False):
        membership.signed_on = None
        membership.signatory_name = ""
        membership.signature_recorded_by = None
        membership.signature_recorded_at = None
        history.attribute(
            membership, by=by, reason=f"Demande de signature retirée. Motif : {reason}"
        )
        membership.save()
    from conventions import signing_services

    signing_services.circuit_withdraw(convention=convention, by=by, reason=f"Motif : {reason}")
    convention.status = ConventionStatus.DRAFT
    convention.text_frozen_at = None
    history.attribute(convention, by=by, reason=f"Demande de signature retirée. Motif : {reason}")
    convention.save(update_fields=["status", "text_frozen_at", "updated_at"])
    return convention


# --------------------------------------------------------------------------- signatures


def sent_on(convention: Convention) -> date | None:
    """The day the convention went to signature (its text frozen), in local time."""
    if convention.text_frozen_at is None:
        return None
    return timezone.localdate(convention.text_frozen_at)


def signature_date_problem(convention: Convention, signed_on: date | None) -> str:
    """Why ``signed_on`` cannot be a signature date of this convention (French), or "".

    A party signs the text sent to signature: not before the day it was sent, nor in the future.
    """
    if signed_on is None:
        return "Indiquez la date de signature."
    if signed_on > timezone.localdate():
        return "La date de signature ne peut pas être dans le futur."
    sent = sent_on(convention)
    if sent is not None and signed_on < sent:
        return (
            f"La date de signature ({format_date_long(signed_on)}) précède l'envoi à la "
            f"signature ({format_date_long(sent)}) : une partie signe le texte envoyé, "
            "vérifiez la date."
        )
    return ""


def is_last_signature(convention: Convention, party) -> bool:
    """Whether ``party``'s signature is the last one awaited (it makes the act signed)."""
    pending = convention.memberships.filter(is_signatory=True, signed_on__isnull=True)
    return (
        convention.status == ConventionStatus.TO_SIGN
        and pending.filter(party=party).exists()
        and not pending.exclude(party=party).exists()
    )


@transaction.atomic
def convention_sign(
    *, convention: Convention, party, signed_on: date, signatory_name: str, by
) -> ConventionParty:
    """Record one party's signature; the last one makes the convention "signée"."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status != ConventionStatus.TO_SIGN:
        raise ValidationError(
            f"La convention {convention.reference} n'est pas à la signature (statut « "
            f"{convention.get_status_display()} »)."
        )
    membership = convention.memberships.filter(party=party, is_signatory=True).first()
    if membership is None:
        raise ValidationError(f"{party} n'est pas signataire de cette convention.")
    if membership.signed_on is not None:
        raise ValidationError(f"{party} a déjà signé le {signed_on_text(membership.signed_on)}.")
    signatory_name = (signatory_name or "").strip()
    if not signatory_name:
        raise ValidationError("Indiquez le nom du signataire.")
    if problem := signature_date_problem(convention, signed_on):
        raise ValidationError(problem)
    from conventions import signing_services

    signing_services.paper_signature_recorded(
        convention=convention, party=party, signatory_name=signatory_name, by=by
    )
    return record_party_signature(
        convention=convention,
        membership=membership,
        signed_on=signed_on,
        signatory_name=signatory_name,
        by=by,
    )


def record_party_signature(
    *, convention: Convention, membership: ConventionParty, signed_on: date, signatory_name: str, by
) -> ConventionParty:
    """Write one party's signature, paper or electronic, on its membership (the convention
    locked by the caller, its checks done); the last one makes the convention "signée", in
    force at once when started, and every party is told (``notices.convention_signed``)."""
    membership.signed_on = signed_on
    membership.signatory_name = signatory_name
    membership.signature_recorded_by = by
    membership.signature_recorded_at = timezone.now()
    membership.save()
    pending = convention.memberships.filter(is_signatory=True, signed_on__isnull=True)
    if not pending.exists():
        convention.status = ConventionStatus.SIGNED
        convention.signature_date = max(
            day
            for day in convention.memberships.filter(is_signatory=True).values_list(
                "signed_on", flat=True
            )
            if day is not None  # none left pending: every signatory has its date
        )
        convention.save(update_fields=["status", "signature_date", "updated_at"])
        # Already started: in force at once (expiry is left to the daily command).
        convention_statuses_update(
            today=timezone.localdate(), conventions=[convention], expire=False
        )
        notices.convention_signed(convention)  # queued with this transaction
        # The final document decided now (text, certificate of signature), rendered and sealed
        # by the worker once this commits. While the document sent is not rendered, nothing is
        # rendered here: the worker decides the final document once it has rendered that one
        # (``_final_after_sent``); a text that cannot be produced is decided when read.
        with (
            contextlib.suppress(ValidationError, SentDocumentPending),
            transaction.atomic(),
        ):
            convention_document(convention=convention, by=by)
    return membership


@transaction.atomic
def convention_unsign(*, convention: Convention, party, by) -> ConventionParty:
    """Withdraw a signature recorded by mistake while others are still awaited (once every
    party has signed, the act stands). The history keeps what was recorded, by whom."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status != ConventionStatus.TO_SIGN:
        raise ValidationError(
            f"La convention {convention.reference} n'est plus à la signature (statut « "
            f"{convention.get_status_display()} ») : ses signatures ne peuvent plus être "
            "retirées."
        )
    membership = convention.memberships.filter(party=party, is_signatory=True).first()
    if membership is None or membership.signed_on is None:
        raise ValidationError(f"Aucune signature de {party} n'est enregistrée.")
    from conventions import signing_services

    if problem := signing_services.signature_withdraw_problem(convention, party):
        raise ValidationError(problem)
    signing_services.paper_signature_withdrawn(convention=convention, party=party, by=by)
    membership.signed_on = None
    membership.signatory_name = ""
    membership.signature_recorded_by = None
    membership.signature_recorded_at = None
    history.attribute(membership, by=by)
    membership.save()
    return membership


def signed_on_text(value: date) -> str:
    return format_date_long(value)


@dataclass
class StatusChange:
    convention: Convention
    old: str
    new: str


def convention_statuses_update(
    *, today: date | None = None, conventions=None, expire: bool = True
) -> list[StatusChange]:
    """Persist the status each signed convention reads today (``rules.status_on``).

    Nothing depends on this having run: every page, list, filter, export and calendar derives
    the status when it reads it (``Convention.current_status``). This only keeps the stored
    column in step (admin, raw exports): "signée" → "en vigueur" from the start, → "expirée" the
    day after the end, → "résiliée" from the date of effect of a dénonciation or résiliation,
    → "renouvelée" once a renewal is signed ("à renouveler" is stored as "en vigueur").
    """
    today = today or timezone.localdate()
    queryset = (
        Convention.objects.filter(pk__in=[c.pk for c in conventions])
        if conventions is not None
        else Convention.objects.all()
    )
    changes = []
    for convention in queryset.filter(status__in=SIGNED_STATUSES).with_signed_renewal():
        new = convention.status_on(today)
        if new == rules.TO_RENEW:
            new = ConventionStatus.IN_FORCE
        if new == ConventionStatus.EXPIRED and not expire:
            new = convention.status
        if new != convention.status:
            changes.append(StatusChange(convention, convention.status, new))
            convention.status = new
            convention.save(update_fields=["status", "updated_at"])
    return changes


# --------------------------------------------------------------------------- ending a convention


@dataclass
class Ending:
    """A recorded dénonciation or résiliation, and the titres it leaves to cancel."""

    convention: Convention
    payments_to_cancel: list


def _require_endable(convention: Convention, today: date) -> None:
    if convention.status not in SIGNED_STATUSES:
        raise ValidationError(
            f"La convention {convention.reference} n'est pas signée (statut « "
            f"{convention.get_status_display()} ») : seule une convention signée se dénonce ou "
            "se résilie. Un brouillon s'abandonne."
        )
    if convention.termination_kind:
        raise ValidationError(
            f"La convention {convention.reference} fait déjà l'objet d'une "
            f"{convention.get_termination_kind_display().lower()} (date d'effet : "
            f"{format_date_long(convention.termination_effective_date)})."
        )
    status = convention.status_on(today)
    if status in (rules.EXPIRED, rules.RENEWED, rules.TERMINATED):
        raise ValidationError(
            f"La convention {convention.reference} est {rules.STATUS_LABELS[status].lower()} : "
            "elle ne peut plus être dénoncée ni résiliée."
        )


def _record_ending(
    convention: Convention, *, kind: str, notice_date: date, effective: date, reason: str, by
) -> Ending:
    """Write the ending on the convention and its signed avenants (history kept), then stop
    the money from the date of effect (``financing.services.plan_truncate``)."""
    acts = [convention, *convention.amendments.filter(status__in=SIGNED_STATUSES)]
    payments = []
    for act in acts:
        act.termination_kind = kind
        act.termination_notice_date = notice_date
        act.termination_effective_date = effective
        act.termination_reason = reason
        history.attribute(act, by=by)
        act.save(
            update_fields=[
                "termination_kind",
                "termination_notice_date",
                "termination_effective_date",
                "termination_reason",
                "updated_at",
            ]
        )
    for plan in FinancingPlan.objects.filter(convention__in=acts).order_by("pk"):
        payments.extend(plan_truncate(plan=plan, on=effective, by=by))
    return Ending(convention, payments)


@transaction.atomic
def convention_denounce(
    *, convention: Convention, notice_date: date, by, reason: str = ""
) -> Ending:
    """Record the dénonciation of a convention, notified on ``notice_date``.

    Refused (French message, nothing changed) after the deadline the convention sets (its end
    minus its notice period, ``notice_deadline``); its date of effect is the convention's end.
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    today = timezone.localdate()
    _require_endable(convention, today)
    if notice_date is None:
        raise ValidationError("Indiquez la date d'envoi de la lettre de dénonciation.")
    if notice_date > today:
        raise ValidationError("La date d'envoi de la dénonciation ne peut pas être dans le futur.")
    if convention.signature_date and notice_date < convention.signature_date:
        raise ValidationError(
            f"La date d'envoi précède la signature de la convention "
            f"({format_date_long(convention.signature_date)})."
        )
    try:
        effective = rules.denunciation_effect(
            end=convention.computed_end_date,
            notice_months=convention.notice_months,
            notice_date=notice_date,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    return _record_ending(
        convention,
        kind=TerminationKind.DENONCIATION,
        notice_date=notice_date,
        effective=effective,
        reason=(reason or "").strip(),
        by=by,
    )


@transaction.atomic
def convention_terminate(
    *, convention: Convention, effective_date: date, reason: str, by
) -> Ending:
    """Record the résiliation of a convention from ``effective_date``, for ``reason``.

    From that date it reads "résiliée" and its plan (and its signed avenants') stops: the
    months from the date of effect are no longer due (``plan_truncate``)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    today = timezone.localdate()
    _require_endable(convention, today)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de la résiliation : il figure dans la lettre.")
    if effective_date is None:
        raise ValidationError("Indiquez la date d'effet de la résiliation.")
    start, end = convention.effective_start_date, convention.computed_end_date
    if start and effective_date < start:
        raise ValidationError(
            f"La date d'effet ({format_date_long(effective_date)}) précède le début de la "
            f"convention ({format_date_long(start)})."
        )
    if end and effective_date > end:
        raise ValidationError(
            f"La date d'effet ({format_date_long(effective_date)}) suit la fin de la convention "
            f"({format_date_long(end)}) : elle prendra fin d'elle-même."
        )
    return _record_ending(
        convention,
        kind=TerminationKind.RESILIATION,
        notice_date=today,
        effective=effective_date,
        reason=reason,
        by=by,
    )


# --------------------------------------------------------------------------- signed copies


PDF_MAGIC = b"%PDF-"


def check_pdf(content: bytes) -> int:
    """The number of pages of a PDF; ``ValidationError`` (French) when it is not a readable PDF."""
    if not content.startswith(PDF_MAGIC):
        raise ValidationError(
            "Le fichier n'est pas un PDF (son contenu ne commence pas par « %PDF- ») : "
            "déposez le scan de la convention signée au format PDF."
        )
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content))
            if reader.is_encrypted:
                raise ValidationError("Le PDF est protégé par un mot de passe : déposez-le sans.")
            pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ValidationError(
            "Le fichier commence comme un PDF mais ne peut pas être lu : il est peut-être "
            "endommagé. Numérisez à nouveau la convention signée."
        ) from exc
    if pages < 1:
        raise ValidationError("Le PDF ne contient aucune page.")
    return pages


def read_upload(upload, *, limit: int) -> bytes:
    """An uploaded file's bytes, read no further than ``limit``; ``ValidationError`` (French)
    when it is larger or empty."""
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"Le fichier dépasse la taille permise ({_size_text(upload.size)} pour "
            f"{_size_text(limit)} au plus)."
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            f"Le fichier dépasse la taille permise ({_size_text(limit)} au plus)."
        )
    if not content:
        raise ValidationError("Le fichier est vide.")
    return content


@transaction.atomic
def signed_copy_upload(*, convention: Convention, upload, by) -> DocumentVersion:
    """Store the scanned signed copy under a random name; it becomes the reference document.

    Checked by content (``%PDF-`` and a parse with pypdf) and by size; a refused file changes
    nothing. The very file the application generated (same SHA-256 as one of its versions) is
    refused; a PDF signed electronically (e.g. by an i-Parapheur) is verified like on the
    verification page and refused when a signature is broken or the file was modified after
    signing (``signed_copy_check``); a PDF neither signed electronically nor scanned is kept
    with a warning (``DocumentVersion.warning``, shown on the convention page).
    """
    limit = settings.SIGNED_COPY_MAX_BYTES
    if convention.status == ConventionStatus.DRAFT:
        raise ValidationError(
            "La convention est encore un brouillon : envoyez-la à la signature avant de déposer "
            "la copie signée."
        )
    content = read_upload(upload, limit=limit)
    pages = check_pdf(content)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    digest = hashlib.sha256(content).hexdigest()
    generated = convention.documents.filter(kind=DocumentKind.GENERATED, sha256=digest).first()
    if generated is not None:
        raise ValidationError(
            f"Ce fichier est le document généré par l'application (version {generated.number}, "
            "fichier identique), pas la copie signée : déposez le scan de l'exemplaire "
            "signé par les parties, ou le PDF qui porte leurs signatures électroniques."
        )
    traits = pdf_checks.inspect_pdf(content)
    verification = signed_copy_check(content)
    # Signed is what verifies as signed (an empty signature field is no signature).
    warning = pdf_checks.signed_copy_warning(
        dataclasses.replace(traits, has_signature=verification.is_signed)
    )
    version = DocumentVersion(
        convention=convention,
        number=_next_number(convention),
        kind=DocumentKind.SIGNED_COPY,
        sha256=digest,
        size=len(content),
        pages=pages,
        template_version=convention.template_version,
        original_name=(getattr(upload, "name", "") or "")[:255],
        warning=warning,
        created_by=by,
    )
    version.file.save("copie.pdf", ContentFile(content), save=False)
    version.save()
    return version


def signed_copy_check(content: bytes) -> sealing.PdfVerification:
    """The verification of an uploaded signed copy; ``ValidationError`` (French) when it carries
    a signature that is broken, unreadable, or does not cover the file (modified after signing).
    A file with no signature passes: it is a paper scan (``signed_copy_warning`` judges it)."""
    verification = sealing.verify_pdf(content)
    if verification.is_signed:
        problem = verification.problem
    else:  # signed bytes (a /ByteRange) that no signature reads: a broken one
        problem = (
            "Sa signature électronique ne peut pas être lue." if b"/ByteRange" in content else ""
        )
    if problem:
        raise ValidationError(
            f"Copie signée refusée. {problem} Déposez le fichier tel que l'outil de "
            "signature l'a produit, sans le modifier ni l'enregistrer à nouveau."
        )
    return verification


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} Ko"
