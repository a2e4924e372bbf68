"""Who may do what with a convention, its documents and templates: pure checks, tested on
unsaved instances (no database)."""

from django.contrib.auth.models import AnonymousUser

from conventions import perms
from conventions.models import (
    Convention,
    ConventionStatus,
    DocumentKind,
    DocumentTemplate,
    DocumentVersion,
)
from iscg.models import Role, User

GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=1)
OTHER_GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=2)
COORDINATEUR = User(role=Role.COORDINATEUR, organisation_id=1)
PARTNER = User(role=Role.PARTENAIRE, organisation_id=1, party_id=7)
ADMIN = User(is_superuser=True)


def convention(status=ConventionStatus.DRAFT, **fields) -> Convention:
    return Convention(organisation_id=1, reference="T-1", status=status, **fields)


def test_only_a_gestionnaire_of_its_organisation_edits_a_convention():
    assert perms.can_edit_convention(GESTIONNAIRE, convention())
    for who in (OTHER_GESTIONNAIRE, COORDINATEUR, PARTNER, ADMIN, AnonymousUser()):
        assert not perms.can_edit_convention(who, convention())


def test_sending_to_signature_is_for_drafts_and_signing_for_acts_awaiting_it():
    draft, to_sign = convention(), convention(ConventionStatus.TO_SIGN)
    assert perms.can_send_to_signature(GESTIONNAIRE, draft)
    assert not perms.can_send_to_signature(GESTIONNAIRE, to_sign)
    assert perms.can_record_signatures(GESTIONNAIRE, to_sign)
    assert not perms.can_record_signatures(GESTIONNAIRE, draft)
    assert not perms.can_record_signatures(COORDINATEUR, to_sign)


def test_only_a_signed_convention_not_yet_ended_is_denounced_or_terminated():
    assert perms.can_end(GESTIONNAIRE, convention(ConventionStatus.SIGNED))
    assert not perms.can_end(GESTIONNAIRE, convention())
    assert not perms.can_end(
        GESTIONNAIRE, convention(ConventionStatus.SIGNED, termination_kind="resiliation")
    )
    assert not perms.can_end(OTHER_GESTIONNAIRE, convention(ConventionStatus.SIGNED))


def test_drafting_is_for_gestionnaires():
    assert perms.can_draft(GESTIONNAIRE)
    assert not perms.can_draft(COORDINATEUR) and not perms.can_draft(ADMIN)


INTERVENANT = User(role=Role.INTERVENANT, organisation_id=1, post_id=3)
READERS = (PARTNER, INTERVENANT)


def test_outside_the_staff_only_signed_copies_and_frozen_texts_are_read():
    """One rule for every document URL: the staff read every version; partners and
    intervenants the text sent, the final document and the signed copy of an act sent or
    signed, never a draft's PDF (not even one frozen before a withdrawn request)."""
    draft_pdf = DocumentVersion(kind=DocumentKind.GENERATED, is_frozen=False)
    frozen = DocumentVersion(kind=DocumentKind.GENERATED, is_frozen=True)
    sealed = DocumentVersion(kind=DocumentKind.GENERATED, is_frozen=True, is_sealed=True)
    signed = DocumentVersion(kind=DocumentKind.SIGNED_COPY)
    draft, to_sign = convention(), convention(ConventionStatus.TO_SIGN)
    signed_act = convention(ConventionStatus.SIGNED)
    abandoned = convention(ConventionStatus.ABANDONED)
    for staff in (GESTIONNAIRE, COORDINATEUR, ADMIN):
        assert perms.can_read_document(staff, draft, draft_pdf)
        assert perms.can_read_documents_of(staff, draft)
    for reader in READERS:
        assert not perms.can_read_documents_of(reader, draft)
        assert not perms.can_read_document(reader, draft, draft_pdf)
        assert not perms.can_read_document(reader, draft, frozen)  # sent, then withdrawn
        assert not perms.can_read_document(reader, abandoned, frozen)
        assert not perms.can_read_document(reader, signed_act, draft_pdf)
        assert perms.can_read_document(reader, to_sign, frozen)
        for document in (frozen, sealed, signed):
            assert perms.can_read_document(reader, signed_act, document)
    assert not perms.can_read_document(AnonymousUser(), signed_act, draft_pdf)


def test_only_the_gestionnaire_of_the_convention_decides_a_version_in_a_request():
    for status in (ConventionStatus.DRAFT, ConventionStatus.TO_SIGN, ConventionStatus.SIGNED):
        assert perms.can_produce_document(GESTIONNAIRE, convention(status))
        for reader in (OTHER_GESTIONNAIRE, COORDINATEUR, ADMIN, *READERS, AnonymousUser()):
            assert not perms.can_produce_document(reader, convention(status))


def test_a_gestionnaire_edits_its_own_templates_and_copies_the_shared_ones():
    own, shared = DocumentTemplate(organisation_id=1), DocumentTemplate(organisation_id=None)
    assert perms.can_edit_template(GESTIONNAIRE, own)
    assert not perms.can_edit_template(GESTIONNAIRE, shared)
    assert not perms.can_edit_template(OTHER_GESTIONNAIRE, own)
    assert not perms.can_edit_template(ADMIN, own)
    assert perms.can_copy_template(GESTIONNAIRE, shared)
    assert not perms.can_copy_template(COORDINATEUR, shared)
