"""Who may see and change financing: plans, share lines, payments, annual tables.

Pure checks on a user and an object; views call them after the ``visible_to`` lookup.
"""

from conventions.models import Convention, ConventionStatus, Party
from financing.models import FinancingPlan, ShareLine
from iscg.models import Role
from iscg.perms import (
    can_edit_in,
    can_see_organisation_data,
    is_gestionnaire,
    is_intervenant,
    is_partner,
)


def can_see_financing(user) -> bool:
    """The financing blocks of convention and post pages: everyone but intervenants
    (financing is not theirs; their share lines are empty anyway)."""
    return not is_intervenant(user)


def can_see_plan(user) -> bool:
    """A convention's plan page: not for partners nor intervenants (they see their lines on
    the convention page)."""
    return user.is_authenticated and user.role not in (Role.PARTENAIRE, Role.INTERVENANT)


def can_edit_plan(user, convention: Convention, plan: FinancingPlan | None) -> bool:
    """A gestionnaire of the organisation, while the plan is not frozen: from « à signer » on
    it changes only by withdrawing the signature request, once signed through an avenant."""
    return (
        can_edit_in(user, convention.organisation_id)
        and (plan is None or not plan.is_locked)
        and convention.status != ConventionStatus.TO_SIGN
    )


def can_preview_plan(user, convention: Convention) -> bool:
    """The editor's live preview (nothing saved): a gestionnaire of the organisation."""
    return can_edit_in(user, convention.organisation_id)


def can_record_actual_cost(user, convention: Convention) -> bool:
    """Actual costs are entered after the year closes, whatever the convention's status."""
    return can_edit_in(user, convention.organisation_id)


def can_record_payment(user, line: ShareLine) -> bool:
    """Titres de recettes and subsidy payments: a gestionnaire of the line's organisation."""
    return can_edit_in(user, line.organisation_id)


def can_record_payments_of(user, party: Party) -> bool:
    """The « titre » links of a party's summary."""
    return can_edit_in(user, party.organisation_id)


def can_see_annual_table(user) -> bool:
    """The annual table, its exports and the forecast: the organisation's staff."""
    return can_see_organisation_data(user)


def has_own_financing(user) -> bool:
    """« Mes financements »: a partner attached to its party."""
    return is_partner(user) and bool(user.party_id)


def can_edit_budget_line(user) -> bool:
    """The year's budget line of the organisation: its gestionnaire."""
    return is_gestionnaire(user)


def can_issue_titres(user, organisation) -> bool:
    """Issuing titres from « Titres à émettre », their settings: the organisation's
    gestionnaire."""
    return organisation is not None and can_edit_in(user, organisation.pk)


def can_import_collections(user) -> bool:
    """Depositing a file of collection returns: a gestionnaire (for its own organisation)."""
    return is_gestionnaire(user)


def can_see_receivables(user) -> bool:
    """Titres à émettre, receivables, the titres' exports: the organisation's staff."""
    return can_see_organisation_data(user)
