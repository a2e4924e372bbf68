"""French wording of the documents: articles, gender, capitals, lists, party designations, plurals.

Pure functions of strings and numbers (no database, no model): the convention's PDF
(``documents``), its letters (``letters``) and the blanks report (``blanks``) all speak through
them, and ``tests/conventions/test_wording.py`` tests them alone. Party kinds are the values of
``conventions.models.PartyKind`` ("etat", "commune", "association"…), compared as strings.
"""

from __future__ import annotations

import re

from iscg import formatting

#: ``PartyKind`` values this module needs (kept as strings: the module imports no model).
KIND_ETAT = "etat"
KIND_COMMUNE = "commune"
KIND_ASSOCIATION = "association"
KIND_CAF = "caf"
KIND_ARS = "ars"
KIND_MSA = "msa"
KIND_REGION = "region"

FEMININE_WORDS = {
    "agence",
    "agglomération",
    "ars",  # agence régionale de santé
    "association",
    "brigade",
    "ca",  # communauté d'agglomération
    "caf",  # caisse d'allocations familiales
    "caisse",
    "cc",  # communauté de communes
    "circonscription",
    "collectivité",
    "commune",
    "communauté",
    "compagnie",
    "circulaire",
    "convention",
    "cour",
    "cu",  # communauté urbaine
    "décision",
    "délibération",
    "direction",
    "fédération",
    "gendarmerie",
    "loi",
    "maison",
    "mairie",
    "métropole",
    "msa",  # mutualité sociale agricole
    "mutualité",
    "ordonnance",
    "police",
    "préfecture",
    "région",
    "sous-préfecture",
    "union",
    "ville",
}
FEMININE_TITLE_ENDINGS = ("ente", "rice", "ète", "ère", "ointe", "ée", "elle", "euse")
_ARTICLE = re.compile(r"^(l['’]|le |la |les )", re.I)
_VOWEL = re.compile(r"^[aeiouyhàâéèêëîïôöûüœæAEIOUYHÀÂÉÈÊËÎÏÔÖÛÜŒÆ]")
#: What a party of these kinds is called when its name does not say it ("Quimper" → "la
#: commune de Quimper", "France Victimes 62" → "l'association France Victimes 62", "Grand Est"
#: (ARS) → "l'Agence régionale de santé Grand Est"), and the first words that say it.
KIND_NOUNS = {
    KIND_COMMUNE: ("commune", ("commune", "ville", "mairie")),
    KIND_ASSOCIATION: ("association", ("association", "fédération", "union")),
    KIND_CAF: ("Caisse d'allocations familiales", ("caf", "caisse")),
    KIND_ARS: ("Agence régionale de santé", ("ars", "agence")),
    KIND_MSA: ("Mutualité sociale agricole", ("msa", "mutualité")),
    KIND_REGION: ("Région", ("région", "conseil", "collectivité")),
}
#: Nouns followed by "de" before the name ("la commune de Quimper", "la Caisse d'allocations
#: familiales de Paris"); the others take the name as it is ("la Région Grand Est").
NOUNS_WITH_OF = {"commune", "Caisse d'allocations familiales"}


def number_words(value: int) -> str:
    """3 → "trois" (``iscg.formatting.number_words``)."""
    return formatting.number_words(value)


def duration_words(months: int) -> str:
    """12 → "un an", 36 → "trois ans", 4 → "quatre mois", 18 → "un an et six mois"."""
    return formatting.months_words(months)


def _first_word(name: str) -> str:
    return re.split(r"[\s'’-]", name.strip(), maxsplit=1)[0].lower()


def with_article(name: str, kind: str | None = None) -> str:
    """ "Communauté de Communes Osartis Marquion" → "la Communauté de Communes Osartis Marquion";
    by kind: "Quimper" (commune) → "la commune de Quimper", "Le Portel" → "la commune du Portel",
    "France Victimes 62" (association) → "l'association France Victimes 62"."""
    if kind == KIND_ETAT:
        return "l'État"
    name = re.sub(r"\s*\([^)]*\)$", "", name).strip()  # "L'Etat (Préfecture …)" → "L'Etat"
    noun, names_it = KIND_NOUNS.get(kind, (None, ()))
    if noun and _first_word(_ARTICLE.sub("", name)) not in names_it:
        phrase = with_article(noun)
        return phrase + " " + (formatting.of(name) if noun in NOUNS_WITH_OF else name)
    if _ARTICLE.match(name):
        return name[0].lower() + name[1:]
    if _VOWEL.match(name):
        return f"l'{name}"
    if _first_word(name) in FEMININE_WORDS:
        return f"la {name}"
    return f"le {name}"


