"""Outward work of the accounts and of the whole product: e-mails. Each e-mail is logged when
queued (``EmailLog``) and sent by the worker; the log's key makes a retried task send it once."""

import re

from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

from iscg.emails import html_from_text, text_footer
from iscg.models import EmailLog, User


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
    kind: str | None = None,
) -> EmailLog | None:
    """Log an e-mail and queue its sending (after the current transaction commits: the queue is
    in the same database). A key already logged queues nothing (``None``): the same notice is
    never sent twice.

    ``kind`` (an ``iscg.models.NoticeKind``) makes it an optional notice: the addresses of users
    who turned that kind off are dropped, and with nobody left nothing is logged nor sent
    (``None``). Without ``kind`` the e-mail is mandatory (invitation, signature request).
    Without ``html``, the HTML part is built from the text in the product's layout
    (``iscg.emails.html_from_text``); the text gets the footer with the preferences link."""
    if EmailLog.objects.filter(key=key).exists():
        return None
    to = _wanting(list(to), kind)
    if not to:
        return None
    if not html:
        html = html_from_text(
            body,
            subject=subject,
            organisation=str(organisation) if organisation else "",
            reference=reference,
            personal=personal,
        )
        body = body.rstrip("\n") + "\n" + text_footer(personal=personal)
    log, created = EmailLog.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
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


def _wanting(to: list[str], kind: str | None) -> list[str]:
    """``to`` without the addresses of the accounts that turned ``kind`` off."""
    if not kind:
        return to
    muted = {
        user.email.lower()
        for user in User.objects.filter(email__in=[address.lower() for address in to])
        if not user.receives(kind)
    }
    return [address for address in to if address.lower() not in muted]


def queue_emails_to(users, *, key: str, kind: str | None = None, **message) -> int:
    """``queue_email`` for each user (its own copy, keyed ``key:<user pk>``); returns how many
    were queued (a user already notified under that key is not again, nor one who turned
    ``kind`` off)."""
    return sum(
        queue_email(key=f"{key}:{user.pk}", to=[user.email], **message) is not None
        for user in users
        if user.receives(kind)
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


@task()
def prepare_file(*, prepared_id: int, organisation_id: int | None = None) -> str:
    """Prepare a file asked for in a web request (a PDF, a ZIP), recording its progress
    (``iscg.downloads.build``; idempotent: a retry after it was stored does nothing)."""
    from iscg import downloads

    return downloads.build(prepared_id)


@task()
def purge_prepared_files(*, day: str) -> int:
    """The day's purge of old prepared files and of old imports with their deposited file
    (``iscg.downloads.purge``, ``iscg.imports.purge``)."""
    from iscg import downloads, imports

    return downloads.purge() + imports.purge()


@task()
def run_import(*, job_id: int, organisation_id: int) -> str:
    """Import a deposited spreadsheet, all or nothing, recording its progress and outcome on
    the job (``iscg.imports.run``; idempotent: a finished job is not run again)."""
    from iscg import imports

    return imports.run(job_id)
