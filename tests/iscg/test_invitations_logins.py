"""Issue 18: one open invitation per address, « Révoquer », no account enumeration, accepting
into an existing account; addresses case-insensitive; the failed-login limit per network
address beside the account's; a completed password reset lifts the account's lock."""

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from iscg import login_limits, services
from iscg.models import EmailLog, Invitation, Role, User
from tests.factories import PASSWORD, PartyFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-mot-de-passe-2026"


def _gestionnaire(**kwargs):
    return UserFactory(gestionnaire=True, **kwargs)


def _invite(by, email="invite@ternois.fr", party=None):
    party = party or PartyFactory(organisation=by.organisation)
    return services.invitation_create(by=by, email=email, role=Role.PARTENAIRE, party=party)


def _accept(client, token, password=NEW_PASSWORD):
    return client.post(
        reverse("invitation_accept", args=[token]),
        {"password1": password, "password2": password},
    )


# --------------------------------------------------------------------------- one open per address


def test_a_second_invitation_to_the_same_address_replaces_the_first(client):
    gestionnaire = _gestionnaire(first_name="Camille", last_name="Durand")
    first = _invite(gestionnaire, email="Invite@Ternois.fr")
    second = _invite(gestionnaire, email="invite@ternois.FR")
    assert second.replaced is not None and second.replaced.pk == first.invitation.pk
    assert Invitation.objects.open().filter(email="invite@ternois.fr").count() == 1
    assert "remplace celle du" in services.invitation_sent_message(second)
    # The first link is dead at once, with a French message; the second works.
    response = client.get(reverse("invitation_accept", args=[first.token]))
    assert response.status_code == 410
    assert "retiré ou remplacé" in response.text
    assert client.get(reverse("invitation_accept", args=[second.token])).status_code == 200
    # Who replaced it and why, in its history.
    record = first.invitation.history.latest()
    assert record.history_user == gestionnaire
    assert record.history_change_reason == "Remplacée par une nouvelle invitation"
    assert record.revoked_at is not None


