"""Who may see and change financing: pure checks on unsaved instances (no database)."""

from conventions.models import Convention, ConventionStatus, Party
from financing import perms
from financing.models import FinancingPlan, ShareLine
from iscg.models import Role, User

GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=1)
OTHER_GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=2)
COORDINATEUR = User(role=Role.COORDINATEUR, organisation_id=1)
PARTNER = User(role=Role.PARTENAIRE, organisation_id=1, party_id=7)
INTERVENANT = User(role=Role.INTERVENANT, organisation_id=1, post_id=9)
ADMIN = User(is_superuser=True)


def convention(status=ConventionStatus.DRAFT) -> Convention:
    return Convention(organisation_id=1, reference="T-1", status=status)


def test_a_plan_is_edited_by_a_gestionnaire_of_the_organisation_while_a_draft():
    draft = convention()
    plan = FinancingPlan(convention=draft)
    assert perms.can_edit_plan(GESTIONNAIRE, draft, plan)
    assert perms.can_edit_plan(GESTIONNAIRE, draft, None)
    assert not perms.can_edit_plan(OTHER_GESTIONNAIRE, draft, plan)
    assert not perms.can_edit_plan(COORDINATEUR, draft, plan)


def test_a_plan_sent_to_signature_or_signed_is_frozen():
    for status in (ConventionStatus.TO_SIGN, ConventionStatus.SIGNED):
        sent = convention(status)
        assert not perms.can_edit_plan(GESTIONNAIRE, sent, FinancingPlan(convention=sent))
    # Without a stored plan, only « à signer » freezes it (a signed act's plan comes by avenant).
    assert not perms.can_edit_plan(GESTIONNAIRE, convention(ConventionStatus.TO_SIGN), None)


def test_actual_costs_and_payments_are_recorded_whatever_the_status():
    signed = convention(ConventionStatus.SIGNED)
    assert perms.can_record_actual_cost(GESTIONNAIRE, signed)
    assert perms.can_preview_plan(GESTIONNAIRE, signed)
    assert not perms.can_record_actual_cost(COORDINATEUR, signed)
    line = ShareLine(organisation_id=1)
    assert perms.can_record_payment(GESTIONNAIRE, line)
    assert not perms.can_record_payment(OTHER_GESTIONNAIRE, line)
    assert perms.can_record_payments_of(GESTIONNAIRE, Party(organisation_id=1))
    assert not perms.can_record_payments_of(PARTNER, Party(organisation_id=1))


def test_plans_and_annual_tables_are_for_staff_and_own_financing_for_partners():
    assert perms.can_see_plan(COORDINATEUR) and perms.can_see_plan(ADMIN)
    assert not perms.can_see_plan(PARTNER) and not perms.can_see_plan(INTERVENANT)
    assert perms.can_see_annual_table(COORDINATEUR) and not perms.can_see_annual_table(PARTNER)
    assert perms.has_own_financing(PARTNER)
    assert not perms.has_own_financing(User(role=Role.PARTENAIRE, organisation_id=1))
    assert not perms.has_own_financing(GESTIONNAIRE)


def test_intervenants_do_not_see_financing_blocks():
    assert not perms.can_see_financing(INTERVENANT)
    assert perms.can_see_financing(PARTNER) and perms.can_see_financing(GESTIONNAIRE)
