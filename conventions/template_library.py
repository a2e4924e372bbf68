"""The templates shipped with the project (``conventions/doc_templates/*.txt``).

Each file holds a header (``key: value`` lines: slug, name, kind, organisation, source,
description) then sections opened by ``== name``: ``intitulé``, ``parties``, ``préambule``, one
``article : TITLE`` per article, in order, and ``formule finale``. Sections are in the template
language of ``conventions.templating``.

``install_templates()`` creates each template, or adds a version when the file changed; running it
twice changes nothing. A template naming an organisation is installed only when it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from conventions import templating
from conventions.models import ConventionKind, DocumentTemplate, TemplateVersion
from iscg.models import Organisation

LIBRARY_DIR = Path(__file__).resolve().parent / "doc_templates"
SECTIONS = {"intitulé": "title", "parties": "parties_block", "préambule": "preamble"}
CLOSING = "formule finale"
ARTICLE = "article :"


@dataclass
class ShippedTemplate:
    slug: str
    name: str
    kind: str
    organisation: str
    source: str
    description: str
    text: dict


def parse_file(path: Path) -> ShippedTemplate:
    header: dict[str, str] = {}
    text: dict = {"title": "", "parties_block": "", "preamble": "", "articles": [], "closing": ""}
    current: list[str] | None = None
    sections: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("== "):
            current = []
            sections.append((line[3:].strip(), current))
        elif current is None:
            if line.strip():
                key, _, value = line.partition(":")
                header[key.strip()] = value.strip()
        else:
            current.append(line)
    for name, body_lines in sections:
        body = "\n".join(body_lines).strip("\n")
        if name in SECTIONS:
            text[SECTIONS[name]] = body
        elif name == CLOSING:
            text["closing"] = body
        elif name.startswith(ARTICLE):
            text["articles"].append({"title": name[len(ARTICLE) :].strip(), "body": body})
        else:
            raise ValueError(f"{path.name} : section inconnue « {name} ».")
    if header.get("kind") not in ConventionKind.values:
        raise ValueError(f"{path.name} : nature inconnue « {header.get('kind')} ».")
    problems = templating.validate_text(text)
    if problems:
        raise ValueError(f"{path.name} : " + " ; ".join(str(p) for p in problems))
    return ShippedTemplate(
        slug=header["slug"],
        name=header["name"],
        kind=header["kind"],
        organisation=header.get("organisation", ""),
        source=header.get("source", ""),
        description=header.get("description", ""),
        text=text,
    )


def shipped_templates() -> list[ShippedTemplate]:
    return [parse_file(path) for path in sorted(LIBRARY_DIR.glob("*.txt"))]


@transaction.atomic
def install_template(shipped: ShippedTemplate, organisation: Organisation | None):
    """Create the template, or add a version when its text changed; return the current version."""
    template = DocumentTemplate.objects.filter(organisation=organisation, slug=shipped.slug).first()
    values = {
        "name": shipped.name,
        "kind": shipped.kind,
        "source": shipped.source,
        "description": shipped.description,
    }
    if template is None:
        template = DocumentTemplate(organisation=organisation, slug=shipped.slug, **values)
        template.full_clean()
        template.save()
    elif any(getattr(template, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(template, key, value)
        template.full_clean()
        template.save()
    current = template.current_version
    if current is not None and current.as_text() == shipped.text:
        return current
    return TemplateVersion.objects.create(
        template=template,
        number=(current.number + 1) if current else 1,
        note="Modèle livré avec l'application" if current is None else "Mise à jour livrée",
        **shipped.text,
    )


def install_templates() -> dict[str, TemplateVersion]:
    """Install every shipped template whose organisation exists; versions by slug."""
    installed = {}
    for shipped in shipped_templates():
        organisation = None
        if shipped.organisation:
            organisation = Organisation.objects.filter(slug=shipped.organisation).first()
            if organisation is None:
                continue
        installed[shipped.slug] = install_template(shipped, organisation)
    return installed


def missing_shared_templates() -> list[ShippedTemplate]:
    """The shipped templates shared by every organisation (no organisation named) that are not
    installed yet: a new organisation's gestionnaire installs them from the templates' page."""
    installed = set(
        DocumentTemplate.objects.filter(organisation__isnull=True).values_list("slug", flat=True)
    )
    return [t for t in shipped_templates() if not t.organisation and t.slug not in installed]


@transaction.atomic
def install_shared_templates() -> list[TemplateVersion]:
    """Install the shared shipped templates not installed yet; their versions (none when every
    one is there already). Never changes a template already installed."""
    return [install_template(shipped, None) for shipped in missing_shared_templates()]
