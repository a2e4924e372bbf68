"""Login by e-mail, brute-force lockout, invitations (single use, 7 days), password reset."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from iscg import services
from iscg.models import EmailLog, Invitation, Role, User
from tests.factories import PASSWORD, PartyFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_by_email_and_password(client):
    user = UserFactory(gestionnaire=True, email="gestion@pasdecalais.fr")
    response = client.post(
        reverse("login"), {"username": "gestion@pasdecalais.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == user


def test_wrong_password_is_refused_in_french(client):
    UserFactory(email="gestion@pasdecalais.fr")
    response = client.post(
        reverse("login"), {"username": "gestion@pasdecalais.fr", "password": "faux"}
    )
    assert response.status_code == 200
    assert "adresse e-mail" in response.text.lower()


def test_sixth_wrong_password_in_a_row_locks_the_login(client):
    UserFactory(email="cible@pasdecalais.fr")
    for _ in range(5):
        response = client.post(
            reverse("login"), {"username": "cible@pasdecalais.fr", "password": "faux"}
        )
        assert response.status_code == 200
    sixth = client.post(reverse("login"), {"username": "cible@pasdecalais.fr", "password": "faux"})
    assert sixth.status_code == 429
    # Locked: even the right password is refused for a while.
    response = client.post(
        reverse("login"), {"username": "cible@pasdecalais.fr", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "temporairement bloquée" in response.text
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client):
    client.force_login(UserFactory())
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def _invite(role=Role.PARTENAIRE, **kwargs):
    gestionnaire = UserFactory(gestionnaire=True)
    if role == Role.PARTENAIRE:
        kwargs.setdefault("party", PartyFactory(organisation=gestionnaire.organisation))
    else:
        kwargs.setdefault("post", PostFactory(organisation=gestionnaire.organisation))
    return gestionnaire, services.invitation_create(
        by=gestionnaire, email="Invite@Ternois.fr", role=role, **kwargs
    )


def test_gestionnaire_invites_a_partner_by_email(client, run_tasks, smtp_server):
    gestionnaire = UserFactory(gestionnaire=True)
    party = PartyFactory(organisation=gestionnaire.organisation, name="CC du Ternois")
    client.force_login(gestionnaire)
    response = client.post(
        reverse("invitation_create"),
        {"email": "contact@ternois.fr", "role": "partenaire", "party": party.pk},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.party, invitation.role) == (
        "contact@ternois.fr",
        party,
        "partenaire",
    )
    # Queued in the request, sent by the worker through a real SMTP server.
    assert smtp_server.messages == []
    log = EmailLog.objects.get(key=f"invitation:{invitation.pk}")
    assert log.sent_at is None and "/comptes/invitation/" in log.body
    assert run_tasks() == 1
    (message,) = smtp_server.messages
    assert message.envelope_to == ["contact@ternois.fr"]
    assert message["Subject"] == "Votre accès à l'application ISCG conventions"
    (body,) = smtp_server.bodies()
    assert "/comptes/invitation/" in body and "7 jours" in body
    # The log keeps what was sent, never a usable link; a second run sends nothing again.
    log.refresh_from_db()
    assert log.sent_at is not None
    assert "/comptes/invitation/" not in log.body and "[lien personnel retiré]" in log.body
    assert run_tasks() == 0 and len(smtp_server.messages) == 1


def test_an_invitation_to_a_party_of_another_organisation_is_refused(client):
    gestionnaire = UserFactory(gestionnaire=True)
    foreign = PartyFactory()
    client.force_login(gestionnaire)
    response = client.post(
        reverse("invitation_create"), {"email": "x@y.fr", "role": "partenaire", "party": foreign.pk}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_invitation_link_lets_the_partner_set_a_password_and_log_in(client):
    _, new = _invite()
    url = reverse("invitation_accept", args=[new.token])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "first_name": "Lou",
            "last_name": "Petit",
            "password1": "Un-mot-de-passe-2026",
            "password2": "Un-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="invite@ternois.fr")
    assert user.role == Role.PARTENAIRE and user.party == new.invitation.party
    assert user.check_password("Un-mot-de-passe-2026")
    new.invitation.refresh_from_db()
    assert new.invitation.used_at is not None


def test_a_used_invitation_is_refused_with_a_clear_message(client):
    _, new = _invite()
    services.invitation_accept(token=new.token, password="Un-mot-de-passe-2026")
    response = client.get(reverse("invitation_accept", args=[new.token]))
    assert response.status_code == 410
    assert "déjà été utilisé" in response.text
    assert User.objects.filter(email="invite@ternois.fr").count() == 1


def test_an_expired_invitation_is_refused_with_a_clear_message(client):
    _, new = _invite(role=Role.INTERVENANT)
    Invitation.objects.filter(pk=new.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(
        reverse("invitation_accept", args=[new.token]),
        {"password1": "Un-mot-de-passe-2026", "password2": "Un-mot-de-passe-2026"},
    )
    assert response.status_code == 410
    assert "a expiré" in response.text
    assert not User.objects.filter(email="invite@ternois.fr").exists()


def test_an_invitation_expires_after_seven_days():
    _, new = _invite()
    delta = new.invitation.expires_at - new.invitation.created_at
    assert timedelta(days=6, hours=23) < delta <= timedelta(days=7)


def test_an_unknown_token_is_refused(client):
    response = client.get(reverse("invitation_accept", args=["inconnu"]))
    assert response.status_code == 410
    assert "est pas valide" in response.text


def test_only_the_token_hash_is_stored():
    _, new = _invite()
    assert new.token not in new.invitation.token_hash
    assert len(new.invitation.token_hash) == 64


def test_password_reset_sends_a_link_by_email(client):
    UserFactory(email="oubli@pasdecalais.fr")
    response = client.post(reverse("password_reset"), {"email": "oubli@pasdecalais.fr"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "oubli@pasdecalais.fr" in mail.outbox[0].to
