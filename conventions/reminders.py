"""Deadline reminders to the gestionnaires (queued e-mails; the worker's daily schedule runs
them, as does ``manage.py send_reminders``):

- the digest: once a day, the deadlines of the coming days (``queue_deadline_reminders``);
- the notices, each once per convention and date (``queue_deadline_notices``): the last day to
  denounce a convention that renews itself unless denounced (``PREAVIS_LEAD_DAYS`` before), and
  the end of a convention that nothing renews (``END_LEAD_DAYS`` before).

The dates are those of ``conventions.deadlines.convention_deadlines`` (no second computation)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from conventions.deadlines import Deadline, convention_deadlines, upcoming
from conventions.models import SIGNED_STATUSES, Convention
from conventions.selectors import deadlines_for
from iscg.formatting import count_words, format_date_long
from iscg.models import NoticeKind, Organisation, Role, User
from iscg.tasks import queue_email, queue_emails_to

#: The notice of the last day to denounce a self-renewing convention, this many days before.
PREAVIS_LEAD_DAYS = 30
#: The notice of the end of a convention that nothing renews, this many days before.
END_LEAD_DAYS = 60


def queue_deadline_reminders(*, today: date, days: int, base_url: str) -> int:
    """Queue one e-mail per gestionnaire who has deadlines within ``days``; returns how many.
    Keyed by user and day: run twice the same day, it queues nothing more."""
    queued = 0
    gestionnaires = User.objects.filter(role=Role.GESTIONNAIRE, is_active=True).select_related(
        "organisation"
    )
    for user in gestionnaires:
        if not user.receives(NoticeKind.DEADLINES):
            continue
        items = upcoming(deadlines_for(user), today=today, days=days)
        if not items:
            continue
        lines = [
            f"- {format_date_long(d.date)} : {d.label} ({base_url.rstrip('/')}{d.url})"
            for d in items
        ]
        log = queue_email(
            key=f"rappel-echeances:{user.pk}:{today.isoformat()}:{days}",
            kind=NoticeKind.DEADLINES,
            organisation=user.organisation,
            to=[user.email],
            subject=(
                f"ISCG : {count_words(len(items), 'échéance')} dans les {days} prochains jours"
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


@dataclass(frozen=True)
class DeadlineNotice:
    """A notice to send about one deadline of one signed convention."""

    convention: Convention
    deadline: Deadline


def notices_due(convention: Convention, *, today: date, renewed: bool) -> list[DeadlineNotice]:
    """The notices of ``convention`` whose time has come on ``today`` (pure, from its
    deadlines): the last day to denounce it when it renews itself (``renewal_rule``), within
    ``PREAVIS_LEAD_DAYS``; its end when nothing renews it (no rule, no signed ``renewed``
    convention), within ``END_LEAD_DAYS``. Keyed by date, each is sent once."""
    found = []
    # Only the préavis and the end are read: the State's funding requests need not be known.
    deadlines = convention_deadlines(convention, state_funds=False)
    if convention.renewal_rule.strip():
        preavis = [d for d in deadlines if d.kind == "preavis"]
        found += upcoming(preavis, today=today, days=PREAVIS_LEAD_DAYS)
    elif not renewed:
        ends = [d for d in deadlines if d.kind == "fin"]
        found += upcoming(ends, today=today, days=END_LEAD_DAYS)
    return [DeadlineNotice(convention, deadline) for deadline in found]


def _signed_conventions(organisation: Organisation) -> Iterator[Convention]:
    yield from (
        Convention.objects.filter(organisation=organisation, status__in=SIGNED_STATUSES)
        .with_signed_renewal()
        .select_related("report_deadline")
        .order_by("reference")
    )


def _message(notice: DeadlineNotice, base_url: str) -> tuple[str, str]:
    """The subject and text of a deadline notice, in French."""
    convention, deadline = notice.convention, notice.deadline
    link = base_url.rstrip("/") + convention.get_absolute_url()
    day = format_date_long(deadline.date)
    if deadline.kind == "preavis":
        subject = f"Convention {convention.reference} : dénonciation possible jusqu'au {day}"
        body = (
            f"Bonjour,\n\nLa convention « {convention.title} » ({convention.reference}) se "
            f"renouvelle si elle n'est pas dénoncée : « {convention.renewal_rule.strip()} ».\n\n"
            f"Pour qu'elle prenne fin à son terme, la dénonciation doit partir au plus tard le "
            f"{day} (préavis de {count_words(convention.notice_months, 'mois', 'mois')}). "
            f"Sans dénonciation, elle se poursuit.\n\nLa convention : {link}\n"
        )
    else:
        subject = f"Convention {convention.reference} : fin le {day}, sans renouvellement"
        body = (
            f"Bonjour,\n\nLa convention « {convention.title} » ({convention.reference}) prend "
            f"fin le {day}. Elle ne prévoit pas de renouvellement et aucune convention signée "
            "ne la renouvelle.\n\nPour que le financement du poste continue, préparez son "
            f"renouvellement ou une nouvelle convention : {link}\n"
        )
    return subject, body


def queue_deadline_notices(*, today: date, base_url: str) -> int:
    """Queue the day's deadline notices (``notices_due``) to each organisation's gestionnaires
    who want them; returns how many e-mails were queued. Each notice goes once per convention,
    deadline and person (its key holds the date: a date changed by an avenant is told again)."""
    queued = 0
    for organisation in Organisation.objects.order_by("pk"):
        gestionnaires = list(
            User.objects.filter(
                role=Role.GESTIONNAIRE, organisation=organisation, is_active=True
            ).order_by("email")
        )
        if not gestionnaires:
            continue
        for convention in _signed_conventions(organisation):
            for notice in notices_due(
                convention, today=today, renewed=convention.has_renewal_signed
            ):
                subject, body = _message(notice, base_url)
                queued += queue_emails_to(
                    gestionnaires,
                    key=(
                        f"echeance-{notice.deadline.kind}:{convention.pk}:"
                        f"{notice.deadline.date.isoformat()}"
                    ),
                    kind=NoticeKind.DEADLINES,
                    organisation=organisation,
                    reference=convention.reference,
                    subject=subject,
                    body=body,
                )
    return queued
