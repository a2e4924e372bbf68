"""The placeholder language of convention templates: a closed list of names, nothing else.

A template text is plain text with a little markup and placeholders:

* ``{{ convention.reference }}`` is replaced by the value of that name, taken from a dictionary
  built from the convention (``conventions.documents.convention_context``). There is no
  attribute access, no call, no filter, no loop: a name is a key of that dictionary and the only
  names that exist are those of ``SCHEMA`` (a few of them with a year: ``financement.2023.etat``).
* Paragraphs are separated by a blank line; a line starting with ``- `` is a bullet, with ``1. ``
  a numbered item; ``**bold**`` is bold, ``*italic*`` italic; a single line break is kept.
* Block names (``bloc.financement``, ``bloc.parties``, ``bloc.visas``…) stand alone in their
  paragraph and become a table or a list of paragraphs.

A name that does not exist, or a syntax error (``{{`` not closed, ``{% … %}``), is refused when the
template or the convention's text is saved (``validate_text``), with the part and the name at
fault. A name that exists but has no value for this convention (no signature date yet, no EPCI
among the parties) is rendered as a visible blank ``…………`` and reported: nothing renders as an
empty string silently.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

from iscg.formatting import contract

# --------------------------------------------------------------------------- the names

#: Keys of a party chosen by kind (the first such party of the convention) or by role.
PARTY_KEYS: dict[str, str] = {
    "etat": "l'État",
    "police": "la police nationale",
    "gendarmerie": "la gendarmerie nationale",
    "departement": "le Département",
    "epci": "l'EPCI (le premier de la convention)",
    "commune": "la commune (la première de la convention)",
    "ccas": "le CCAS ou CIAS",
    "association": "l'association",
    "parquet": "le parquet",
    "employeur": "l'employeur du poste",
    "autorite_fonctionnelle": "l'autorité fonctionnelle",
    "autorite_hierarchique": "l'autorité hiérarchique",
}
PARTY_ATTRIBUTES: dict[str, str] = {
    "nom": "dénomination officielle (« Communauté de Communes Osartis Marquion »)",
    "nom_court": "nom court (« CC Osartis Marquion »)",
    "avec_article": "dénomination précédée de l'article (« la Communauté de Communes … »)",
    "pronom": "« il » ou « elle » selon la partie (« dont elle est l'employeur »)",
    "designation": "désignation dans l'acte (« L'État, représenté par … »)",
    "representant": "représentant signataire (« le Préfet du Pas-de-Calais, Jacques BILLANT »)",
    "representant_nom": "nom du représentant (« Jacques BILLANT »)",
    "representant_qualite": "qualité du représentant (« Préfet du Pas-de-Calais »)",
    "adresse": "adresse",
    "deliberation": "délibération qui autorise la signature (« du 23 juin 2023 »)",
}

FIXED_NAMES: dict[str, str] = {
    "convention.reference": "référence (« PDC2023-A13 »)",
    "convention.titre": "intitulé",
    "convention.nature": "nature (« Convention de financement »)",
    "convention.organisation": "organisation gestionnaire",
    "convention.date_debut": "date de début (« 1er septembre 2023 »)",
    "convention.date_fin": "date de fin, écrite ou calculée",
    "convention.annee": "année de début",
    "convention.annee_suivante": "année suivant celle du début (bilan dû avant le 31 janvier)",
    "convention.duree": "durée (« trois ans », « un an, deux mois et dix jours »)",
    "convention.periode": "période (« du 15 mars 2010 au 14 mars 2013, soit trois ans »)",
    "convention.duree_mois": "durée en mois",
    "convention.preavis": "préavis (« trois mois »)",
    "convention.preavis_mois": "préavis en mois (« 3 »)",
    "convention.date_limite_denonciation": "dernier jour pour dénoncer",
    "convention.renouvellement": "clause de renouvellement",
    "convention.denonciation": "clause de dénonciation telle qu'écrite",
    "convention.juridiction": "juridiction compétente",
    "convention.lieu_signature": "lieu de signature",
    "convention.date_signature": "date de signature",
    "convention.exemplaires": "nombre d'exemplaires originaux (« 4 »)",
    "convention.exemplaires_lettres": "nombre d'exemplaires en lettres (« quatre »)",
    "convention.date_notification": "date de notification",
    "convention.parent.reference": "avenant : référence de la convention modifiée",
    "convention.parent.titre": "avenant : intitulé de la convention modifiée",
    "convention.parent.date_signature": "avenant : date de signature de la convention modifiée",
    "poste.intitule": "intitulé du poste",
    "poste.type": "type du poste (ISC, ISG, ISCG)",
    "poste.type_long": "type du poste en clair",
    "poste.temps_de_travail": "temps de travail tel qu'écrit",
    "poste.quotite": "quotité (« 80 % »)",
    "poste.heures_hebdomadaires": "heures par semaine (« 35 »)",
    "poste.territoire": "territoire couvert",
    "poste.nombre_communes": "nombre de communes couvertes",
    "poste.communes": "communes couvertes, en liste",
    "poste.date_creation": "date de création du poste",
    "poste.autorite_hierarchique": "autorité hiérarchique telle qu'écrite",
    "poste.autorite_fonctionnelle": "autorité fonctionnelle telle qu'écrite",
    "poste.unites": "unités d'accueil (« VITRY EN ARTOIS, VIS-en-ARTOIS et MARQUION »)",
    "poste.unite_principale": "première unité d'accueil",
    "poste.brigades": "brigades et communautés de brigades, en liste",
    "poste.commissariats": "commissariats, en liste",
    "poste.compagnie": "compagnie de gendarmerie",
    "poste.epcis": "EPCI couverts, en liste",
    "deliberation.instance": "instance de l'organisation qui autorise la signature",
    "deliberation.date": "date de cette délibération",
    "deliberation.numero": "numéro de cette délibération",
    "parties.liste": "toutes les parties, avec l'article (« l'État, le Département … et … »)",
    "parties.signataires": "les parties signataires, en liste",
    "parties.financeurs": "les financeurs, en liste",
    "parties.epcis": "les EPCI parties, en liste",
    "parties.nombre": "nombre de parties",
    "financement.annee": "premier exercice financé (« 2023 »)",
    "financement.cout_annuel": "coût annuel du poste (« 42 000 € »)",
    "financement.cout": "coût du premier exercice",
    "financement.mois": "mois financés le premier exercice",
    "financement.total": "total des parts du premier exercice",
    "financement.reste_a_charge": "partie qui prend le reste à charge, avec l'article",
    "bloc.parties": "BLOC — les parties, une par paragraphe, séparées par « ET »",
    "bloc.financement": "BLOC — tableau du financement par exercice et par partie",
    "bloc.visas": "BLOC — les visas, un par paragraphe",
    "bloc.modifications": "BLOC — avenant : ce qu'il change dans la convention modifiée",
}
#: Per-year names: ``financement.2023.cout`` or ``financement.2023.etat``.
YEAR_ATTRIBUTES: dict[str, str] = {
    "cout": "coût de l'exercice",
    "mois": "mois financés",
    "total": "total des parts",
}

BLOCK_NAMES = frozenset(name for name in FIXED_NAMES if name.startswith("bloc."))


def _party_names() -> dict[str, str]:
    names = {}
    for key, label in PARTY_KEYS.items():
        for attribute, description in PARTY_ATTRIBUTES.items():
            names[f"{key}.{attribute}"] = f"{label} : {description}"
        names[f"financement.{key}"] = f"part de {label} au premier exercice (« 4 666 € »)"
        names[f"financement.{key}.annee_pleine"] = (
            f"part de {label} sur une année complète (« 14 000 € »)"
        )
    return names


SCHEMA: dict[str, str] = {**FIXED_NAMES, **_party_names()}
_YEAR_NAME = re.compile(
    r"^financement\.(?P<year>\d{4})\.(?P<what>"
    + "|".join(sorted([*YEAR_ATTRIBUTES, *PARTY_KEYS], key=len, reverse=True))
    + r")$"
)


def is_known(name: str) -> bool:
    return name in SCHEMA or bool(_YEAR_NAME.match(name))


# --------------------------------------------------------------------------- parsing

#: A placeholder. Its inside is bounded (a name is short): an opening "{{" never closed costs
#: at most that many characters to reject, not the rest of the text (linear, not quadratic).
NAME_MAX = 200
_TOKEN = re.compile(r"\{\{(?P<inner>(?:(?!\}\}).){0," + str(NAME_MAX) + r"}?)\}\}", re.S)
_NAME = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*$")


class TemplateSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Problem:
    """Something wrong in a text: where (« Article 6 « Financement » »), which name, why."""

    where: str
    message: str
    name: str = ""
    #: The party a blank belongs to (a representative, an address), when there is one.
    party_id: int | None = None

    def __str__(self) -> str:
        return f"{self.where} : {self.message}"


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def parse(text: str) -> list[str | tuple[str]]:
    """Split a text into literal strings and one-tuples ``(name,)``; raise on a syntax error."""
    parts: list[str | tuple[str]] = []
    position = 0
    # Line numbers counted as the scan goes (once over the text, not from its start each time).
    line, counted = 1, 0
    for match in _TOKEN.finditer(text):
        literal = text[position : match.start()]
        _check_literal(text, literal, position)
        if literal:
            parts.append(literal)
        name = match["inner"].strip()
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if not name:
            raise TemplateSyntaxError(f"variable vide « {{{{ }}}} » (ligne {line})")
        if "{" in name:
            raise TemplateSyntaxError(f"« {{{{ » non fermé avant « {name[:30]} » (ligne {line})")
        if not _NAME.match(name):
            raise TemplateSyntaxError(
                f"« {{{{ {name[:40]} }}}} » n'est pas un nom de variable : seuls des noms comme "
                f"« convention.reference » sont permis, sans filtre ni appel (ligne {line})"
            )
        parts.append((name,))
        position = match.end()
    rest = text[position:]
    _check_literal(text, rest, position)
    if rest:
        parts.append(rest)
    return parts


def _check_literal(text: str, literal: str, offset: int) -> None:
    for marker, message in (
        ("{{", "« {{ » ouvert sans « }} » qui le ferme"),
        ("}}", "« }} » sans « {{ » qui l'ouvre"),
        ("{%", "les balises « {% … %} » ne sont pas permises"),
        ("%}", "les balises « {% … %} » ne sont pas permises"),
    ):
        index = literal.find(marker)
        if index >= 0:
            raise TemplateSyntaxError(f"{message} (ligne {_line_of(text, offset + index)})")


def names_in(text: str) -> list[str]:
    return [part[0] for part in parse(text) if isinstance(part, tuple)]


@functools.lru_cache(maxsize=1024)
def _unknown_message(name: str) -> str:
    """Once per name, not per occurrence: the closest known name is a costly search."""
    message = f"la variable « {name} » n'existe pas."
    close = difflib.get_close_matches(name, SCHEMA, n=1, cutoff=0.75)
    if close:
        message += f" Vouliez-vous dire « {close[0]} » ?"
    return message


def check_text(where: str, text: str) -> list[Problem]:
    """Syntax and unknown names of one text (a preamble, an article body…)."""
    try:
        parts = parse(text)
    except TemplateSyntaxError as exc:
        return [Problem(where, f"erreur de syntaxe : {exc}.")]
    problems = []
    for part in parts:
        if not isinstance(part, tuple):
            continue
        name = part[0]
        if is_known(name):
            continue
        problems.append(Problem(where, _unknown_message(name), name))
    for paragraph in _paragraphs(text):
        if _is_block_paragraph(paragraph):
            continue
        for name in names_in(paragraph):
            if name in BLOCK_NAMES:
                problems.append(
                    Problem(where, f"« {name} » doit occuper un paragraphe à lui seul.", name)
                )
    return problems


def text_parts(text: Mapping) -> Iterable[tuple[str, str]]:
    """(where, text) for every part of a convention's or a template's text, in reading order."""
    yield "Intitulé", text.get("title", "")
    yield "Bloc des parties", text.get("parties_block", "")
    yield "Préambule", text.get("preamble", "")
    for number, article in enumerate(text.get("articles", []), start=1):
        title = article.get("title", "")
        label = f"Article {number} « {title} »" if title else f"Article {number}"
        yield f"{label} (titre)", title
        yield label, article.get("body", "")
    yield "Formule finale", text.get("closing", "")


#: Size limits of a text (a convention's articles are a few thousand characters; the national
#: model's longest is under 2 000): a text past them is refused with a French message before
#: anything renders it, so no request spends its time on a text nobody could sign.
PART_MAX = 50_000
TEXT_MAX = 300_000
ARTICLES_MAX = 150
PLACEHOLDERS_MAX = 2_000


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def part_size_problems(where: str, part: str) -> list[Problem]:
    """A part (an article's body) past ``PART_MAX`` characters, refused in French."""
    if len(part) <= PART_MAX:
        return []
    return [
        Problem(
            where,
            f"{_thousands(len(part))} caractères : {_thousands(PART_MAX)} au plus par partie "
            "du texte (découpez-le en plusieurs articles).",
        )
    ]


def size_problems(text: Mapping) -> list[Problem]:
    """What makes a text too large to be saved or previewed (French), empty when it is not."""
    articles = text.get("articles", [])
    if isinstance(articles, list) and len(articles) > ARTICLES_MAX:
        return [
            Problem(
                "Articles",
                f"le texte compte {_thousands(len(articles))} articles : {ARTICLES_MAX} au plus.",
            )
        ]
    problems, total, placeholders = [], 0, 0
    for where, part in text_parts(text) if isinstance(articles, list) else ():
        part = str(part or "")
        total += len(part)
        placeholders += part.count("{{")
        problems.extend(part_size_problems(where, part))
    if total > TEXT_MAX:
        problems.append(
            Problem(
                "Texte",
                f"{_thousands(total)} caractères en tout : {_thousands(TEXT_MAX)} au plus.",
            )
        )
    if placeholders > PLACEHOLDERS_MAX:
        problems.append(
            Problem(
                "Texte",
                f"{_thousands(placeholders)} variables « {{{{ … }}}} » : "
                f"{_thousands(PLACEHOLDERS_MAX)} au plus.",
            )
        )
    return problems


def validate_text(text: Mapping) -> list[Problem]:
    """Every problem of a whole text (empty list: it may be saved). A text too large is
    refused for its size alone (nothing else of it is read)."""
    problems = []
    articles = text.get("articles", [])
    if not isinstance(articles, list) or not all(isinstance(a, dict) for a in articles):
        return [Problem("Articles", "la liste des articles est mal formée.")]
    if too_large := size_problems(text):
        return too_large
    for number, article in enumerate(articles, start=1):
        if not str(article.get("title", "")).strip():
            problems.append(Problem(f"Article {number}", "le titre est vide."))
    if not str(text.get("title", "")).strip():
        problems.append(Problem("Intitulé", "l'intitulé du document est vide."))
    for where, part in text_parts(text):
        problems.extend(check_text(where, str(part or "")))
    return problems


# --------------------------------------------------------------------------- rendering

BLANK = "…………"
#: What a document prints, in words, for a value its source act does not give (the demo's
#: signed acts, an import of past conventions): listed in ``Convention.unknown_values``.
UNKNOWN = "(non précisé dans l'acte)"
NNBSP = "\u202f"
NBSP = "\u00a0"


@dataclass
class Block:
    """A value that renders as HTML of its own (a table, a list of paragraphs)."""

    html: str


Value = str | Block | None


@dataclass
class Rendered:
    html: str
    missing: list[Problem] = field(default_factory=list)


_STAR = "\ue000"
_MISSING_OPEN, _MISSING_CLOSE = "\ue001", "\ue002"
_PUNCTUATION = re.compile(r"[ \u00a0\u202f]?([;:!?])(?=\s|$|[)»*\u00a0\u202f])")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]?")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]?»")
_NUMERO = re.compile(r"\b(n°|N°|article|Article|art\.) (?=\d)")
# Emphasis spans are bounded: a "*" never closed is given up after that many characters (or,
# for italics, at the next "*") instead of being looked for until the end of the text, for
# each "*" (quadratic).
_BOLD = re.compile(r"\*\*(.{1,2000}?)\*\*", re.S)
_ITALIC = re.compile(r"(?<![*\w])\*(?![*\s])([^*]{1,2000}?)(?<![*\s])\*(?![*\w])")
#: A value right after these (or first in its paragraph) opens a sentence: capitalised.
_SENTENCE_START = re.compile(r"(?:\A|[.!?]\s+|\n)\s*(?:[-•]\s+|\d+[.)]\s+)?(?:\*\*)?\Z")


