"""Account services: invitations (create, check, accept)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from iscg.models import Invitation, Role, User, notice_kinds_for
from iscg.tasks import queue_email


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str


def invitation_create(*, by: User, email: str, role: str, party=None, post=None) -> NewInvitation:
    """Invite a partner (attached to a party) or an intervenant (attached to a post)."""
    email = email.strip().lower()
    if by.organisation_id is None:
        raise ValidationError("Votre compte n'est rattaché à aucune organisation.")
    if role == Role.PARTENAIRE and party is None:
        raise ValidationError("Choisissez la partie à laquelle rattacher le partenaire.")
    if role == Role.INTERVENANT and post is None:
        raise ValidationError("Choisissez le poste de l'intervenant.")
    if role not in (Role.PARTENAIRE, Role.INTERVENANT):
        raise ValidationError("Seuls des partenaires et des intervenants peuvent être invités.")
    for obj in (party, post):
        if obj is not None and obj.organisation_id != by.organisation_id:
            raise ValidationError("Cette partie ou ce poste n'appartient pas à votre organisation.")
    if User.objects.filter(email=email).exists():
        raise ValidationError(f"Un compte existe déjà pour {email}.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        organisation_id=by.organisation_id,
        party=party if role == Role.PARTENAIRE else None,
        post=post if role == Role.INTERVENANT else None,
        token_hash=_hash(token),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
    )
    return NewInvitation(invitation=invitation, token=token)


def _inviter(invitation: Invitation) -> str:
    author = invitation.created_by
    if author is None:  # the account was deleted since
        return str(invitation.organisation)
    return author.get_full_name() or author.email


def invitation_send(*, new: NewInvitation, base_url: str, intro: str = "") -> None:
    """E-mail the invitation link; ``intro`` (optional) says first why the person is invited
    (a convention to sign)."""
    link = base_url.rstrip("/") + reverse("invitation_accept", args=[new.token])
    invitation = new.invitation
    queue_email(
        key=f"invitation:{invitation.pk}",
        organisation=invitation.organisation,
        personal=True,
        to=[invitation.email],
        subject="Votre accès à l'application ISCG conventions",
        body=(
            "Bonjour,\n\n"
            + (intro.strip() + "\n\n" if intro else "")
            + f"{_inviter(invitation)} vous invite à "
            f"accéder à l'application ISCG conventions ({invitation.organisation}).\n\n"
            f"Choisissez votre mot de passe avec ce lien, valable {settings.INVITATION_VALIDITY_DAYS} "
            f"jours et utilisable une seule fois :\n{link}\n"
        ),
    )


class InvitationInvalid(Exception):
    """The link is unknown, already used or expired; the message says which, in French."""


def invitation_check(token: str) -> Invitation:
    invitation = Invitation.objects.filter(token_hash=_hash(token)).first()
    if invitation is None:
        raise InvitationInvalid("Ce lien d'invitation n'est pas valide.")
    if invitation.used_at is not None:
        raise InvitationInvalid(
            "Ce lien d'invitation a déjà été utilisé. Connectez-vous, ou demandez une nouvelle invitation."
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            "Ce lien d'invitation a expiré. Demandez une nouvelle invitation à votre gestionnaire."
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    invitation = invitation_check(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise InvitationInvalid("Ce lien d'invitation a déjà été utilisé.")
    user = User(
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation,
        party=invitation.party,
        post=invitation.post,
        first_name=first_name,
        last_name=last_name,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    invitation.used_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["used_at", "user"])
    return user


def notice_preferences_set(*, user: User, received: list[str]) -> User:
    """Keep the optional notices ``received`` (among those the user's role may receive) on, turn
    the others of the role off. A kind the role is not offered is refused, nothing changes."""
    offered = {kind.value for kind in notice_kinds_for(user.role)}
    unknown = set(received) - offered
    if unknown:
        raise ValidationError("Cet avis n'existe pas ou ne vous est pas envoyé.")
    others = [kind for kind in (user.muted_notices or []) if kind not in offered]
    user.muted_notices = others + sorted(offered - set(received))
    user.save(update_fields=["muted_notices"])
    return user
