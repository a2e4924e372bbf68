"""Writes around word processor files: a version's ODT/DOCX (written by the worker), a text sent
back as ODT/DOCX (checked, read, kept as plain text) and its changes taken into the draft.

Like ``conventions.services``: each function checks its own preconditions and raises
``ValidationError`` in French; who may act is the views' business. The conversion itself is in
``conventions.office`` (pure); the comparison in ``conventions.textdiff``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from conventions import documents, office, services, text_editing, textdiff
from conventions.models import (
    Convention,
    DocumentKind,
    DocumentVersion,
    OfficeDocument,
    OfficeFormat,
    ReturnedText,
)
from iscg.formatting import format_date_long

#: A request waiting for a file asks the worker again past this (its task was lost or failed).
OFFICE_RETRY_AFTER = timedelta(minutes=2)
#: The returned texts kept per convention (the oldest go): each is a few dozen kilobytes.
RETURNED_KEPT = 10

CONTENT_TYPES = {
    OfficeFormat.ODT: "application/vnd.oasis.opendocument.text",
    OfficeFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --------------------------------------------------------------------------- ODT / DOCX files


@transaction.atomic
def office_document(*, version: DocumentVersion, file_format: str) -> OfficeDocument:
    """A version's document as ODT or DOCX (the view passes the version its PDF would be for
    the user, ``document_access.current_for``: the draft as it reads now, the frozen or signed
    text once sent), written by the worker after commit; asked again when the worker has not
    written it after ``OFFICE_RETRY_AFTER``."""
    if file_format not in OfficeFormat.values:
        raise ValidationError("Format inconnu : seuls ODT et DOCX sont proposés.")
    convention = version.convention
    if version.kind != DocumentKind.GENERATED or not version.html:
        raise ValidationError(
            "Ce document n'a pas de texte enregistré : il ne peut pas être converti."
        )
    item, created = OfficeDocument.objects.get_or_create(version=version, format=file_format)
    if item.file:
        if item.file.storage.exists(item.file.name or ""):
            return item
        # The stored file is gone (media restored without it): written again.
        OfficeDocument.objects.filter(pk=item.pk).update(file="", size=0)
        item.file, created = "", True
    now = timezone.now()
    if created or item.requested_at < now - OFFICE_RETRY_AFTER:
        if not created:
            OfficeDocument.objects.filter(pk=item.pk).update(requested_at=now)
        from conventions.tasks import render_office_document

        # The queue is in the same database: the task exists only once this row has committed
        # (as for the PDF renders, ``services._store_render``).
        render_office_document.enqueue(
            office_id=item.pk, organisation_id=convention.organisation_id
        )
    return item


def office_document_render(*, office_id: int) -> OfficeDocument:
    """Write a version's ODT or DOCX from its stored HTML (the PDF's), once."""
    item = OfficeDocument.objects.select_related("version__convention").get(pk=office_id)
    if item.file:
        return item
    structure = office.structure(item.version.html)
    content = (
        office.to_odt(structure) if item.format == OfficeFormat.ODT else office.to_docx(structure)
    )
    item.file.save(f"document.{item.format}", ContentFile(content), save=False)
    stored = OfficeDocument.objects.filter(pk=item.pk, file="").update(
        file=item.file.name, size=len(content)
    )
    if not stored:  # written meanwhile by another worker: keep theirs
        item.file.storage.delete(item.file.name or "")
    return OfficeDocument.objects.get(pk=office_id)


# --------------------------------------------------------------------------- returned texts


def _require_editable(convention: Convention) -> None:
    if not convention.is_text_editable:
        raise ValidationError(
            f"Le texte de la convention {convention.reference} est figé depuis son envoi à la "
            "signature : un texte renvoyé ne peut plus y être repris."
        )


@transaction.atomic
def returned_text_upload(*, convention: Convention, upload, by) -> ReturnedText:
    """Keep a text sent back as ODT or DOCX, read part by part: refused (nothing kept) when
    the draft is frozen, the file too big, not an ODT/DOCX text, damaged, a zip bomb, or
    carrying macros or embedded objects (``office.read_upload``)."""
    _require_editable(convention)
    limit = office.MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"Le fichier dépasse la taille permise ({limit // (1024 * 1024)} Mo au plus)."
        )
    content = upload.read(limit + 1)
    try:
        returned = office.read_upload(content)
    except office.OfficeFileError as error:
        raise ValidationError(str(error)) from error
    item = ReturnedText.objects.create(
        convention=convention,
        format=returned.format,
        original_name=(getattr(upload, "name", "") or "")[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        text=returned.text,
        uploaded_by=by,
    )
    old = convention.returned_texts.order_by("-uploaded_at", "-pk").values_list("pk", flat=True)
    ReturnedText.objects.filter(pk__in=list(old[RETURNED_KEPT:])).delete()
    return item


def draft_plain_text(convention: Convention) -> dict:
    """The draft as its ODT/DOCX reads (plain text, part by part): one side of a comparison."""
    rendered = documents.render_html(convention)
    return office.plain_text(office.structure(rendered.html).blocks)


@dataclass(frozen=True)
class ReturnedPart:
    """One part of the comparison of the draft with a returned text."""

    index: int
    part: textdiff.PartComparison

    @property
    def fingerprint(self) -> str:
        """What the page showed: a change is taken only if it still reads the same."""
        digest = hashlib.sha256(f"{self.part.label}\x00{self.part.old}\x00{self.part.new}".encode())
        return digest.hexdigest()[:16]


def returned_comparison(convention: Convention, returned: ReturnedText) -> list[ReturnedPart]:
    """Every part of the draft beside the returned text's, in reading order."""
    parts = textdiff.compare_texts(draft_plain_text(convention), returned.text)
    return [ReturnedPart(index, part) for index, part in enumerate(parts)]