def test_the_database_refuses_two_open_invitations_to_one_address():
    gestionnaire = _gestionnaire()
    new = _invite(gestionnaire)
    duplicate = Invitation(
        email=new.invitation.email,
        role=Role.PARTENAIRE,
        organisation=gestionnaire.organisation,
        token_hash="x" * 64,
        expires_at=new.invitation.expires_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_another_organisation_may_invite_the_same_address():
    _invite(_gestionnaire())
    _invite(_gestionnaire())
    assert Invitation.objects.open().filter(email="invite@ternois.fr").count() == 2


# --------------------------------------------------------------------------- no enumeration


def test_inviting_an_address_that_has_an_account_answers_as_for_any_other(client):
    gestionnaire = _gestionnaire()
    party = PartyFactory(organisation=gestionnaire.organisation)
    UserFactory(email="existe@ailleurs.fr", gestionnaire=True)  # another organisation's
    client.force_login(gestionnaire)
    pages = {}
    for email in ("existe@ailleurs.fr", "nouveau@ailleurs.fr"):
        response = client.post(
            reverse("invitation_create"),
            {"email": email, "role": "partenaire", "party": party.pk},
            follow=True,
        )
        assert response.status_code == 200
        (message,) = [str(m) for m in response.context["messages"]]
        pages[email] = message.replace(email, "ADRESSE")
    assert (
        pages["existe@ailleurs.fr"]
        == pages["nouveau@ailleurs.fr"]
        == ("Invitation envoyée à ADRESSE.")
    )
    # The same e-mail leaves in both cases (subject and words): the log shows nothing either.
    logs = {log.to[0]: log for log in EmailLog.objects.filter(key__startswith="invitation:")}
    existing, new = logs["existe@ailleurs.fr"], logs["nouveau@ailleurs.fr"]
    assert existing.subject == new.subject

    def shape(body):
        return re.sub(r"http\S+", "LIEN", body)

    assert shape(existing.body) == shape(new.body)
    assert Invitation.objects.filter(email="existe@ailleurs.fr").exists()


# --------------------------------------------------------------------------- accepting


def test_accepting_a_second_invitation_to_an_existing_account_is_a_french_refusal(client):
    """The red team's 500: two organisations invite one address; the first link creates the
    account, the second answered 500."""
    first = _invite(_gestionnaire())
    second = _invite(_gestionnaire())
    assert _accept(client, first.token).status_code == 302
    client.logout()
    assert client.get(reverse("invitation_accept", args=[second.token])).status_code == 409
    users_before = User.objects.count()
    response = _accept(client, second.token)
    assert response.status_code == 409
    assert "Un compte existe déjà pour cette adresse" in response.text
    assert User.objects.count() == users_before
    second.invitation.refresh_from_db()
    assert second.invitation.used_at is None


def test_the_service_refuses_an_account_created_meanwhile():
    """Between the page and the save another invitation created the account (a race)."""
    new = _invite(_gestionnaire())
    UserFactory(email="invite@ternois.fr")
    with pytest.raises(services.InvitationConflict, match="Un compte existe déjà"):
        services.invitation_accept(token=new.token, password=NEW_PASSWORD)
    assert User.objects.filter(email="invite@ternois.fr").count() == 1


def test_accepting_while_signed_in_as_another_account_is_refused(client):
    new = _invite(_gestionnaire())
    other = UserFactory(email="quelquun@exemple.fr")
    client.force_login(other)
    response = _accept(client, new.token)
    assert response.status_code == 409
    assert "connecté avec un autre compte" in response.text
    assert not User.objects.filter(email="invite@ternois.fr").exists()
    assert client.get(reverse("home")).context["user"] == other


def test_opening_ones_own_invitation_while_signed_in_says_so():
    new = _invite(_gestionnaire())
    user = UserFactory(email="invite@ternois.fr")
    message = services.invitation_conflict(new.invitation, signed_in=user)
    assert "vous êtes connecté" in message


# --------------------------------------------------------------------------- « Révoquer »


def test_revoking_an_invitation_kills_its_link_and_is_kept_in_history(client):
    gestionnaire = _gestionnaire()
    new = _invite(gestionnaire)
    client.force_login(gestionnaire)
    page = client.get(reverse("invitation_create"))
    revoke_url = reverse("invitation_revoke", args=[new.invitation.pk])
    assert revoke_url in page.text and "Révoquer" in page.text
    confirmation = client.get(revoke_url)
    assert confirmation.status_code == 200
    assert "cessera aussitôt de fonctionner" in confirmation.text
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is None  # the GET changed nothing
    response = client.post(revoke_url)
    assert response.status_code == 302
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is not None and new.invitation.revoked_by == gestionnaire
    record = new.invitation.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        gestionnaire,
        "Invitation retirée",
    )
    client.logout()
    link = client.get(reverse("invitation_accept", args=[new.token]))
    assert link.status_code == 410 and "retiré" in link.text
    # Revoked: the address may be invited again.
    assert _invite(gestionnaire).replaced is None


def test_revoking_a_used_or_revoked_invitation_is_refused_in_french(client):
    gestionnaire = _gestionnaire()
    used = _invite(gestionnaire)
    services.invitation_accept(token=used.token, password=NEW_PASSWORD)
    revoked = _invite(gestionnaire, email="autre@ternois.fr")
    services.invitation_revoke(invitation=revoked.invitation, by=gestionnaire)
    client.force_login(gestionnaire)
    for new, words in ((used, "déjà été utilisée"), (revoked, "déjà retirée")):
        before = new.invitation.history.count()
        response = client.post(reverse("invitation_revoke", args=[new.invitation.pk]))
        assert response.status_code == 400
        assert words in response.text
        assert new.invitation.history.count() == before


def test_another_organisations_invitation_cannot_be_revoked(client):
    new = _invite(_gestionnaire())
    client.force_login(_gestionnaire())
    assert client.post(reverse("invitation_revoke", args=[new.invitation.pk])).status_code == 404
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is None


# --------------------------------------------------------------------------- case-insensitive


