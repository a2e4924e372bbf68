"""Shared access helpers: what a user's role lets it reach, and the one scope every read uses.

Each domain app has its own ``perms.py`` with its ``can_*`` checks; they build on these. The
functions are pure: they read the user's fields (role, organisation, party, post), never the
database, so they are tested on unsaved users. ``docs/architecture.md`` (« Accès ») says who
checks what.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from iscg.models import Role


@dataclass(frozen=True)
class Scope:
    """What a user may read: everything, one organisation, one party, one post, or nothing.

    At most one of the fields is set; none set means nothing. Every ``visible_to`` queryset
    turns this into its filter, so the rule of who sees what is written once.
    """

    everything: bool = False
    organisation_id: int | None = None
    party_id: int | None = None
    post_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.organisation_id or self.party_id or self.post_id)


NOTHING = Scope()


def organisation_scope(user) -> Scope:
    """The reach of a user: administrators and national coordinators see every organisation;
    gestionnaires and coordinateurs their own; a partner its party; an intervenant its post."""
    if not user.is_authenticated:
        return NOTHING
    if user.is_superuser or (user.role == Role.COORDINATEUR and user.is_national):
        return Scope(everything=True)
    if user.role in (Role.GESTIONNAIRE, Role.COORDINATEUR) and user.organisation_id:
        return Scope(organisation_id=user.organisation_id)
    if user.role == Role.PARTENAIRE and user.party_id:
        return Scope(party_id=user.party_id)
    if user.role == Role.INTERVENANT and user.post_id:
        return Scope(post_id=user.post_id)
    return NOTHING


def sees_every_organisation(user) -> bool:
    """Administrators and national coordinators: their pages let them choose the organisation."""
    return organisation_scope(user).everything


def is_gestionnaire(user) -> bool:
    """A gestionnaire attached to an organisation: the only role that writes business data."""
    return user.is_authenticated and user.role == Role.GESTIONNAIRE and bool(user.organisation_id)


def is_administrator(user) -> bool:
    """A superuser: the back-office, and every organisation's data to read."""
    return user.is_authenticated and user.is_superuser


def is_partner(user) -> bool:
    return user.is_authenticated and user.role == Role.PARTENAIRE


def is_intervenant(user) -> bool:
    return user.is_authenticated and user.role == Role.INTERVENANT


def can_edit_in(user, organisation_id: int | None) -> bool:
    """Gestionnaires edit their own organisation's data, nothing else."""
    return is_gestionnaire(user) and user.organisation_id == organisation_id


def can_invite(user) -> bool:
    return is_gestionnaire(user)


def can_see_organisation_data(user) -> bool:
    """Lists of posts and parties, annual tables, history: staff of an organisation only."""
    return user.is_authenticated and (
        user.is_superuser or user.role in (Role.GESTIONNAIRE, Role.COORDINATEUR)
    )


def require_staff(user) -> None:
    """For pages of an organisation's staff (gestionnaires, coordinateurs, administrators)."""
    if not can_see_organisation_data(user):
        raise PermissionDenied


# --------------------------------------------------------------------------- navigation


def _nav_role(user) -> str:
    """An administrator without a role gets a coordinator's entries (the pages let it choose
    the organisation); its back-office link is in the template."""
    return user.role or (Role.COORDINATEUR if user.is_superuser else "")


def sees_staff_menu(user) -> bool:
    """Postes, Parties, Financement, Modèles, Échéances in the navigation."""
    return user.is_authenticated and _nav_role(user) in (Role.GESTIONNAIRE, Role.COORDINATEUR)


def sees_partner_menu(user) -> bool:
    """« Mes financements » in the navigation."""
    return user.is_authenticated and _nav_role(user) == Role.PARTENAIRE


def sees_bilans_menu(user) -> bool:
    """« Bilans » in the navigation: staff and intervenants."""
    return user.is_authenticated and _nav_role(user) in (
        Role.GESTIONNAIRE,
        Role.COORDINATEUR,
        Role.INTERVENANT,
    )


def can_manage_tasks(user) -> bool:
    """The failures page of background tasks: administrators, and gestionnaires for their
    organisation's tasks."""
    return user.is_authenticated and (user.is_superuser or is_gestionnaire(user))
