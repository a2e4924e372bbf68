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
        parser.add_argument(
            "--organisation",
            help="Identifiant (slug) de l'organisation, quand plusieurs ont cette référence",
        )

    def handle(self, *args, reference, output, organisation=None, **options):
        found = Convention.objects.filter(reference=reference)
        if organisation:
            found = found.filter(organisation__slug=organisation)
        conventions = list(found.select_related("organisation")[:20])
        if not conventions:
            raise CommandError(f"Aucune convention « {reference} ».")
        if len(conventions) > 1:
            slugs = ", ".join(sorted(c.organisation.slug for c in conventions))
            raise CommandError(
                f"Plusieurs organisations ont une convention « {reference} » ({slugs}) : "
                "précisez --organisation."
            )
        convention = conventions[0]
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
