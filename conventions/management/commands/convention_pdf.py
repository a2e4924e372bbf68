"""python manage.py convention_pdf REFERENCE -o FILE: the convention's PDF, as the app serves it."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from conventions import services
from conventions.models import Convention
from iscg.formatting import count_words


class Command(BaseCommand):
    help = (
        "Écrit le PDF d'une convention (version enregistrée si son texte n'a pas changé, "
        "ou texte figé depuis l'envoi à la signature)."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="Référence de la convention, ex. PDC2023-A13")
        parser.add_argument("-o", "--output", required=True, help="Fichier PDF à écrire")

    def handle(self, *args, reference, output, **options):
        convention = Convention.objects.filter(reference=reference).first()
        if convention is None:
            raise CommandError(f"Aucune convention « {reference} ».")
        try:
            document = services.document_rendered(
                services.convention_document(convention=convention, render_sent=True)
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with document.file.open("rb") as source:
            Path(output).write_bytes(source.read())
        self.stdout.write(
            f"{output} : {convention.reference}, version {document.number}, "
            f"{count_words(document.pages, 'page')}, SHA-256 {document.sha256[:16]}…"
        )