def french_typography(text: str) -> str:
    """Narrow no-break space before ; : ! ? and inside « », no-break space after "n°"."""
    text = _PUNCTUATION.sub(lambda m: NNBSP + m[1], text)
    text = _OPEN_QUOTE.sub("«" + NNBSP, text)
    text = _CLOSE_QUOTE.sub(NNBSP + "»", text)
    return _NUMERO.sub(lambda m: m[1] + NBSP, text)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if p.strip()]


def _is_block_paragraph(paragraph: str) -> bool:
    match = re.fullmatch(r"\s*\{\{\s*([a-z_.]+)\s*\}\}\s*", paragraph)
    return bool(match and match[1] in BLOCK_NAMES)


def _resolve(where: str, text: str, context: Mapping[str, Value], missing: list[Problem]) -> str:
    """The text with its placeholders replaced (markers for blanks), before escaping."""
    out: list[str] = []
    # The output's last characters, kept as it grows: whether a value opens a sentence is read
    # there, not in the whole output joined again at each placeholder (linear, not quadratic).
    tail, length = "", 0
    for part in parse(text):
        if isinstance(part, str):
            out.append(part)
            tail, length = (tail + part)[-_TAIL:], length + len(part)
            continue
        name = part[0]
        value = context.get(name)
        if isinstance(value, Block):
            value = None  # a block inside a sentence: reported by check_text at save time
        if value is None or str(value).strip() == "":
            missing.append(
                Problem(where, f"« {name} » n'a pas de valeur pour cette convention.", name)
            )
            piece = f"{_MISSING_OPEN}{name}{_MISSING_CLOSE}"
            out.append(piece)
            tail, length = (tail + piece)[-_TAIL:], length + len(piece)
        else:
            value = str(value)
            if out and isinstance(out[-1], str) and not out[-1].endswith(_MISSING_CLOSE):
                # "de" + "le Groupement" → "du Groupement", "à les" → "aux", "de un" → "d'un"
                before = out[-1]
                out[-1], value = contract(before, value)
                tail = (
                    (tail[: len(tail) - len(before)] + out[-1])[-_TAIL:]
                    if len(before) <= len(tail)
                    else out[-1][-_TAIL:]
                )
                length += len(out[-1]) - len(before)
            # A window shorter than the output starts mid-text: "\A" must not match there.
            window = tail if length <= _TAIL else "x" + tail
            if _SENTENCE_START.search(window):
                value = value[:1].upper() + value[1:]  # "la Communauté…" opening a sentence
            piece = value.replace("*", _STAR)
            out.append(piece)
            tail, length = (tail + piece)[-_TAIL:], length + len(piece)
    return "".join(out)


