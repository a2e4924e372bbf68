"""Titles people can read: the sources' ALL-CAPS titles in sentence case, shortened on a word.

Pure functions. An acronym (ISCG, FIPD, EPCI…) stays in capitals; a proper name is written as
the organisation's parties and posts write it (``proper_words`` collects them), so that
"RECRUTE PAR LA COMMUNAUTE URBAINE D'ARRAS" reads "recrute par la communauté urbaine d'Arras".
A capitalised word alone in a sentence ("…commissariat de police de DIJON") is a name: "Dijon".
"""

import re
from collections.abc import Iterable

#: Acronyms met in the sources and in the domain, kept in capitals.
ACRONYMS = frozenset(
    [
        "ISCG",
        "ISC",
        "ISG",
        "EPCI",
        "CCAS",
        "CIAS",
        "FIPD",
        "VIF",
        "DDSP",
        "DDFIP",
        "CSP",
        "CU",
        "CA",
        "CC",
        "CD",
        "CP",
        "SIRET",
        "SCDL",
        "RGAA",
        "FSE",
        "CAF",
        "CLSPD",
        "CISPD",
        "SPIP",
        "PJJ",
        "ETP",
        "TTC",
        "HT",
        "UE",
    ]
)
#: Short words that stay lower case inside a title even when a name gives them a capital.
SMALL_WORDS = frozenset(
    [
        "à",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "par",
        "pour",
        "sur",
        "sous",
        "un",
        "une",
        "ou",
        "dans",
        "avec",
    ]
)
#: Common nouns that party names capitalise ("Communauté de Communes") but a sentence does not.
GENERIC = frozenset(
    [
        "communauté",
        "communautés",
        "commune",
        "communes",
        "gendarmerie",
        "groupement",
        "commissariat",
        "social",
        "sociale",
        "urbaine",
        "départementale",
        "départemental",
        "police",
        "sécurité",
        "publique",
        "direction",
        "directeur",
        "compagnie",
        "brigade",
        "brigades",
        "conseil",
        "ville",
        "agglomération",
        "centre",
        "action",
        "préfecture",
        "état",
        "intervenant",
        "intervenante",
        "association",
        "département",
        "région",
        "nationale",
        "national",
        "circonscription",
        "unité",
        "unités",
        "victimes",
        "aide",
        "cabinet",
    ]
)
#: Words the sources write in capitals without their accents, as a sentence writes them.
ACCENTS = {
    "a": "à",
    "recrute": "recruté",
    "recrutee": "recrutée",
    "recrutes": "recrutés",
    "communaute": "communauté",
    "annee": "année",
    "departementale": "départementale",
    "departemental": "départemental",
    "departement": "département",
    "securite": "sécurité",
    "prefet": "préfet",
    "prefecture": "préfecture",
    "delinquance": "délinquance",
    "prevention": "prévention",
    "unites": "unités",
    "unite": "unité",
    "situee": "située",
    "mise": "mise",
    "etat": "État",
}
#: A run of at least this many capitalised words is shouting, not names.
SHOUTING_RUN = 3
DEFAULT_LENGTH = 120

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)


def _is_caps(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_letter(word: str) -> bool:
    """One capital letter ("A" for "à"): it neither starts nor breaks a run of capitals."""
    return len(word) == 1 and word.isupper()


def proper_words(names: Iterable[str]) -> dict[str, str]:
    """Lower case → spelling of each capitalised word of ``names`` ("CC du Ternois" gives
    ``{"ternois": "Ternois"}``; acronyms and words in capitals are left out)."""
    found: dict[str, str] = {}
    for name in names:
        for match in _WORD.finditer(name or ""):
            word = re.split(r"['’]", match.group())[-1]  # d'Arras → Arras
            lower = word.lower()
            if (
                word[:1].isupper()
                and not _is_caps(word)
                and lower not in SMALL_WORDS
                and lower not in GENERIC
            ):
                found.setdefault(lower, word)
    return found


def _recase(word: str, *, shouting: bool, proper: dict[str, str]) -> str:
    """One word in capitals, rewritten; ``word`` may hold an elision ("D'ARRAS")."""
    if word in ACRONYMS:
        return word
    head, sep, rest = word.partition("'") if "'" in word else word.partition("’")
    if sep and len(head) <= 2:  # d'Arras, l'Artois, qu'il
        return head.lower() + sep + _recase(rest, shouting=shouting, proper=proper)
    known = proper.get(word.lower())
    if known:
        return known
    if not shouting:  # a name alone in a normal sentence: "DIJON" → "Dijon"
        return "-".join(part.capitalize() for part in word.split("-"))
    return ACCENTS.get(word.lower(), word.lower())


def readable_title(title: str | None, proper: dict[str, str] | None = None) -> str:
    """``title`` in sentence case where the source shouts; a normal title is left as written."""
    text = " ".join((title or "").split())
    if not text:
        return ""
    proper = proper or {}
    words = list(_WORD.finditer(text))
    caps = [_is_caps(m.group()) for m in words]
    letters = [_is_letter(m.group()) for m in words]
    # The number of capitalised words in the run each word belongs to (single capital letters
    # inside a run, "MIS A DISPOSITION", belong to it without counting).
    runs = [0] * len(words)
    start, counted = 0, 0
    for index in range(len(words) + 1):
        if index < len(words) and (caps[index] or (letters[index] and counted)):
            counted += caps[index]
            continue
        for inside in range(start, index):
            runs[inside] = counted
        start, counted = index + 1, 0
    pieces, last = [], 0
    for index, match in enumerate(words):
        pieces.append(text[last : match.start()])
        word = match.group()
        if caps[index] or (letters[index] and runs[index] >= SHOUTING_RUN):
            word = _recase(word, shouting=runs[index] >= SHOUTING_RUN, proper=proper)
        pieces.append(word)
        last = match.end()
    pieces.append(text[last:])
    result = "".join(pieces)
    # A compound name the source spelt with spaces ("PAS DE CALAIS"): as the party writes it.
    for spelling in {w for w in proper.values() if "-" in w}:
        pattern = r"\b" + r"[ -]".join(map(re.escape, spelling.split("-"))) + r"\b"
        result = re.sub(pattern, spelling, result, flags=re.IGNORECASE)
    return result[0].upper() + result[1:]


def short_title(title: str | None, length: int = DEFAULT_LENGTH) -> str:
    """``title`` cut on a word before ``length`` characters, with "…" when cut."""
    text = " ".join((title or "").split())
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(" ,;:—–-")
    return cut + "…"
