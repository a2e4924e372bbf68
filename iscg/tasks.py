"""Outward work of the accounts and of the whole product: e-mails. Each e-mail is logged when
queued (``EmailLog``) and sent by the worker; the log's key makes a retried task send it once."""

import re

from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

from iscg.models import EmailLog


def queue_email(
    *,
    key: str,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    organisation=None,
    reference: str = "",
    personal: bool = False,
) -> EmailLog | None:
    """Log an e-mail and queue its sending (after the current transaction commits: the queue is
    in the same database). A key already logged queues nothing (``None``): the same notice is
    never sent twice."""
    log, created = EmailLog.objects.get_or_create(
        key=key,
        defaults={
            "to": list(to),
            "subject": subject,
            "body": body,
            "html": html,
            "organisation": organisation,
            "reference": reference,
            "personal": personal,
        },
    )
    if not created:
        return None
    send_email.enqueue(key=key, organisation_id=organisation.pk if organisation else None)
    return log


def queue_emails_to(users, *, key: str, **message) -> int:
    """``queue_email`` for each user (its own copy, keyed ``key:<user pk>``); returns how many
    were queued (a user already notified under that key is not again)."""
    return sum(
        queue_email(key=f"{key}:{user.pk}", to=[user.email], **message) is not None
        for user in users
    )


@task()
def send_email(*, key: str, organisation_id: int | None = None) -> str:
    """Send a logged e-mail once: a retry after it left is a no-op. ``organisation_id`` (every
    task of ours takes it) says whose failures page shows the task if it fails."""
    log = EmailLog.objects.get(key=key)
    if log.sent_at is not None:
        return "déjà envoyé"
    message = EmailMultiAlternatives(subject=log.subject, body=log.body, to=log.to)
    if log.html:
        message.attach_alternative(log.html, "text/html")
    message.send()
    sent = {"sent_at": timezone.now()}
    if log.personal:
        sent |= {"body": mask_personal(log.body), "html": mask_personal(log.html)}
    EmailLog.objects.filter(pk=log.pk).update(**sent)
    return "envoyé"


LINK = re.compile(r"https?://[^\s\"'<>]+")
#: A one-time code (6 digits on their own) in a personal e-mail: a signature's second factor.
ONE_TIME_CODE = re.compile(r"(?<![\d/])\d{6}(?![\d/])")


def mask_links(text: str) -> str:
    """ "… lien : https://x/invitation/abc" → "… lien : [lien personnel retiré]"."""
    return LINK.sub("[lien personnel retiré]", text)


def mask_personal(text: str) -> str:
    """What a personal e-mail's log keeps once sent: its links and one-time codes masked."""
    return ONE_TIME_CODE.sub("[code retiré]", mask_links(text))