def test_login_ignores_the_case_of_the_address(client):
    user = UserFactory(email="Gestion@PasDeCalais.fr")
    assert user.email == "gestion@pasdecalais.fr"  # stored in lower case
    response = client.post(
        reverse("login"), {"username": "  GESTION@pasdecalais.FR ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_the_database_refuses_an_address_in_capitals():
    user = UserFactory(email="minuscules@exemple.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email="Majuscules@exemple.fr")


def test_password_reset_finds_the_account_whatever_the_case(client):
    UserFactory(email="oubli@pasdecalais.fr")
    client.post(reverse("password_reset"), {"email": "Oubli@PasDeCalais.fr"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["oubli@pasdecalais.fr"]


# --------------------------------------------------------------------------- failed logins


def test_lockout_reason_rule():
    def reason(account, address):
        return login_limits.lockout_reason(
            account_failures=account, address_failures=address, account_limit=6, address_limit=20
        )

    assert reason(5, 19) is None
    assert reason(6, 6) == "compte"
    assert reason(6, 25) == "compte"
    assert reason(1, 20) == "adresse"


def _fail(client, email, ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": "faux"}, REMOTE_ADDR=ip)


def test_case_variants_of_an_address_count_as_one_account(client):
    UserFactory(email="cible@pasdecalais.fr")
    variants = ["cible@pasdecalais.fr", "CIBLE@pasdecalais.fr", "Cible@PasDeCalais.fr"]
    statuses = [_fail(client, variants[i % 3], ip=f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.post(
        reverse("login"), {"username": "cible@pasdecalais.fr", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_many_accounts_tried_from_one_address_lock_that_address(client, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    victim = UserFactory(email="victime@pasdecalais.fr")
    statuses = [_fail(client, f"essai{i}@exemple.fr").status_code for i in range(8)]
    assert statuses == [200] * 7 + [429]
    # Even the right password of a real, unlocked account is refused from that address...
    response = client.post(
        reverse("login"),
        {"username": victim.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
    assert "depuis votre réseau" in response.text
    assert "_auth_user_id" not in client.session
    # ... not from another one.
    response = client.post(
        reverse("login"),
        {"username": victim.email, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.1",
    )
    assert response.status_code == 302


def test_a_successful_login_does_not_clear_the_address_count(client, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    mine = UserFactory(email="moi@exemple.fr")
    for i in range(3):
        assert _fail(client, f"autre{i}@exemple.fr").status_code == 200
    ok = client.post(
        reverse("login"), {"username": mine.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    assert ok.status_code == 302
    client.logout()
    assert _fail(client, "autre9@exemple.fr").status_code == 429


def test_the_limit_per_address_is_a_setting():
    from django.conf import settings

    assert settings.LOGIN_IP_FAILURE_LIMIT == 20
    assert settings.AXES_FAILURE_LIMIT == 6


def test_client_address_behind_the_reverse_proxy(settings):
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
    )
    settings.LOGIN_TRUSTED_PROXIES = 0
    assert login_limits.client_ip(request) == "127.0.0.1"
    settings.LOGIN_TRUSTED_PROXIES = 1
    # The entry nginx appended, not the one the client wrote first.
    assert login_limits.client_ip(request) == "203.0.113.7"
    settings.LOGIN_TRUSTED_PROXIES = 3  # fewer entries than proxies: the connection's
    assert login_limits.client_ip(request) == "127.0.0.1"


def test_a_completed_password_reset_lifts_the_account_lock(client):
    UserFactory(email="bloque@pasdecalais.fr")
    for _ in range(6):
        _fail(client, "bloque@pasdecalais.fr")
    assert (
        client.post(
            reverse("login"), {"username": "bloque@pasdecalais.fr", "password": PASSWORD}
        ).status_code
        == 429
    )
    client.post(reverse("password_reset"), {"email": "bloque@pasdecalais.fr"})
    (link,) = re.findall(r"http://testserver(/comptes/reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    login = client.post(
        reverse("login"), {"username": "bloque@pasdecalais.fr", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_an_unfinished_password_reset_leaves_the_lock(client):
    UserFactory(email="bloque@pasdecalais.fr")
    for _ in range(6):
        _fail(client, "bloque@pasdecalais.fr")
    client.post(reverse("password_reset"), {"email": "bloque@pasdecalais.fr"})
    response = client.post(
        reverse("login"), {"username": "bloque@pasdecalais.fr", "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.django_db(transaction=True)
def test_two_invitations_to_one_address_accepted_at_once_on_postgresql():
    """The race behind the red team's 500: both requests pass the check « no account yet »;
    the unique index lets one insert, the other gets the French refusal (no 500)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("deux connexions simultanées : PostgreSQL")
    links = [_invite(_gestionnaire()).token for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    real_check = services.invitation_check

    def check_then_wait(token):
        invitation = real_check(token)
        barrier.wait(timeout=10)  # both past the check before either saves
        return invitation

    def accept(token):
        try:
            services.invitation_accept(token=token, password=NEW_PASSWORD)
            outcomes.append("créé")
        except services.InvitationConflict as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    services.invitation_check = check_then_wait
    try:
        threads = [threading.Thread(target=accept, args=(token,)) for token in links]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        services.invitation_check = real_check
    assert sorted(outcomes) == sorted(["créé", services.ACCOUNT_EXISTS])
    assert User.objects.filter(email="invite@ternois.fr").count() == 1
