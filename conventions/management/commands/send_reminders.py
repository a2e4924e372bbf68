"""`python manage.py send_reminders`: queue for each gestionnaire the deadlines of the coming
30 days, and the notices of préavis and end due today (``conventions.reminders``). The worker
already does it once a day (``conventions.tasks.daily_reminders``); this command is for a run by
hand or a cron without worker schedule. Prints how many were queued."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand

from conventions.reminders import queue_deadline_notices, queue_deadline_reminders


class Command(BaseCommand):
    help = "Met en file, pour chaque gestionnaire, les échéances des 30 prochains jours."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--date", help="Date du jour (AAAA-MM-JJ), pour les essais.")
        parser.add_argument("--base-url", default=settings.SITE_URL)

    def handle(self, *args, days, date=None, base_url, **options):
        today = _parse_date(date) if date else _today()
        queued = queue_deadline_reminders(
            today=today, days=days, base_url=base_url
        ) + queue_deadline_notices(today=today, base_url=base_url)
        self.stdout.write(
            f"{queued} rappel{'s' if queued > 1 else ''} mis en file "
            "(envoyés par le travailleur des tâches)."
        )


def _today() -> date:
    return date.today()


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)
