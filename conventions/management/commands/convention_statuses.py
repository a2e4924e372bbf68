"""python manage.py convention_statuses: store the status each signed convention reads today.

Optional: pages, lists, filters, exports and calendars derive the status from the dates when
they read it (``Convention.current_status``); this keeps the stored column in step."""

from datetime import date

from django.core.management.base import BaseCommand

from conventions.services import convention_statuses_update
from iscg.formatting import count_words


class Command(BaseCommand):
    help = (
        "Enregistre le statut que chaque convention signée lit aujourd'hui d'après ses dates "
        "(en vigueur, expirée, résiliée, renouvelée). Facultatif : les pages le calculent "
        "déjà à chaque lecture."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="Date du jour (AAAA-MM-JJ)")

    def handle(self, *args, **options):
        changes = convention_statuses_update(today=options.get("date"))
        for change in changes:
            self.stdout.write(f"{change.convention.reference} : {change.old} → {change.new}")
        self.stdout.write(
            f"{count_words(len(changes), 'statut mis à jour', 'statuts mis à jour')}."
        )
