"""Small, pure permission checks; visibility itself lives in the models' ``visible_to``."""

from django.core.exceptions import PermissionDenied

from iscg.models import Role


def is_gestionnaire(user) -> bool:
    return user.is_authenticated and user.role == Role.GESTIONNAIRE and bool(user.organisation_id)


def is_coordinateur(user) -> bool:
    return user.is_authenticated and user.role == Role.COORDINATEUR


def can_edit_in(user, organisation_id: int | None) -> bool:
    """Gestionnaires edit their own organisation's data, nothing else."""
    return is_gestionnaire(user) and user.organisation_id == organisation_id


def can_invite(user) -> bool:
    return is_gestionnaire(user)


def can_see_organisation_data(user) -> bool:
    """Lists of posts and parties, annual tables: staff of an organisation only."""
    return user.is_authenticated and (
        user.is_superuser or user.role in (Role.GESTIONNAIRE, Role.COORDINATEUR)
    )


def require_staff(user) -> None:
    """For pages of an organisation's staff (gestionnaires, coordinateurs, administrators)."""
    if not can_see_organisation_data(user):
        raise PermissionDenied