#: How much of the output the sentence-start rule reads (a bullet, "**", spaces after a ".").
_TAIL = 256


def _inline_html(plain: str) -> str:
    html = escape(french_typography(plain), quote=False)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _ITALIC.sub(r"<em>\1</em>", html)
    html = re.sub(
        f"{_MISSING_OPEN}([a-z0-9_.]+){_MISSING_CLOSE}",
        rf'<span class="blank">{BLANK}</span>',
        html,
    )
    return html.replace(_STAR, "*").replace("\n", "<br>")


_BULLET = re.compile(r"^\s*[-•]\s+")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+")


def render_text(
    where: str, text: str, context: Mapping[str, Value], *, inline: bool = False
) -> Rendered:
    """HTML of one text. ``inline``: a title, no paragraphs."""
    missing: list[Problem] = []
    if inline:
        return Rendered(_inline_html(_resolve(where, text, context, missing)), missing)
    html = []
    for paragraph in _paragraphs(text):
        if _is_block_paragraph(paragraph):
            name = re.search(r"[a-z_.]+", paragraph)[0]
            value = context.get(name)
            if isinstance(value, Block) and value.html:
                html.append(value.html)
            else:
                missing.append(
                    Problem(where, f"« {name} » n'a pas de valeur pour cette convention.", name)
                )
                html.append(f'<p><span class="blank">{BLANK}</span></p>')
            continue
        resolved = _resolve(where, paragraph, context, missing)
        html.append(_paragraph_html(resolved))
    return Rendered("\n".join(html), missing)


