"""E-mail notices of the bilans' circuit, queued for the worker: the coordinator's decision
(validated, or sent back with what to correct) goes to the post's intervenant and to the
organisation's gestionnaires. Keyed by the decision's time: each decision notifies once."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from iscg.models import NoticeKind, Role, User
from iscg.tasks import queue_emails_to
from reporting.models import Bilan


def _recipients(bilan: Bilan) -> list[User]:
    post = bilan.post
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.INTERVENANT, post=post)
            | Q(role=Role.GESTIONNAIRE, organisation_id=post.organisation_id)
        )
        .order_by("email")
    )


def _queue(bilan: Bilan, *, event: str, subject: str, body: str) -> int:
    stamp = bilan.reviewed_at.isoformat() if bilan.reviewed_at else ""
    return queue_emails_to(
        _recipients(bilan),
        key=f"bilan-{event}:{bilan.pk}:{stamp}",
        kind=NoticeKind.BILAN_DECISION,
        organisation=bilan.post.organisation,
        subject=subject,
        body=body,
    )


def bilan_validated(bilan: Bilan) -> int:
    link = settings.SITE_URL.rstrip("/") + bilan.get_absolute_url()
    return _queue(
        bilan,
        event="valide",
        subject=f"Bilan {bilan.year} de {bilan.post} validé",
        body=(
            "Bonjour,\n\n"
            f"Le bilan d'activité {bilan.year} du poste « {bilan.post} » a été validé par la "
            f"coordination.{f' Commentaire : {bilan.review_comment}' if bilan.review_comment else ''}"
            f"\n\nLe bilan : {link}\n"
        ),
    )


def bilan_returned(bilan: Bilan) -> int:
    link = settings.SITE_URL.rstrip("/") + bilan.get_absolute_url()
    return _queue(
        bilan,
        event="renvoye",
        subject=f"Bilan {bilan.year} de {bilan.post} à corriger",
        body=(
            "Bonjour,\n\n"
            f"La coordination renvoie le bilan d'activité {bilan.year} du poste « {bilan.post} » "
            f"pour correction : {bilan.review_comment}\n\nCorriger le bilan : {link}\n"
        ),
    )
