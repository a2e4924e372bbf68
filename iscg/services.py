"""Account services: invitations (create, replace, revoke, check, accept), the calendar link's
key, notice preferences."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iscg.formatting import format_date_long
from iscg.history import attribute
from iscg.models import (
    Invitation,
    Role,
    User,
    new_calendar_key,
    normalize_email,
    notice_kinds_for,
)
from iscg.tasks import queue_email


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str
    #: The open invitation to the same address that this one replaced (its link is dead).
    replaced: Invitation | None = None


def invitation_create(*, by: User, email: str, role: str, party=None, post=None) -> NewInvitation:
    """Invite a partner (attached to a party) or an intervenant (attached to a post).

    One open invitation per address and organisation: a new one replaces the previous (whose
    link dies at once, marked withdrawn in its history). Whether the address already has an
    account is not said (no one learns who has an account): the same invitation is sent, and
    its link then says, to the one who reads the mail, to log in instead."""
    email = normalize_email(email)
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
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            previous = (
                Invitation.objects.select_for_update()
                .open()
                .filter(organisation_id=by.organisation_id, email=email)
                .first()
            )
            if previous is not None:
                previous.revoked_at, previous.revoked_by = now, by
                attribute(previous, by=by, reason="Remplacée par une nouvelle invitation")
                previous.save(update_fields=["revoked_at", "revoked_by"])
            invitation = Invitation(
                email=email,
                role=role,
                organisation_id=by.organisation_id,
                party=party if role == Role.PARTENAIRE else None,
                post=post if role == Role.INTERVENANT else None,
                token_hash=_hash(token),
                created_by=by,
                expires_at=now + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
            )
            attribute(invitation, by=by, reason="Invitation envoyée")
            invitation.save()
    except IntegrityError:
        # Another gestionnaire invited the same address at the same instant.
        raise ValidationError(
            "Une autre invitation vient d'être envoyée à cette adresse : rechargez la page."
        ) from None
    return NewInvitation(invitation=invitation, token=token, replaced=previous)


def invitation_sent_message(new: NewInvitation) -> str:
    """What the gestionnaire reads once the invitation is queued: the same words whether the
    address has an account or not."""
    message = f"Invitation envoyée à {new.invitation.email}."
    if new.replaced is not None:
        message += (
            f" Elle remplace celle du {format_date_long(timezone.localdate(new.replaced.created_at))}"
            ", dont le lien ne fonctionne plus."
        )
    return message


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """Withdraw an open invitation (« Révoquer »): its link stops working at once."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(
            "Cette invitation a déjà été utilisée : le compte existe, elle ne peut plus être retirée."
        )
    if invitation.revoked_at is not None:
        raise ValidationError("Cette invitation est déjà retirée.")
    invitation.revoked_at, invitation.revoked_by = timezone.now(), by
    attribute(invitation, by=by, reason="Invitation retirée")
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


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
    if invitation.revoked_at is not None:
        raise InvitationInvalid(
            "Ce lien d'invitation a été retiré ou remplacé par une invitation plus récente. "
            "Utilisez le dernier lien reçu, ou demandez une nouvelle invitation à votre gestionnaire."
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            "Ce lien d'invitation a expiré. Demandez une nouvelle invitation à votre gestionnaire."
        )
    return invitation


ACCOUNT_EXISTS = (
    "Un compte existe déjà pour cette adresse : connectez-vous avec votre mot de passe "
    "(ou réinitialisez-le depuis la page de connexion). Une invitation ne crée pas de second "
    "compte ; pour un autre rattachement, adressez-vous à votre gestionnaire."
)


class InvitationConflict(InvitationInvalid):
    """The link is valid but cannot create the account (one exists, another is signed in)."""


def invitation_conflict(invitation: Invitation, *, signed_in: User | None) -> str:
    """Why the link cannot create its account now ("" when it can), in French, for the one
    who opened it (the invitation's own address may be named: the link was sent to it)."""
    if signed_in is not None and signed_in.is_authenticated:
        if normalize_email(signed_in.email) == invitation.email:
            return (
                "Votre compte existe déjà et vous êtes connecté : cette invitation est sans objet."
            )
        return (
            f"Vous êtes connecté avec un autre compte que celui de l'invitation "
            f"({invitation.email}). Déconnectez-vous, puis rouvrez le lien de l'invitation."
        )
    if User.objects.filter(email=invitation.email).exists():
        return ACCOUNT_EXISTS
    return ""


def invitation_accept(
    *, token: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create the invited account; an existing account (another invitation accepted first,
    even at the same instant) is a French refusal, nothing written."""
    try:
        with transaction.atomic():
            invitation = invitation_check(token)
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.used_at is not None or invitation.revoked_at is not None:
                raise InvitationInvalid("Ce lien d'invitation a déjà été utilisé ou retiré.")
            if User.objects.filter(email=invitation.email).exists():
                raise InvitationConflict(ACCOUNT_EXISTS)
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
            attribute(invitation, by=user, reason="Invitation acceptée : compte créé")
            invitation.save(update_fields=["used_at", "user"])
    except IntegrityError:  # the same address, accepted in parallel through another invitation
        raise InvitationConflict(ACCOUNT_EXISTS) from None
    except ValidationError as exc:
        if "email" in getattr(exc, "error_dict", {}):
            raise InvitationConflict(ACCOUNT_EXISTS) from None
        raise
    return user


def calendar_key_regenerate(*, user: User) -> User:
    """« Régénérer le lien »: a new key for the calendar feed; every link given before dies."""
    user.calendar_key = new_calendar_key()
    user.save(update_fields=["calendar_key"])
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
