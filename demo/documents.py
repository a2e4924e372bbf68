"""Demo step: install the shipped templates and draft every demo convention from one of them.

Pas-de-Calais conventions use the template of their kind (the annexes 3, 6, 13 and 14 they were
written from); Dijon its own; Quimper and Aubervilliers, whose texts are not in the sources, the
national model. A convention's text is (re)copied only while it is an unmodified copy of a
version of the same template and no document has been frozen for it: a second run changes
nothing, and a text edited in the browser is kept.
"""

from __future__ import annotations

from django.db import transaction

from conventions.models import Convention, ConventionKind, DocumentKind
from conventions.template_library import install_templates

PDC_TEMPLATES = {
    ConventionKind.MISE_A_DISPOSITION: "pdc-mise-a-disposition",
    ConventionKind.OBJECTIFS: "pdc-objectifs",
    ConventionKind.FINANCEMENT: "pdc-financement-epci",
    ConventionKind.PARTENARIAT: "pdc-partenariat-association",
}
OTHER_TEMPLATES = {
    "DIJON2022": "dijon-triennale",
    "QUIMPER2023": "modele-national",
    "AUBERVILLIERS2013": "modele-national",
}


def template_slug_for(convention: Convention) -> str | None:
    if convention.reference.startswith("PDC2023-"):
        return PDC_TEMPLATES.get(convention.kind)
    return OTHER_TEMPLATES.get(convention.reference)


@transaction.atomic
def load_document_templates() -> None:
    versions = install_templates()
    references = [f"PDC2023-A{annex:02d}" for annex in range(3, 18)] + list(OTHER_TEMPLATES)
    conventions = Convention.objects.filter(reference__in=references).select_related(
        "template_version__template"
    )
    for convention in conventions:
        slug = template_slug_for(convention)
        version = versions.get(slug) if slug else None
        if version is None:
            continue
        current = convention.template_version
        if current == version and convention.text == version.as_text():
            continue
        if current is None:
            untouched = not convention.text
        else:
            untouched = (
                current.template_id == version.template_id and convention.text == current.as_text()
            )
        frozen = convention.documents.filter(kind=DocumentKind.GENERATED, is_frozen=True)
        if not untouched or frozen.exists():
            continue
        convention.template_version = version
        convention.text = version.as_text()
        convention.save(update_fields=["template_version", "text", "updated_at"])
