"""python manage.py seal_certificate --demo: a self-signed demonstration seal certificate."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from conventions import sealing


class Command(BaseCommand):
    help = (
        "Crée le certificat de démonstration du sceau (PKCS#12 auto-signé, « Certificat de "
        "démonstration — sans valeur juridique ») là où SEAL_PKCS12_PATH l'indique, s'il "
        "n'existe pas encore."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Certificat auto-signé de démonstration (le seul que la commande sait créer).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Remplacer le fichier s'il existe déjà."
        )
        parser.add_argument(
            "--organisation",
            default="ISCG conventions (démonstration)",
            help="Nom de l'organisation écrit dans le certificat.",
        )

    def handle(self, *args, demo, force, organisation, **options):
        if not demo:
            raise CommandError(
                "Seul un certificat de démonstration se crée ici (--demo) ; un vrai certificat "
                "vient d'une autorité de certification : voir docs/deployment.md."
            )
        path = Path(settings.SEAL_PKCS12_PATH)
        if path.exists() and not force:
            self.stdout.write(f"Certificat du sceau déjà présent : {path}")
            return
        sealing.make_certificate(
            path, settings.SEAL_PKCS12_PASSWORD, organisation=organisation, demo=True
        )
        self.stdout.write(f"Certificat de démonstration du sceau créé : {path}")
