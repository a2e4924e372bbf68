"""Comparison of two versions of a text (a convention's own text, a template version).

Pure functions, no Django: a word-level diff of two strings (``word_diff``), its side-by-side
HTML (``side_by_side``), and the part-by-part comparison of two whole texts
(``compare_texts``: title, parties block, preamble, each article, closing), which also says
which parts a template would change before it replaces a convention's text.

Articles are paired by their titles (``difflib.SequenceMatcher``), so an article inserted in the
middle shows as one added article, not as every following article changed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

Op = Literal["equal", "delete", "insert"]
Status = Literal["unchanged", "changed", "added", "removed"]

#: Words, runs of spaces (line breaks included) and single punctuation marks.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)

STATUS_LABELS: dict[str, str] = {
    "unchanged": "inchangé",
    "changed": "modifié",
    "added": "ajouté",
    "removed": "supprimé",
}


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``, word by word; adjacent segments of the same
    kind are merged. Joining the equal and deleted segments gives ``old`` back, the equal and
    inserted ones ``new``."""
    before, after = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []

    def add(op: Op, parts: list[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", before[i1:i2])
        else:  # replace, delete, insert: what goes, then what comes
            add("delete", before[i1:i2])
            add("insert", after[j1:j2])
    return _absorb_lone_spaces(segments)


def _absorb_lone_spaces(segments: list[Segment]) -> list[Segment]:
    """A space left equal between two changes ("<del>a</del> <ins>b</ins> …") reads as noise:
    fold it into both sides of the change."""
    result: list[Segment] = []
    for index, segment in enumerate(segments):
        between_changes = (
            segment.op == "equal"
            and not segment.text.strip()
            and 0 < index < len(segments) - 1
            and segments[index - 1].op != "equal"
            and segments[index + 1].op != "equal"
        )
        if between_changes:
            result.append(Segment("delete", segment.text))
            result.append(Segment("insert", segment.text))
        else:
            result.append(segment)
    merged: list[Segment] = []
    deletes, inserts = "", ""
    for segment in [*result, Segment("equal", "")]:
        if segment.op == "delete":
            deletes += segment.text
        elif segment.op == "insert":
            inserts += segment.text
        else:
            if deletes:
                merged.append(Segment("delete", deletes))
            if inserts:
                merged.append(Segment("insert", inserts))
            deletes, inserts = "", ""
            if segment.text:
                merged.append(segment)
    return merged


def side_by_side(old: str, new: str) -> tuple[str, str]:
    """HTML of both versions: removed words marked ``<del>`` on the left, added ones ``<ins>``
    on the right (line breaks kept as text: the page shows them with ``white-space: pre-wrap``).
    """
    left, right = [], []
    for segment in word_diff(old, new):
        text = escape(segment.text, quote=False)
        if segment.op == "equal":
            left.append(text)
            right.append(text)
        elif segment.op == "delete":
            left.append(f"<del>{text}</del>")
        else:
            right.append(f"<ins>{text}</ins>")
    return "".join(left), "".join(right)


@dataclass(frozen=True)
class PartComparison:
    """One part of two texts side by side: its label, what happened to it, both versions."""

    label: str
    status: Status
    old: str
    new: str
    old_html: str
    new_html: str
    #: Where the part is in each text, as ``text_editing`` keys (« article-3 », « preambule »);
    #: None on the side where it is absent.
    old_key: str | None = None
    new_key: str | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"


def _part(
    label: str,
    old: str | None,
    new: str | None,
    old_key: str | None = None,
    new_key: str | None = None,
) -> PartComparison:
    if old is None:
        return PartComparison(label, "added", "", new or "", "", _ins(new or ""), None, new_key)
    if new is None:
        return PartComparison(label, "removed", old, "", _del(old), "", old_key, None)
    status: Status = "unchanged" if old == new else "changed"
    old_html, new_html = side_by_side(old, new)
    return PartComparison(label, status, old, new, old_html, new_html, old_key, new_key)


def _ins(text: str) -> str:
    return f"<ins>{escape(text, quote=False)}</ins>" if text else ""


def _del(text: str) -> str:
    return f"<del>{escape(text, quote=False)}</del>" if text else ""


def _article_text(article: Mapping[str, Any]) -> str:
    title = str(article.get("title", "") or "").strip()
    body = str(article.get("body", "") or "").strip()
    return f"{title}\n\n{body}" if body else title


def _article_label(number: int, article: Mapping[str, Any]) -> str:
    title = str(article.get("title", "") or "").strip()
    return f"Article {number} « {title} »" if title else f"Article {number}"


def _str(text: Mapping[str, Any], key: str) -> str:
    return str(text.get(key, "") or "").strip()


def compare_texts(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[PartComparison]:
    """Every part of two texts, in reading order, each marked unchanged, changed, added or
    removed. An article's label is its place and title in the new text (in the old one when it
    was removed)."""
    parts = [
        _part("Intitulé", _str(old, "title"), _str(new, "title"), "intitule", "intitule"),
        _part(
            "Bloc des parties",
            _str(old, "parties_block"),
            _str(new, "parties_block"),
            "parties",
            "parties",
        ),
        _part("Préambule", _str(old, "preamble"), _str(new, "preamble"), "preambule", "preambule"),
    ]
    old_articles = list(old.get("articles") or [])
    new_articles = list(new.get("articles") or [])
    matcher = difflib.SequenceMatcher(
        None,
        [_str(a, "title").casefold() for a in old_articles],
        [_str(a, "title").casefold() for a in new_articles],
        autojunk=False,
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = max(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        if tag in ("equal", "replace"):
            for offset in range(pairs):
                i, j = i1 + offset, j1 + offset
                if i < i2 and j < j2:
                    label = _article_label(j + 1, new_articles[j])
                    parts.append(
                        _part(
                            label,
                            _article_text(old_articles[i]),
                            _article_text(new_articles[j]),
                            f"article-{i + 1}",
                            f"article-{j + 1}",
                        )
                    )
                elif i < i2:
                    label = _article_label(i + 1, old_articles[i]) + " (ancien)"
                    parts.append(
                        _part(label, _article_text(old_articles[i]), None, f"article-{i + 1}")
                    )
                else:
                    label = _article_label(j + 1, new_articles[j])
                    parts.append(
                        _part(label, None, _article_text(new_articles[j]), None, f"article-{j + 1}")
                    )
        elif tag == "delete":
            for i in range(i1, i2):
                label = _article_label(i + 1, old_articles[i]) + " (ancien)"
                parts.append(_part(label, _article_text(old_articles[i]), None, f"article-{i + 1}"))
        else:  # insert
            for j in range(j1, j2):
                label = _article_label(j + 1, new_articles[j])
                parts.append(
                    _part(label, None, _article_text(new_articles[j]), None, f"article-{j + 1}")
                )
    parts.append(
        _part(
            "Formule finale",
            _str(old, "closing"),
            _str(new, "closing"),
            "formule-finale",
            "formule-finale",
        )
    )
    return parts


def changed_parts(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[PartComparison]:
    """Only the parts that differ (what replacing ``old`` by ``new`` would change)."""
    return [part for part in compare_texts(old, new) if part.changed]
