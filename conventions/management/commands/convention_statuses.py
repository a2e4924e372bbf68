"""python manage.py convention_statuses: "signée" → "en vigueur" → "expirée" by date (daily)."""

from datetime import date

from django.core.management.base import BaseCommand

from conventions.services import convention_statuses_update


class Command(BaseCommand):
    help = (
        "Met à jour les statuts par date : une convention signée entre en vigueur à sa date "
        "de début et expire le lendemain de sa fin. À lancer chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="Date du jour (AAAA-MM-JJ)")

    def handle(self, *args, **options):
        changes = convention_statuses_update(today=options.get("date"))
        for change in changes:
            self.stdout.write(f"{change.convention.reference} : {change.old} → {change.new}")
        self.stdout.write(f"{len(changes)} statut(s) mis à jour.")
