"""`python manage.py generate_dataset --organisations N --posts-per-org M --years Y`."""

import time

from django.core.management.base import BaseCommand

from demo.dataset import generate_dataset


class Command(BaseCommand):
    help = "Construit un jeu de données synthétique réaliste (parties, postes, conventions, plans, bilans, paiements)."

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=10)
        parser.add_argument("--posts-per-org", type=int, default=15)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--last-year", type=int, default=None)

    def handle(self, *args, organisations, posts_per_org, years, last_year, **options):
        start = time.perf_counter()
        counts = generate_dataset(organisations, posts_per_org, years, last_year)
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"{counts['organisations']} organisations, {counts['posts']} postes, {counts['conventions']} conventions, "
            f"{counts['share_lines']} parts de financement, {counts['payments']} paiements, "
            f"{counts['bilans']} bilans en {elapsed:.1f} s."
        )
