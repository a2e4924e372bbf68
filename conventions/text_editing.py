"""Editing a text part by part, and the list of variables a gestionnaire inserts from.

Pure functions on the text dictionary (``title``, ``parties_block``, ``preamble``,
``articles``, ``closing``): which parts it has (``parts``), one part changed (``with_part``),
an article moved or removed. And the variables of ``templating.SCHEMA`` labelled in plain
French (« Nom du préfet »), grouped, with the value each takes for a convention
(``variable_groups``): the editor inserts ``{{ name }}`` for the user, who never types it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conventions import templating

NEW_ARTICLE = "nouvel-article"
_FIXED_PARTS = {
    "intitule": ("Intitulé", "title"),
    "parties": ("Bloc des parties", "parties_block"),
    "preambule": ("Préambule", "preamble"),
    "formule-finale": ("Formule finale", "closing"),
}
_ARTICLE_KEY = re.compile(r"^article-(\d{1,3})$")


@dataclass(frozen=True)
class Part:
    """One part of a text: its key in URLs, its label, its title (articles only) and body."""

    key: str
    label: str
    body: str
    title: str | None = None  # None: the part has no title of its own (not an article)
    number: int | None = None  # an article's number, from 1

    @property
    def is_article(self) -> bool:
        return self.title is not None

    @property
    def excerpt(self) -> str:
        flat = " ".join(self.body.split())
        return flat if len(flat) <= 160 else flat[:160].rstrip() + "…"


def _article_label(number: int, title: str) -> str:
    return f"Article {number} « {title} »" if title.strip() else f"Article {number}"


def parts(text: Mapping[str, Any]) -> list[Part]:
    """Every part, in reading order."""
    result = [
        Part("intitule", "Intitulé", str(text.get("title", "") or "")),
        Part("parties", "Bloc des parties", str(text.get("parties_block", "") or "")),
        Part("preambule", "Préambule", str(text.get("preamble", "") or "")),
    ]
    for number, article in enumerate(text.get("articles") or [], start=1):
        title = str(article.get("title", "") or "")
        result.append(
            Part(
                f"article-{number}",
                _article_label(number, title),
                str(article.get("body", "") or ""),
                title=title,
                number=number,
            )
        )
    result.append(Part("formule-finale", "Formule finale", str(text.get("closing", "") or "")))
    return result


def part(text: Mapping[str, Any], key: str) -> Part | None:
    """The part ``key`` names (``NEW_ARTICLE``: an empty article after the last one)."""
    if key == NEW_ARTICLE:
        number = len(text.get("articles") or []) + 1
        return Part(NEW_ARTICLE, f"Nouvel article (article {number})", "", title="", number=number)
    return next((p for p in parts(text) if p.key == key), None)


def with_part(
    text: Mapping[str, Any], key: str, *, body: str, title: str | None = None
) -> dict[str, Any]:
    """A copy of ``text`` whose part ``key`` reads ``body`` (and ``title`` for an article);
    ``NEW_ARTICLE`` appends an article. An unknown key raises ``KeyError``."""
    result = copy.deepcopy(dict(text))
    result.setdefault("articles", [])
    if key in _FIXED_PARTS:
        result[_FIXED_PARTS[key][1]] = body
        return result
    if key == NEW_ARTICLE:
        result["articles"].append({"title": title or "", "body": body})
        return result
    match = _ARTICLE_KEY.match(key)
    if not match or not 1 <= int(match[1]) <= len(result["articles"]):
        raise KeyError(key)
    result["articles"][int(match[1]) - 1] = {"title": title or "", "body": body}
    return result


def with_article_moved(text: Mapping[str, Any], number: int, offset: int) -> dict[str, Any]:
    """A copy with article ``number`` moved ``offset`` places (-1 up, +1 down); at an end it
    stays where it is."""
    result = copy.deepcopy(dict(text))
    articles = result.get("articles") or []
    target = number - 1 + offset
    if 1 <= number <= len(articles) and 0 <= target < len(articles):
        articles[number - 1], articles[target] = articles[target], articles[number - 1]
    result["articles"] = articles
    return result


def without_article(text: Mapping[str, Any], number: int) -> dict[str, Any]:
    result = copy.deepcopy(dict(text))
    articles = result.get("articles") or []
    if not 1 <= number <= len(articles):
        raise KeyError(number)
    del articles[number - 1]
    result["articles"] = articles
    return result


def insert_variable(body: str, name: str) -> str:
    """``body`` with ``{{ name }}`` added at its end (the insertion without JavaScript, which
    knows no cursor); a known name only."""
    if not templating.is_known(name):
        raise KeyError(name)
    placeholder = "{{ " + name + " }}"
    if name in templating.BLOCK_NAMES:  # a block stands alone in its paragraph
        return (body.rstrip() + "\n\n" if body.strip() else "") + placeholder
    if body and not body[-1].isspace():
        return body + " " + placeholder
    return body + placeholder


# --------------------------------------------------------------------------- variables

#: How each party is named after "de" in a label, and who represents it.
PARTY_OF: dict[str, tuple[str, str, str]] = {
    # key: (group label, "de …" form, the representative, after "du"/"de la")
    "etat": ("L'État", "de l'État", "du préfet"),
    "police": ("La police nationale", "de la police nationale", "du directeur de la police"),
    "gendarmerie": (
        "La gendarmerie nationale",
        "de la gendarmerie nationale",
        "du commandant de groupement",
    ),
    "departement": ("Le Département", "du Département", "du président du Département"),
    "epci": ("L'EPCI", "de l'EPCI", "du président de l'EPCI"),
    "commune": ("La commune", "de la commune", "du maire"),
    "ccas": ("Le CCAS ou CIAS", "du CCAS ou CIAS", "du président du CCAS ou CIAS"),
    "association": ("L'association", "de l'association", "du président de l'association"),
    "parquet": ("Le parquet", "du parquet", "du procureur de la République"),
    "employeur": ("L'employeur du poste", "de l'employeur", "du représentant de l'employeur"),
    "autorite_fonctionnelle": (
        "L'autorité fonctionnelle",
        "de l'autorité fonctionnelle",
        "du représentant de l'autorité fonctionnelle",
    ),
    "autorite_hierarchique": (
        "L'autorité hiérarchique",
        "de l'autorité hiérarchique",
        "du représentant de l'autorité hiérarchique",
    ),
}


def _party_label(attribute: str, of: str, representative: str) -> str:
    return {
        "nom": f"Nom {of}",
        "nom_court": f"Nom court {of}",
        "avec_article": f"Nom {of} précédé de l'article",
        "pronom": f"Pronom {of} (« il » ou « elle »)",
        "designation": f"Désignation {of} dans l'acte (« … représenté par … »)",
        "representant": f"Qualité et nom {representative}",
        "representant_nom": f"Nom {representative}",
        "representant_qualite": f"Qualité {representative}",
        "adresse": f"Adresse {of}",
        "deliberation": f"Délibération {of} qui autorise la signature",
    }[attribute]


#: Labels that the schema's short descriptions would leave vague out of their group.
_LABELS = {
    "convention.reference": "Référence de la convention",
    "convention.titre": "Intitulé de la convention",
    "convention.nature": "Nature de la convention",
    "convention.annee": "Année de début de la convention",
    "bloc.modifications": "Bloc : ce que change l'avenant",
}


def variable_label(name: str) -> str:
    """The French label of a variable (« Nom du préfet », « Référence de la convention »)."""
    if name in _LABELS:
        return _LABELS[name]
    key, _, attribute = name.partition(".")
    if key in PARTY_OF:
        _, of, representative = PARTY_OF[key]
        return _party_label(attribute, of, representative)
    year = templating._YEAR_NAME.match(name)
    if year:
        what = year["what"]
        if what in PARTY_OF:
            return f"Part {PARTY_OF[what][1]} en {year['year']}"
        return f"{templating.YEAR_ATTRIBUTES[what].capitalize()} {year['year']}"
    if key == "financement" and attribute.split(".")[0] in PARTY_OF:
        party_key, _, rest = attribute.partition(".")
        of = PARTY_OF[party_key][1]
        return f"Part {of} sur une année complète" if rest else f"Part {of} au premier exercice"
    description = templating.SCHEMA.get(name, name)
    label = description.split(" (« ")[0].replace("BLOC — ", "Bloc : ")
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    #: What it gives for the convention (None: no value; "" when no convention is known).
    value: str | None

    @property
    def placeholder(self) -> str:
        return "{{ " + self.name + " }}"


@dataclass(frozen=True)
class VariableGroup:
    label: str
    variables: list[Variable]

    @property
    def has_values(self) -> bool:
        return any(v.value for v in self.variables)


_GROUPS = {
    "convention": "La convention",
    "poste": "Le poste",
    "deliberation": "La délibération du Département",
    "parties": "Les parties",
    "financement": "Le financement",
    "bloc": "Blocs (seuls dans leur paragraphe)",
}


def _shown(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, templating.Block):
        return "(tableau ou liste)" if value.html else None
    text = " ".join(str(value).split())
    if not text:
        return None
    return text if len(text) <= 90 else text[:90].rstrip() + "…"


def variable_groups(context: Mapping[str, Any] | None = None) -> list[VariableGroup]:
    """Every variable, labelled and grouped: the convention, the post, … then one group per
    party. ``context``: a convention's values (``documents.convention_context``), shown beside
    each label; a year's shares come from it too (``financement.2024.etat``)."""
    groups: dict[str, list[Variable]] = {label: [] for label in _GROUPS.values()}
    for label, _, _ in PARTY_OF.values():
        groups[label] = []

    def value_of(name: str) -> str | None:
        if context is None:
            return ""
        return _shown(context.get(name))

    for name in templating.SCHEMA:
        prefix, _, attribute = name.partition(".")
        if prefix in PARTY_OF:
            group = PARTY_OF[prefix][0]
        elif prefix == "financement" and attribute.split(".")[0] in PARTY_OF:
            group = PARTY_OF[attribute.split(".")[0]][0]
        else:
            group = _GROUPS.get(prefix, _GROUPS["convention"])
        groups[group].append(Variable(name, variable_label(name), value_of(name)))
    years = sorted(
        name
        for name in (context or {})
        if name not in templating.SCHEMA and templating.is_known(name)
    )
    for name in years:
        groups[_GROUPS["financement"]].append(Variable(name, variable_label(name), value_of(name)))
    return [VariableGroup(label, variables) for label, variables in groups.items() if variables]


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_.]+)\s*\}\}")


