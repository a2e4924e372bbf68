"""python manage.py seal_signed_documents: every signed convention gets its final document."""

from django.core.management.base import BaseCommand

from conventions import services
from iscg.formatting import count_words


class Command(BaseCommand):
    help = (
        "Donne à chaque convention signée qui ne l'a pas encore son document final (texte "
        "signé, certificat de signature), rendu et scellé par le travailleur : les conventions "
        "signées avant le sceau, celles de la démo. Sans effet sur les autres. Par défaut, le "
        "travailleur fait tout (une tâche en file) ; --now décide ici même."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Décider sans attendre.")

    def handle(self, *args, now, **options):
        if not now:
            from conventions.tasks import decide_final_documents

            decide_final_documents.enqueue()
            self.stdout.write("Documents finaux des conventions signées : confiés au travailleur.")
            return
        decided, errors = services.final_documents_decide()
        self.stdout.write(
            f"{count_words(decided, 'document final', 'documents finaux')} à sceller par le "
            "travailleur."
        )
        for line in errors:
            self.stderr.write(line)
