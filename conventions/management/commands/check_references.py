"""python manage.py check_references: the conventions whose reference the rules of
``conventions.validators.reference_problem`` refuse (entered before them: a « / », a line
break, a space, an invisible character, a page's name…). Read only: a reference is in the
URLs, the PDFs and the letters already sent, so it is renamed by a person (back-office), never
by a migration. Exits with status 1 when there is one, for the deployment scripts."""

import sys

from django.core.management.base import BaseCommand
from django.urls import reverse

from conventions.models import Convention
from conventions.validators import normalize_reference, reference_problem, reserved_reference_names
from iscg.formatting import count_words


def reference_problems() -> list[tuple[Convention, str]]:
    """Each convention whose stored reference would be refused today, and why (in French)."""
    reserved = reserved_reference_names()
    found = []
    for convention in Convention.objects.select_related("organisation").order_by(
        "organisation__name", "reference"
    ):
        value = convention.reference
        normalised = normalize_reference(value)
        problem = reference_problem(normalised, reserved)
        if problem is None and normalised != value:
            problem = (
                "La référence n'est pas enregistrée sous sa forme normalisée "
                "(NFC, sans espace autour)."
            )
        if problem:
            found.append((convention, problem))
    return found


class Command(BaseCommand):
    help = (
        "Liste les conventions dont la référence n'est plus acceptée (caractères, longueur, "
        "nom de page) ; ne modifie rien."
    )

    def handle(self, *args, **options):
        problems = reference_problems()
        for convention, problem in problems:
            admin_url = reverse("admin:conventions_convention_change", args=[convention.pk])
            self.stdout.write(
                f"{convention.organisation.slug} · convention n° {convention.pk} · "
                f"{convention.reference!r} : {problem} (à renommer : {admin_url})"
            )
        if problems:
            self.stderr.write(f"{count_words(len(problems), 'référence')} à corriger.")
            sys.exit(1)
        self.stdout.write("Toutes les références sont conformes.")