def _article(text: dict, key: str | None) -> dict | None:
    if not key or not key.startswith("article-"):
        return None
    number = int(key.split("-", 1)[1])
    articles = text.get("articles") or []
    return articles[number - 1] if 1 <= number <= len(articles) else None


_FIXED = {"intitule": "title", "parties": "parties_block", "preambule": "preamble"}
_FIXED["formule-finale"] = "closing"


def _taken_text(
    convention: Convention,
    returned: ReturnedText,
    part: textdiff.PartComparison,
    after: int = 0,
):
    """``after``: for an added article, how many of the draft's articles come before it."""
    """The draft's text with this part of the returned text taken in, and what could not be."""
    text = documents.effective_text(convention)
    context = documents.convention_context(convention)
    notes: list[str] = []
    if part.status == "removed":
        number = int(str(part.old_key).split("-", 1)[1])
        return text_editing.without_article(text, number), notes
    if part.status == "added":
        article = _article(returned.text, part.new_key) or {"title": "", "body": ""}
        body, notes = office.merge_part("", article["body"], context)
        result = text_editing.with_part(
            text,
            text_editing.NEW_ARTICLE,
            body=body,
            title=office.merge_title("", article["title"], context),
        )
        articles = result["articles"]
        articles.insert(min(after, len(articles) - 1), articles.pop())
        return result, notes
    key = str(part.old_key)
    if key in _FIXED:
        body, notes = office.merge_part(
            str(text.get(_FIXED[key], "") or ""),
            str(returned.text.get(_FIXED[key], "") or ""),
            context,
            where=part.label,
        )
        return text_editing.with_part(text, key, body=body), notes
    source = _article(text, key) or {"title": "", "body": ""}
    target = _article(returned.text, part.new_key) or {"title": "", "body": ""}
    body, notes = office.merge_part(
        str(source.get("body", "") or ""), target["body"], context, where=part.label
    )
    title = office.merge_title(str(source.get("title", "") or ""), target["title"], context)
    return text_editing.with_part(text, key, body=body, title=title), notes


@transaction.atomic
def returned_take(
    *, convention: Convention, returned: ReturnedText, index: int, fingerprint: str, by
) -> tuple[textdiff.PartComparison, list[str]]:
    """Take one changed part of a returned text into the draft, through the text's save (its
    placeholders validated; a version of the text, with who, when and from which file).
    Refused when the draft is frozen, when the part no longer reads as the page showed it, or
    when it is unchanged."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    _require_editable(convention)
    parts = returned_comparison(convention, returned)
    if not 0 <= index < len(parts) or parts[index].fingerprint != fingerprint:
        raise ValidationError(
            "Le texte a changé depuis l'affichage de la comparaison : elle a été recalculée, "
            "vérifiez la modification avant de la reprendre."
        )
    part = parts[index].part
    if not part.changed:
        raise ValidationError(f"{part.label} : rien à reprendre, le texte est identique.")
    before = [
        p.part.old_key for p in parts[:index] if (p.part.old_key or "").startswith("article-")
    ]
    after = int(before[-1].split("-", 1)[1]) if before else 0
    text, notes = _taken_text(convention, returned, part, after)
    uploader = returned.uploaded_by
    who = (uploader.get_full_name().strip() or uploader.email) if uploader else ""
    reason = (
        f"{part.label} : modification reprise du texte renvoyé « "
        f"{returned.original_name or returned.get_format_display()} » (déposé le "
        f"{format_date_long(timezone.localdate(returned.uploaded_at))}"
        + (f" par {who}" if who else "")
        + ")."
    )
    services.convention_text_save(convention=convention, text=text, by=by, reason=reason)
    return part, notes
