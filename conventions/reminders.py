"""Deadline reminders: each gestionnaire gets, once a day, the deadlines of the coming days
(queued e-mails; the worker's daily schedule runs it, as does ``manage.py send_reminders``)."""

from datetime import date, timedelta

from conventions.deadlines import upcoming
from conventions.selectors import deadlines_for
from iscg.formatting import format_date_long
from iscg.models import Role, User
from iscg.tasks import queue_email


def queue_deadline_reminders(*, today: date, days: int, base_url: str) -> int:
    """Queue one e-mail per gestionnaire who has deadlines within ``days``; returns how many.
    Keyed by user and day: run twice the same day, it queues nothing more."""
    queued = 0
    gestionnaires = User.objects.filter(role=Role.GESTIONNAIRE, is_active=True).select_related(
        "organisation"
    )
    for user in gestionnaires:
        items = upcoming(deadlines_for(user), today=today, days=days)
        if not items:
            continue
        lines = [
            f"- {format_date_long(d.date)} : {d.label} ({base_url.rstrip('/')}{d.url})"
            for d in items
        ]
        log = queue_email(
            key=f"rappel-echeances:{user.pk}:{today.isoformat()}:{days}",
            organisation=user.organisation,
            to=[user.email],
            subject=(
                f"ISCG : {len(items)} échéance{'s' if len(items) > 1 else ''} "
                f"dans les {days} prochains jours"
            ),
            body=(
                f"Bonjour,\n\nÉchéances des conventions de {user.organisation} "
                f"d'ici le {format_date_long(today + timedelta(days=days))} :\n\n"
                + "\n".join(lines)
                + "\n"
            ),
        )
        queued += log is not None
    return queued
