"""`python manage.py send_reminders`: e-mail each gestionnaire the deadlines of the coming
30 days (meant for a daily cron). Prints how many messages were sent."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand

from conventions.deadlines import upcoming
from conventions.selectors import deadlines_for
from iscg.formatting import format_date_long
from iscg.models import Role, User


class Command(BaseCommand):
    help = "Envoie à chaque gestionnaire les échéances des 30 prochains jours."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--date", help="Date du jour (AAAA-MM-JJ), pour les essais.")
        parser.add_argument(
            "--base-url", default=getattr(settings, "SITE_URL", "http://127.0.0.1:8000")
        )

    def handle(self, *args, days, date=None, base_url, **options):
        today = _parse_date(date) if date else _today()
        sent = 0
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
            send_mail(
                subject=f"ISCG : {len(items)} échéance{'s' if len(items) > 1 else ''} dans les {days} prochains jours",
                message=(
                    f"Bonjour,\n\nÉchéances des conventions de {user.organisation} "
                    f"d'ici le {format_date_long(upcoming_end(today, days))} :\n\n"
                    + "\n".join(lines)
                    + "\n"
                ),
                from_email=None,
                recipient_list=[user.email],
            )
            sent += 1
        self.stdout.write(
            f"{sent} rappel{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}."
        )


def _today() -> date:
    return date.today()


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)


def upcoming_end(today: date, days: int) -> date:
    return today + timedelta(days=days)