def _paragraph_html(resolved: str) -> str:
    lines = resolved.split("\n")
    if all(_BULLET.match(line) or not line.strip() for line in lines):
        items = [_inline_html(_BULLET.sub("", line)) for line in lines if line.strip()]
        items = [item for item in items if item.strip()]  # a lone "-": no empty bullet
        return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else ""
    if all(_NUMBERED.match(line) for line in lines):
        start = int(_NUMBERED.match(lines[0])[1])
        items = [_inline_html(_NUMBERED.sub("", line)) for line in lines]
        attr = f' start="{start}"' if start != 1 else ""
        return f"<ol{attr}>" + "".join(f"<li>{item}</li>" for item in items) + "</ol>"
    # A paragraph followed by bullets ("… consistent à :" then "- …"): keep them together.
    first_bullet = next((i for i, line in enumerate(lines) if _BULLET.match(line)), None)
    if first_bullet and all(_BULLET.match(line) for line in lines[first_bullet:]):
        head = _inline_html("\n".join(lines[:first_bullet]))
        items = [_inline_html(_BULLET.sub("", line)) for line in lines[first_bullet:]]
        items = [item for item in items if item.strip()]
        if not items:
            return f"<p>{head}</p>"
        return f"<p>{head}</p><ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    return f"<p>{_inline_html(resolved)}</p>"


def render_parts(text: Mapping, context: Mapping[str, Value]) -> dict:
    """Every part of a text rendered: title, parties block, preamble, articles, closing."""
    missing: list[Problem] = []

    def one(where: str, value: str, inline: bool = False) -> str:
        result = render_text(where, value or "", context, inline=inline)
        missing.extend(result.missing)
        return result.html

    articles = []
    for number, article in enumerate(text.get("articles", []), start=1):
        title = article.get("title", "")
        where = f"Article {number} « {title} »"
        articles.append(
            {
                "number": number,
                "title": one(where, title, inline=True),
                "body": one(where, article.get("body", "")),
            }
        )
    return {
        "title": one("Intitulé", text.get("title", "")),
        "parties_block": one("Bloc des parties", text.get("parties_block", "")),
        "preamble": one("Préambule", text.get("preamble", "")),
        "articles": articles,
        "closing": one("Formule finale", text.get("closing", "")),
        "missing": missing,
    }
