"""Accent- and case-insensitive search, the same on SQLite and PostgreSQL.

``normalise`` folds a text the way people type it ("Frévent", "FREVENT", "frevent" are one
word); ``matching_pks`` applies a query to rows read from the database. The fold happens in
Python, not in SQL: SQLite has no ``unaccent`` and PostgreSQL's needs an extension, while the
lists searched (an organisation's conventions, posts, parties) are a few hundred rows.
"""

import re
import unicodedata
from collections.abc import Hashable, Iterable
from typing import Any

#: Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
_SEPARATORS = re.compile(r"[\s'’‘`´\-–—_.,;:!?/\\()\[\]«»\"]+")


def normalise(text: str | None) -> str:
    """Lower case, without accents, apostrophes and dashes as spaces, spaces collapsed:
    ``normalise("Saint-Omer d’Artois")`` is ``"saint omer d artois"``."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", str(text).casefold().translate(_LIGATURES))
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    return _SEPARATORS.sub(" ", bare.translate(_LIGATURES)).strip()


def terms(query: str | None) -> list[str]:
    """The words of a query, normalised; empty when the query has none."""
    return normalise(query).split()


def matches(query: str | None, *texts: str | None) -> bool:
    """Every word of ``query`` appears in one of ``texts`` (accents and case ignored)."""
    words = terms(query)
    haystack = " ".join(normalise(text) for text in texts if text)
    return all(word in haystack for word in words)


def matching_pks(query: str | None, rows: Iterable[tuple[Any, ...]]) -> set[Hashable]:
    """The primary keys of ``rows`` (``(pk, text, text…)``, one object may span several rows,
    as a join gives them) whose texts, together, contain every word of ``query``."""
    words = terms(query)
    texts: dict[Hashable, list[str]] = {}
    for pk, *values in rows:
        texts.setdefault(pk, []).extend(normalise(value) for value in values if value)
    return {pk for pk, found in texts.items() if all(w in " ".join(found) for w in words)}
