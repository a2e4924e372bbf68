"""Who enters, submits, validates and sends back bilans: pure checks on unsaved instances."""

import pytest
from django.contrib.auth.models import AnonymousUser

from conventions.models import Post
from iscg.models import Role, User
from reporting import perms
from reporting.models import Bilan, BilanStatus

POST = Post(pk=9, organisation_id=1)
OTHER_POST = Post(pk=10, organisation_id=1)
GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=1)
OTHER_GESTIONNAIRE = User(role=Role.GESTIONNAIRE, organisation_id=2)
COORDINATEUR = User(role=Role.COORDINATEUR, organisation_id=1)
OTHER_COORDINATEUR = User(role=Role.COORDINATEUR, organisation_id=2)
NATIONAL = User(role=Role.COORDINATEUR, is_national=True)
PARTNER = User(role=Role.PARTENAIRE, organisation_id=1, party_id=7)
INTERVENANT = User(role=Role.INTERVENANT, organisation_id=1, post_id=9)
ADMIN = User(is_superuser=True)


def bilan(status, post=POST) -> Bilan:
    return Bilan(post=post, year=2023, status=status)


def test_the_posts_intervenant_and_its_organisations_gestionnaires_enter_its_bilans():
    assert perms.can_enter(INTERVENANT, POST)
    assert not perms.can_enter(INTERVENANT, OTHER_POST)
    assert perms.can_enter(GESTIONNAIRE, POST)
    for who in (OTHER_GESTIONNAIRE, COORDINATEUR, PARTNER, ADMIN, AnonymousUser()):
        assert not perms.can_enter(who, POST)


def test_the_organisations_coordinators_and_national_ones_review():
    assert perms.can_review(COORDINATEUR, POST) and perms.can_review(NATIONAL, POST)
    for who in (OTHER_COORDINATEUR, GESTIONNAIRE, INTERVENANT, ADMIN, AnonymousUser()):
        assert not perms.can_review(who, POST)


@pytest.mark.parametrize(
    ("status", "edit", "validate", "send_back"),
    [
        (BilanStatus.DRAFT, True, False, False),
        (BilanStatus.RETURNED, True, False, False),
        (BilanStatus.SUBMITTED, False, True, True),
        (BilanStatus.VALIDATED, False, False, True),
    ],
)
def test_each_status_allows_its_own_steps(status, edit, validate, send_back):
    assert perms.can_edit(INTERVENANT, bilan(status)) is edit
    assert perms.can_validate(COORDINATEUR, bilan(status)) is validate
    assert perms.can_return(COORDINATEUR, bilan(status)) is send_back
    assert not perms.can_validate(INTERVENANT, bilan(status))
    assert not perms.can_edit(COORDINATEUR, bilan(status))


def test_lists_dashboards_and_import_go_to_their_roles():
    assert not perms.can_see_bilans(PARTNER) and perms.can_see_bilans(INTERVENANT)
    assert perms.can_see_dashboard(ADMIN) and not perms.can_see_dashboard(INTERVENANT)
    assert perms.can_import(GESTIONNAIRE) and not perms.can_import(COORDINATEUR)
    assert perms.reviews_bilans(COORDINATEUR) and not perms.reviews_bilans(GESTIONNAIRE)
    assert perms.enters_own_post(INTERVENANT)
    assert not perms.enters_own_post(User(role=Role.INTERVENANT, organisation_id=1))
