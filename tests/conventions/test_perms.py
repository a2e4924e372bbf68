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


def test_outside_the_staff_only_signed_copies_and_frozen_texts_are_downloaded():
    draft_pdf = DocumentVersion(kind=DocumentKind.GENERATED, is_frozen=False)
    frozen = DocumentVersion(kind=DocumentKind.GENERATED, is_frozen=True)
    signed = DocumentVersion(kind=DocumentKind.SIGNED_COPY)
    assert perms.can_download(COORDINATEUR, draft_pdf)
    assert not perms.can_download(PARTNER, draft_pdf)
    assert perms.can_download(PARTNER, frozen) and perms.can_download(PARTNER, signed)


def test_a_gestionnaire_edits_its_own_templates_and_copies_the_shared_ones():
    own, shared = DocumentTemplate(organisation_id=1), DocumentTemplate(organisation_id=None)
    assert perms.can_edit_template(GESTIONNAIRE, own)
    assert not perms.can_edit_template(GESTIONNAIRE, shared)
    assert not perms.can_edit_template(OTHER_GESTIONNAIRE, own)
    assert not perms.can_edit_template(ADMIN, own)
    assert perms.can_copy_template(GESTIONNAIRE, shared)
    assert not perms.can_copy_template(COORDINATEUR, shared)
