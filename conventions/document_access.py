"""Which stored document a user gets from a convention's document URLs, and who decides one.

One rule for every URL that serves a convention's document (``/pdf/``, ``/documents/<n>/``,
the signed copy, the sealed final PDF and its certificate of signature, the ODT and DOCX, the
ZIPs): the convention is one the user sees (``Convention.objects.visible_to``: 404 outside
it), and the document one ``perms.can_read_document`` lets it read (404 otherwise, as for a
document that does not exist).

A request decides a new version (a draft's text as it reads now, the text sent, the final
document) only for the convention's gestionnaire (``perms.can_produce_document``); a reader
(partner, intervenant, coordinator, administrator) gets the stored version, and never writes
one: while the final document of an act sent or signed is missing, the worker decides it
(``services.document_decision_queued``) and the reader waits on the page « Le document est en
préparation »; the current text of a draft that nobody produced yet is « pas encore
disponible ». No request renders a PDF: a document sent to signature whose PDF is not
rendered yet makes the reader of the final document wait for the worker too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from conventions import perms, services
from conventions.models import Convention, DocumentVersion


@dataclass(frozen=True)
class Reading:
    """What the user gets for a convention's current document: the stored ``document`` (its
    PDF may still be rendering), or ``preparing`` (the worker decides it), or ``unavailable``
    (French: why there is nothing to read yet), or ``denied`` (answered 404)."""

    document: DocumentVersion | None = None
    preparing: bool = False
    unavailable: str = ""
    denied: bool = False


#: A draft's current text that no gestionnaire produced yet, as a reader is told.
NOT_YET = (
    "Le PDF de ce brouillon dans son état actuel n'est pas encore disponible : il est produit "
    "quand un gestionnaire de l'organisation l'ouvre."
)


def _decided_by_worker(convention: Convention) -> bool:
    """Whether the worker may decide a missing document for a reader: the text sent to
    signature and the final document are the act's own (they would be the same whoever asked);
    a draft's new version is a gestionnaire's, and an abandoned act gets none."""
    return convention.status in perms.READER_STATUSES


def current_for(user, convention: Convention) -> Reading:
    """The convention's current document for ``user`` (``/pdf/``, the ODT and DOCX): what
    ``services.convention_document`` returns for its gestionnaire, the stored version for
    everybody else (nothing written). Raises ``ValidationError`` (French) when the
    gestionnaire's text cannot be produced."""
    if not perms.can_read_documents_of(user, convention):
        return Reading(denied=True)
    if perms.can_produce_document(user, convention):
        try:
            document = services.convention_document(convention=convention, by=user)
        except services.SentDocumentPending as pending:
            services.document_render_queued(pending.frozen)
            return Reading(preparing=True)
    else:
        document = services.stored_document(convention=convention)
        if document is None:
            if not _decided_by_worker(convention):
                return Reading(unavailable=NOT_YET)
            services.document_decision_queued(convention)
            return Reading(preparing=True)
    if not perms.can_read_document(user, convention, document):
        return Reading(denied=True)
    return Reading(document=document)


def version_for(user, convention: Convention, number: int) -> DocumentVersion | None:
    """Version ``number`` of the convention, if the user may read it (None: answer 404)."""
    document = convention.documents.filter(number=number).first()
    if document is None or not perms.can_read_document(user, convention, document):
        return None
    return document


def signed_copy_for(user, convention: Convention) -> DocumentVersion | None:
    """The signed copy deposited, if the user may read it (None: answer 404)."""
    document = convention.signed_copy
    if document is None or not perms.can_read_document(user, convention, document):
        return None
    return document


def listed_for(user, convention: Convention, documents) -> list[DocumentVersion]:
    """The stored versions (``documents``, the convention's) the user may read: the list of
    the convention's page."""
    return [d for d in documents if perms.can_read_document(user, convention, d)]


def for_bundle(user, convention: Convention) -> DocumentVersion:
    """The document a ZIP holds for a convention, decided in the worker: the signed copy, else
    the current document as the user would get it (a reader's missing final document decided
    here with nobody credited; a draft's current text only if a gestionnaire produced it).
    Raises ``ValidationError`` (French) when there is none the user may read."""
    copy = convention.signed_copy
    if copy is not None and perms.can_read_document(user, convention, copy):
        return copy
    if not perms.can_read_documents_of(user, convention):
        raise ValidationError("son document n'est pas encore signé.")
    if perms.can_produce_document(user, convention):
        document = services.convention_document(convention=convention, by=user, render_sent=True)
    else:
        document = services.stored_document(convention=convention)
        if document is None:
            if not _decided_by_worker(convention):
                raise ValidationError(
                    "le PDF de son brouillon dans son état actuel n'a pas encore été produit "
                    "(un gestionnaire le produit en l'ouvrant)."
                )
            document = services.convention_document(convention=convention, render_sent=True)
    if not perms.can_read_document(user, convention, document):
        raise ValidationError("son document n'est pas encore signé.")
    return document