def readable(body: str) -> str:
    """``body`` with each variable shown by its label (« [Nom du préfet] »): how a comparison
    shows a text to a gestionnaire, who never reads ``{{ etat.representant_nom }}``."""

    def label(match: re.Match[str]) -> str:
        name = match[1]
        return f"[{variable_label(name)}]" if templating.is_known(name) else match[0]

    return _PLACEHOLDER.sub(label, body)


def readable_text(text: Mapping[str, Any]) -> dict[str, Any]:
    """Every part of a text made ``readable``."""
    result: dict[str, Any] = {
        key: readable(str(text.get(key, "") or ""))
        for key in ("title", "parties_block", "preamble", "closing")
    }
    result["articles"] = [
        {
            "title": readable(str(a.get("title", "") or "")),
            "body": readable(str(a.get("body", "") or "")),
        }
        for a in text.get("articles") or []
    ]
    return result


# --------------------------------------------------------------------------- version tokens


def edit_state(text: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """What an edit page of ``text`` loaded, for its version token (``iscg.concurrency``): the
    part ``key`` (its place, title and body), so that a change elsewhere in the text (another
    article) does not refuse its save; ``NEW_ARTICLE``: nothing (an article added is appended
    to the text as it is then, and overwrites nothing); ``None``: the whole text (the overview
    moves and removes articles by their numbers)."""
    if key is None:
        return {"text": dict(text)}
    if key == NEW_ARTICLE:
        return {"key": key}
    found = part(text, key)
    if found is None:
        return {"key": key, "absent": True}
    return {"key": key, "title": found.title, "body": found.body}


def part_text(title: str | None, body: str) -> str:
    """A part as one text (an article: its title, a blank line, its body)."""
    return f"{title}\n\n{body}" if title else body
