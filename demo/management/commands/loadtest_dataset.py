"""`python manage.py loadtest_dataset --manifest FILE`: the load test's data (demo.loadtest)."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from demo import loadtest


class Command(BaseCommand):
    help = (
        "Crée les données du test de charge (conventions à signer électroniquement, bilans à "
        "saisir et à examiner) par-dessus la démonstration, et écrit leur manifeste JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--signers", type=int, default=50)
        parser.add_argument("--per-signer", type=int, default=25)
        parser.add_argument("--intervenants", type=int, default=15)
        parser.add_argument("--manifest", required=True, help="fichier JSON écrit pour locust")

    def handle(self, *args, signers, per_signer, intervenants, manifest, **options):
        start = time.perf_counter()
        try:
            data = loadtest.build(signers=signers, per_signer=per_signer, intervenants=intervenants)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with open(manifest, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
        total = sum(len(refs) for refs in data["signers"].values())
        self.stdout.write(
            f"{total} conventions à signer pour {len(data['signers'])} signataires, "
            f"{len(data['intervenants'])} intervenants, {len(data['reviews'])} bilans à examiner "
            f"en {time.perf_counter() - start:.1f} s."
        )
