"""Who may do what with conventions, their documents and their templates.

Pure checks on a user and an object (no query of their own): views call them after fetching
the object through its ``visible_to`` queryset (404 outside the user's scope) and answer 403
when they say no; templates get their answers as booleans (``can_edit``, ``can_sign``...).
"""

from conventions import rules
from conventions.models import (
    SIGNED_STATUSES,
    Convention,
    ConventionStatus,
    DocumentKind,
    DocumentTemplate,
    DocumentVersion,
)
from iscg.perms import can_edit_in, can_see_organisation_data, is_gestionnaire

#: Past these, a convention is no longer denounced nor résiliée.
ENDED_STATUSES = frozenset({rules.EXPIRED, rules.RENEWED, rules.TERMINATED})


def can_draft(user) -> bool:
    """Drafting a new convention, renewal or avenant (the wizard): a gestionnaire."""
    return is_gestionnaire(user)


def can_edit_convention(user, convention: Convention) -> bool:
    """Only a gestionnaire edits, and only its own organisation's conventions (text, parties,
    signatures, signed copy, abandon, ending); what the status still allows is the services'
    business."""
    return can_edit_in(user, convention.organisation_id)


def can_send_to_signature(user, convention: Convention) -> bool:
    return can_edit_convention(user, convention) and convention.status == ConventionStatus.DRAFT


def can_record_signatures(user, convention: Convention) -> bool:
    """Recording signatures, or withdrawing the request, while the act awaits them."""
    return can_edit_convention(user, convention) and convention.status == ConventionStatus.TO_SIGN


def can_end(user, convention: Convention) -> bool:
    """Dénonciation or résiliation: a signed convention not already ended (``current_status``
    reads whether a renewal was signed)."""
    return (
        can_edit_convention(user, convention)
        and convention.status in SIGNED_STATUSES
        and not convention.termination_kind
        and convention.current_status not in ENDED_STATUSES
    )


def can_see_back_office(user) -> bool:
    """History, deadlines, downloads log, every document version: the organisation's staff;
    partners and intervenants see the acts, not the back-office."""
    return can_see_organisation_data(user)


#: The statuses in which partners and intervenants read a convention's documents: once it has
#: gone to signature (the text to sign) and once signed; never a draft, nor an abandoned act.
READER_STATUSES = frozenset({ConventionStatus.TO_SIGN, *SIGNED_STATUSES})


def can_read_documents_of(user, convention: Convention) -> bool:
    """Whether any document of a convention the user sees (``visible_to``) is for it: the
    organisation's staff read every convention's; partners and intervenants only those of an
    act sent to signature or signed (an intervenant sees its post's drafts, not their PDFs)."""
    return can_see_organisation_data(user) or convention.status in READER_STATUSES


def can_read_document(user, convention: Convention, document: DocumentVersion) -> bool:
    """The one rule of who reads a stored document (every document URL applies it: ``/pdf/``,
    ``/documents/<n>/``, the signed copy, the sealed final PDF and its certificate, the ODT
    and DOCX, the ZIPs, the verification page): the staff read every version; partners and
    intervenants only what the act is once sent: the text sent to signature, the signed and
    sealed final document, the signed copy deposited (``convention`` is ``document``'s)."""
    if not can_read_documents_of(user, convention):
        return False
    return (
        can_see_organisation_data(user)
        or document.kind == DocumentKind.SIGNED_COPY
        or document.is_frozen
    )


def can_produce_document(user, convention: Convention) -> bool:
    """Whether a request of the user may decide a new version of the convention's document
    (its draft's text as it reads now, the text to sign, the final one): the gestionnaire
    who edits it. Every other role only reads the versions stored; what is missing is
    decided by the worker (``services.document_decision_queued``), never credited to a
    reader."""
    return can_edit_convention(user, convention)


def can_edit_template(user, template: DocumentTemplate) -> bool:
    """A gestionnaire edits its own organisation's templates (shared ones are copied first)."""
    return template.organisation_id is not None and can_edit_in(user, template.organisation_id)


def can_copy_template(user, template: DocumentTemplate) -> bool:
    """A gestionnaire copies a template it sees into its organisation, to adapt it (the
    template's page offers it for shared templates, which are not edited in place)."""
    return is_gestionnaire(user)


def can_edit_reference_data(user, organisation_id: int | None = None) -> bool:
    """Parties, representatives, délibérations, posts and their imports: a gestionnaire, for
    its own organisation (``organisation_id`` of the object changed; None for a new one)."""
    if organisation_id is None:
        return is_gestionnaire(user)
    return can_edit_in(user, organisation_id)


def can_see_transmission(user) -> bool:
    """The contrôle de légalité is the organisation's business with its préfecture: its staff
    read it (coordinators included), partners and intervenants never."""
    return can_see_organisation_data(user)


def can_transmit(user, convention: Convention) -> bool:
    """Preparing, retrying a transmission, or changing the organisation's @ctes settings."""
    return can_edit_convention(user, convention)
