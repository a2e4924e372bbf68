"""python manage.py verify_pdf FILE: the signatures of a PDF, checked; non-zero exit when a
signature is broken or the file was modified after signing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from conventions import sealing
from conventions.models import DocumentVersion


class Command(BaseCommand):
    help = (
        "Vérifie les signatures d'un PDF (signataire, date, intégrité, couverture, sceau de "
        "l'organisation). Code de sortie 0 : intact ou sans signature ; 1 : signature rompue "
        "ou fichier modifié après signature ; 2 : fichier illisible."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Le PDF à vérifier")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise CommandError(f"Fichier introuvable : {file}", returncode=2) from error
        if size > settings.VERIFY_PDF_MAX_BYTES:
            raise CommandError(
                f"Le fichier dépasse la taille permise ({settings.VERIFY_PDF_MAX_BYTES} octets).",
                returncode=2,
            )
        verification = sealing.verify_pdf(path.read_bytes())
        if verification.error:
            raise CommandError(verification.error, returncode=2)
        self.stdout.write(f"{path.name} — SHA-256 {verification.sha256}")
        self.stdout.write(verification.summary)
        for number, check in enumerate(verification.signatures, 1):
            self.stdout.write(f"\n{number}. « {check.field_name} »")
            for line in check.summary:
                self.stdout.write(f"   {line}")
        if verification.is_sealed_by_us:
            known = (
                DocumentVersion.objects.filter(sha256=verification.sha256)
                .select_related("convention")
                .first()
            )
            self.stdout.write(
                f"\nDocument enregistré : {known.convention.reference}, version {known.number}."
                if known is not None
                else "\nAucun document enregistré dans cette base n'a cette empreinte."
            )
        if verification.is_signed and not verification.is_intact:
            raise CommandError(verification.problem, returncode=1)
