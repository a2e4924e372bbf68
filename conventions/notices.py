"""E-mail notices at the steps of a convention's life, queued for the worker
(``iscg.tasks.queue_email``): each has a key, so a step done twice (a retried task, a form posted
again) notifies once, and the log (``EmailLog.reference``) says what was sent to whom and when.

Recipients are the accounts attached to the parties (partners) and the organisation's
gestionnaires; a party without an account gets nothing (its representative signs on paper)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from conventions.models import Convention
from iscg.formatting import format_date_long, format_euros
from iscg.models import NoticeKind, Role, User
from iscg.tasks import queue_emails_to


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _partners(party_ids) -> list[User]:
    return list(
        User.objects.filter(role=Role.PARTENAIRE, party_id__in=party_ids, is_active=True)
        .exclude(email="")
        .order_by("email")
    )


def _gestionnaires(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role=Role.GESTIONNAIRE, organisation_id=organisation_id, is_active=True
        ).order_by("email")
    )


def convention_signed(convention: Convention) -> int:
    """Every party's accounts and the gestionnaires: the convention is signed by all, with the
    link to its page (signed PDF). Returns how many e-mails were queued."""
    parties = convention.memberships.values_list("party_id", flat=True)
    recipients = _partners(parties) + _gestionnaires(convention.organisation_id)
    link = _link(convention.get_absolute_url())
    signed = format_date_long(convention.signature_date) if convention.signature_date else ""
    return queue_emails_to(
        recipients,
        key=f"convention-signee:{convention.pk}",
        kind=NoticeKind.CONVENTION_SIGNED,
        organisation=convention.organisation,
        reference=convention.reference,
        subject=f"Convention {convention.reference} signée par toutes les parties",
        body=(
            "Bonjour,\n\n"
            f"La convention « {convention.title} » ({convention.reference}) a été signée "
            f"par toutes les parties{f' (dernière signature le {signed})' if signed else ''}."
            f"\n\nVous pouvez la consulter et en télécharger le PDF : {link}\n"
        ),
    )


def titre_issued(payment) -> int:
    """The accounts of the party that owes a titre de recettes: its number, amount, object and
    the link to what the party owes. Returns how many e-mails were queued."""
    line = payment.share_line
    convention = line.convention
    link = _link(reverse("financing:my_financing"))
    number = f" n° {payment.number}" if payment.number else ""
    return queue_emails_to(
        _partners([line.party_id]),
        key=f"titre-emis:{payment.pk}",
        kind=NoticeKind.TITRE_ISSUED,
        organisation=convention.organisation,
        reference=convention.reference,
        subject=f"Titre de recettes{number} : {format_euros(payment.amount_issued)} à verser",
        body=(
            "Bonjour,\n\n"
            f"{convention.organisation} a émis un titre de recettes{number} de "
            f"{format_euros(payment.amount_issued)} à l'ordre de {line.party}, pour sa part "
            f"{line.year} de la convention « {convention.title} » ({convention.reference})."
            f"\n\nCe que vous avez à verser, par année : {link}\n"
        ),
    )
