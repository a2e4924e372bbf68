"""Who may enter, submit, validate or send back bilans, and see the dashboards.

Pure checks on a user and a post or a bilan. Unlike the other apps' services, reporting's
services check them again themselves (the import and the views both call them).
"""

from conventions.models import Post
from iscg.models import Role
from iscg.perms import can_see_organisation_data, is_gestionnaire, is_intervenant, is_partner
from reporting.models import EDITABLE_STATUSES, Bilan, BilanStatus


def can_enter(user, post: Post) -> bool:
    """The post's intervenant, or a gestionnaire of the post's organisation."""
    if not user.is_authenticated:
        return False
    if user.role == Role.INTERVENANT:
        return user.post_id is not None and user.post_id == post.pk
    return user.role == Role.GESTIONNAIRE and user.organisation_id == post.organisation_id


def can_review(user, post: Post) -> bool:
    """A coordinateur of the post's organisation, or a national coordinateur."""
    if not user.is_authenticated or user.role != Role.COORDINATEUR:
        return False
    return user.is_national or user.organisation_id == post.organisation_id


def can_edit(user, bilan: Bilan) -> bool:
    """Change or submit: who enters the post's bilans, while a draft or sent back."""
    return bilan.status in EDITABLE_STATUSES and can_enter(user, bilan.post)


def can_validate(user, bilan: Bilan) -> bool:
    return bilan.status == BilanStatus.SUBMITTED and can_review(user, bilan.post)


def can_return(user, bilan: Bilan) -> bool:
    """A submitted bilan, or a validated one (reopened), goes back to its author."""
    return bilan.status in (BilanStatus.SUBMITTED, BilanStatus.VALIDATED) and can_review(
        user, bilan.post
    )


def reviews_bilans(user) -> bool:
    """Coordinateurs: their home page lists the bilans awaiting validation."""
    return user.is_authenticated and user.role == Role.COORDINATEUR


def can_see_bilans(user) -> bool:
    """The list of bilans: everyone but partners (bilans are not theirs)."""
    return user.is_authenticated and not is_partner(user)


def enters_own_post(user) -> bool:
    """An intervenant attached to its post: the list offers the years it still owes."""
    return is_intervenant(user) and bool(user.post_id)


def can_see_dashboard(user) -> bool:
    """Dashboards, their exports and the comité de suivi pack: the organisation's staff."""
    return can_see_organisation_data(user)


def can_import(user) -> bool:
    """The spreadsheet import (and « saisir » on the dashboard): a gestionnaire, for the posts
    of its organisation."""
    return is_gestionnaire(user)
