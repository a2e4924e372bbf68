"""``python manage.py load_demo``: load (or refresh) the demo data; safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from demo.load import load_demo
from demo.users import demo_logins_text


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (Pas-de-Calais, Finistère, Dijon, Aubervilliers) "
        "depuis demo/data/. Relancer la commande ne crée aucun doublon."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Données de démonstration chargées : "
                f"{counts['organisations']} organisations, {counts['parties']} parties, "
                f"{counts['posts']} postes, {counts['conventions']} conventions."
            )
        )
        self.stdout.write(demo_logins_text())
