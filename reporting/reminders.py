"""Bilan due / late notices, run once a day by the worker (``reporting.tasks.daily_bilan_reminders``):
the post's intervenant gets one e-mail per bilan, the organisation's gestionnaires one e-mail a
day listing the bilans concerned. When each notice is due is ``rules.reminder_due``; the due date
is the one of the dashboard (``selectors.due_dates``: the convention's ``ReportDeadline``, else
31 January N+1), and the posts expected for a year too (``selectors.posts_of_year``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse

from conventions.models import Post
from iscg.formatting import count_words, format_date_long
from iscg.models import NoticeKind, Organisation, Role, User
from iscg.tasks import queue_emails_to
from reporting import rules, selectors
from reporting.models import TRANSMITTED_STATUSES, Bilan, BilanReminder


@dataclass(frozen=True)
class Reminder:
    post: Post
    year: int
    due: date
    kind: str  # rules.DUE_SOON or rules.LATE
    bilan: Bilan | None

    @property
    def path(self) -> str:
        """The bilan's page, or the page to enter it when there is none yet."""
        if self.bilan is not None:
            return self.bilan.get_absolute_url()
        return reverse("reporting:bilan_create", args=[self.post.pk, self.year])

    @property
    def sentence(self) -> str:
        day = format_date_long(self.due)
        if self.kind == rules.LATE:
            return f"le bilan {self.year} du poste « {self.post} », attendu le {day}, est en retard"
        return f"le bilan {self.year} du poste « {self.post} » est à transmettre d'ici le {day}"


def years_to_watch(today: date) -> list[int]:
    """The bilan years whose due date (in the following year) may be near or just past."""
    return [today.year - 2, today.year - 1, today.year]


def reminders_for(organisation: Organisation, today: date) -> list[Reminder]:
    """The organisation's bilans that call for a notice today (a query per year watched)."""
    found: list[Reminder] = []
    posts = Post.objects.filter(organisation=organisation)
    for year in years_to_watch(today):
        year_posts = list(
            selectors.posts_of_year(posts, year)
            .filter(Q(end_date__isnull=True) | Q(end_date__year__gte=year))
            .order_by("name")
        )
        if not year_posts:
            continue
        ids = [post.pk for post in year_posts]
        dates = selectors.due_dates(ids, [year])
        bilans = {b.post_id: b for b in Bilan.objects.filter(post_id__in=ids, year=year)}
        sent = {
            (row["post_id"], row["kind"]): row["last"]
            for row in BilanReminder.objects.filter(post_id__in=ids, year=year)
            .values("post_id", "kind")
            .annotate(last=Max("day"))
        }
        for post in year_posts:
            due = selectors.due_date_for(dates, post.pk, year)
            bilan = bilans.get(post.pk)
            kind = rules.reminder_due(
                due,
                today,
                transmitted=bilan is not None and bilan.status in TRANSMITTED_STATUSES,
                soon_sent_on=sent.get((post.pk, rules.DUE_SOON)),
                last_late_on=sent.get((post.pk, rules.LATE)),
            )
            if kind:
                found.append(Reminder(post, year, due, kind, bilan))
    return found


def _intervenant_message(reminder: Reminder, link: str) -> tuple[str, str]:
    day = format_date_long(reminder.due)
    what = f"Le bilan d'activité {reminder.year} du poste « {reminder.post} »"
    if reminder.kind == rules.LATE:
        subject = f"Bilan {reminder.year} de {reminder.post} en retard"
        body = (
            f"Bonjour,\n\n{what} était attendu le {day} et n'a pas encore été transmis.\n\n"
            f"Saisir ou transmettre le bilan : {link}\n"
        )
    else:
        subject = f"Bilan {reminder.year} de {reminder.post} à transmettre avant le {day}"
        body = (
            f"Bonjour,\n\n{what} est à transmettre d'ici le {day}.\n\n"
            f"Saisir ou transmettre le bilan : {link}\n"
        )
    return subject, body


def queue_bilan_reminders(*, today: date, base_url: str) -> int:
    """Record and queue the day's bilan notices; returns how many e-mails were queued. Run
    twice the same day, it queues nothing more (keys by day, ``BilanReminder`` once a day)."""
    base = base_url.rstrip("/")
    queued = 0
    for organisation in Organisation.objects.order_by("pk"):
        with transaction.atomic():
            reminders = reminders_for(organisation, today)
            if not reminders:
                continue
            for reminder in reminders:
                BilanReminder.objects.get_or_create(
                    post=reminder.post, year=reminder.year, kind=reminder.kind, day=today
                )
                subject, body = _intervenant_message(reminder, base + reminder.path)
                intervenants = User.objects.filter(
                    role=Role.INTERVENANT, post=reminder.post, is_active=True
                ).order_by("email")
                queued += queue_emails_to(
                    intervenants,
                    key=f"bilan-{reminder.kind}:{reminder.post.pk}:{reminder.year}:{today}",
                    kind=NoticeKind.BILAN_DUE,
                    organisation=organisation,
                    subject=subject,
                    body=body,
                )
            late = sum(r.kind == rules.LATE for r in reminders)
            soon = len(reminders) - late
            counts = []
            if soon:
                counts.append(count_words(soon, "bilan bientôt dû", "bilans bientôt dus"))
            if late:
                counts.append(count_words(late, "bilan en retard", "bilans en retard"))
            lines = [
                f"- {r.sentence[0].upper()}{r.sentence[1:]} : {base}{r.path}" for r in reminders
            ]
            gestionnaires = User.objects.filter(
                role=Role.GESTIONNAIRE, organisation=organisation, is_active=True
            ).order_by("email")
            queued += queue_emails_to(
                gestionnaires,
                key=f"bilans-echeances:{organisation.pk}:{today}",
                kind=NoticeKind.BILAN_DUE,
                organisation=organisation,
                subject=f"ISCG : {' et '.join(counts)}",
                body=(
                    f"Bonjour,\n\nBilans d'activité des postes de {organisation} :\n\n"
                    + "\n".join(lines)
                    + f"\n\nLe tableau de bord des bilans : {base}{reverse('reporting:current_year')}\n"
                ),
            )
    return queued
