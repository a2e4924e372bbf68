"""The shared access helpers: the one scope every ``visible_to`` reads, and the navigation's
checks. Pure functions, tested on unsaved users (no database)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from iscg import perms
from iscg.models import Role, User
from iscg.perms import Scope, organisation_scope


def user(role: str = "", **fields) -> User:
    return User(email="x@example.fr", role=role, **fields)


GESTIONNAIRE = user(Role.GESTIONNAIRE, organisation_id=1)
COORDINATEUR = user(Role.COORDINATEUR, organisation_id=1)
NATIONAL = user(Role.COORDINATEUR, is_national=True)
PARTNER = user(Role.PARTENAIRE, organisation_id=1, party_id=7)
INTERVENANT = user(Role.INTERVENANT, organisation_id=1, post_id=9)
ADMIN = user(is_superuser=True)


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        (AnonymousUser(), Scope()),
        (GESTIONNAIRE, Scope(organisation_id=1)),
        (COORDINATEUR, Scope(organisation_id=1)),
        (NATIONAL, Scope(everything=True)),
        (ADMIN, Scope(everything=True)),
        (PARTNER, Scope(party_id=7)),
        (INTERVENANT, Scope(post_id=9)),
        # Incomplete accounts reach nothing rather than everything.
        (user(Role.GESTIONNAIRE), Scope()),
        (user(Role.PARTENAIRE, organisation_id=1), Scope()),
        (user(Role.INTERVENANT, organisation_id=1), Scope()),
        (user(), Scope()),
    ],
    ids=lambda value: repr(value) if isinstance(value, Scope) else None,
)
def test_organisation_scope_names_what_each_user_reaches(who, scope):
    assert organisation_scope(who) == scope


def test_an_empty_scope_is_nothing_and_any_reach_is_something():
    assert Scope().nothing
    assert not Scope(party_id=7).nothing
    assert not Scope(everything=True).nothing


def test_a_partner_of_an_organisation_does_not_get_its_staff_scope():
    assert organisation_scope(PARTNER).organisation_id is None


def test_only_administrators_and_national_coordinators_see_every_organisation():
    assert perms.sees_every_organisation(ADMIN)
    assert perms.sees_every_organisation(NATIONAL)
    assert not perms.sees_every_organisation(COORDINATEUR)
    assert not perms.sees_every_organisation(GESTIONNAIRE)


def test_only_a_gestionnaire_of_the_organisation_edits_in_it():
    assert perms.can_edit_in(GESTIONNAIRE, 1)
    assert not perms.can_edit_in(GESTIONNAIRE, 2)
    assert not perms.can_edit_in(COORDINATEUR, 1)
    assert not perms.can_edit_in(ADMIN, 1)
    assert not perms.can_edit_in(AnonymousUser(), 1)


def test_staff_pages_are_for_gestionnaires_coordinators_and_administrators():
    for who in (GESTIONNAIRE, COORDINATEUR, NATIONAL, ADMIN):
        assert perms.can_see_organisation_data(who)
        perms.require_staff(who)
    for who in (PARTNER, INTERVENANT, AnonymousUser()):
        assert not perms.can_see_organisation_data(who)
        with pytest.raises(perms.PermissionDenied):
            perms.require_staff(who)


def test_navigation_menus_follow_the_role():
    assert [perms.sees_staff_menu(w) for w in (GESTIONNAIRE, COORDINATEUR, ADMIN)] == [True] * 3
    assert not perms.sees_staff_menu(PARTNER) and not perms.sees_staff_menu(INTERVENANT)
    assert perms.sees_partner_menu(PARTNER) and not perms.sees_partner_menu(GESTIONNAIRE)
    assert perms.sees_bilans_menu(INTERVENANT) and perms.sees_bilans_menu(ADMIN)
    assert not perms.sees_bilans_menu(PARTNER)
    assert not perms.sees_staff_menu(AnonymousUser())