def is_feminine(phrase: str) -> bool:
    """Whether a noun phrase with its article is feminine: "la communauté …", "l'association …"
    (not "le Département", "l'État")."""
    phrase = phrase.strip()
    lowered = phrase.lower()
    if lowered.startswith("la "):
        return True
    if lowered.startswith(("le ", "les ")):
        return False
    rest = _ARTICLE.sub("", phrase)
    return _first_word(rest) in FEMININE_WORDS


def pronoun(phrase: str) -> str:
    """ "il" or "elle" for a party named with its article ("dont elle est l'employeur")."""
    return "elle" if is_feminine(phrase) else "il"


def title_with_article(title: str) -> str:
    """ "Préfet du Pas-de-Calais" → "le Préfet du Pas-de-Calais"; "Vice-Présidente" → "la …"."""
    title = title.strip()
    if not title or _ARTICLE.match(title):
        return title[:1].lower() + title[1:]
    words = [w for w in re.split(r"[ ,]", title) if w and not re.match(r"^\d+(e|ème|er)$", w)]
    first = (words[0] if words else title).lower()
    if _VOWEL.match(title):
        return f"l'{title}"
    if first.endswith(FEMININE_TITLE_ENDINGS):
        return f"la {title}"
    return f"le {title}"


_UNIT_PREFIX = re.compile(
    r"^(?:communaut[ée]s? de brigades?|brigades?(?: territoriales?| autonomes?)*|cob)\s+"
    r"(?:de\s+|d['’]\s*)",
    re.IGNORECASE,
)


def unit_place(name: str) -> str:
    """The place of a gendarmerie unit named with its kind (« brigade de Frévent » → « Frévent »,
    « communauté de brigades de BAPAUME » → « BAPAUME »): the models write « les brigades de
    {{ poste.brigades }} », as the acts do. A name without such a prefix is kept whole."""
    return _UNIT_PREFIX.sub("", name.strip(), count=1)


def enumerate_fr(items: list[str]) -> str:
    """["a", "b", "c"] → "a, b et c"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def capitalise(text: str) -> str:
    """The first letter in capitals, the rest untouched ("l'État" → "L'État")."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """The first letter in lower case ("Par délégation" → "par délégation", after a comma)."""
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------- party designations


def representative_line(*, title: str, name: str, delegation: str) -> str:
    """What follows "représenté par": the person first, then the delegation it acts under
    ("le Président, Jean DUPONT, par délégation du Conseil"); parts left empty are skipped."""
    parts = [title_with_article(title), name, lower_first(delegation)]
    return ", ".join(p for p in parts if p)


def party_designation(*, party: str, wording: str = "", representative: str) -> str:
    """How the parties block names a party, from its name with its article (``party``).

    ``wording``, when written for this convention, replaces the designation ("L'État,
    représenté par …") unless it is only the representation clause ("représenté par son
    Président…"), which then follows the party's name. Otherwise the party is "représenté(e)
    par" ``representative`` (a line, or the placeholder the document prints in its place).
    """
    wording = wording.strip()
    text = capitalise(party)
    if wording.lower().startswith("représenté"):
        return f"{text}, {wording}"
    if wording:
        return capitalise(wording)
    return text + f", représenté{'e' if is_feminine(party) else ''} par {representative}"


def visa(line: str) -> str:
    """ "la circulaire du 1er août 2006" → "Vu la circulaire du 1er août 2006," as acts write."""
    line = line.strip().rstrip(",;.")
    if not re.match(r"(?i)^vu\b", line):
        line = f"Vu {with_article(line)}"
    return line + ","


# --------------------------------------------------------------------------- plurals


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """1 → "1 valeur absente", 2 → "2 valeurs absentes" (``plural`` defaults to each word + s)."""
    if count == 1:
        return f"{count} {singular}"
    plural = plural or " ".join(word + "s" for word in singular.split())
    return f"{count} {plural}"


def absent_values(count: int) -> str:
    """ "1 valeur absente", "2 valeurs absentes" (French plural agreement)."""
    return count_noun(count, "valeur absente")


def refused_for_blanks_message(count: int) -> str:
    """Why sending to signature is refused, agreed with the number of blanks: "Complétez-la"
    for one value, "Complétez-les" for several."""
    plural = count > 1
    return (
        f"Envoi refusé : le texte a {absent_values(count)} "
        f"(imprimée{'s' if plural else ''} « ………… »). "
        f"Complétez-{'les' if plural else 'la'}, ou confirmez l'envoi malgré "
        f"{'les valeurs absentes' if plural else 'la valeur absente'} en donnant le motif."
    )
