"""Versions of a convention's own text, read from its history (django-simple-history).

Every save of a convention writes a history row holding its ``text``; a *version* is a row
whose text differs from the version before it (a change of status or of dates keeps the text,
so it is no new version). Versions are numbered from 1, oldest first; restoring one saves its
text again, which is itself a new version (``services.convention_text_restore``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conventions.models import Convention


@dataclass(frozen=True)
class TextVersion:
    number: int
    date: datetime
    user: str
    reason: str
    text: dict

    @property
    def articles(self) -> list:
        return list(self.text.get("articles") or [])


def _canonical(text: dict) -> dict:
    """What two texts are compared on (the saved form: stripped parts, title/body articles)."""
    return {
        "title": str(text.get("title", "") or "").strip(),
        "parties_block": str(text.get("parties_block", "") or "").strip(),
        "preamble": str(text.get("preamble", "") or "").strip(),
        "articles": [
            {
                "title": str(a.get("title", "") or "").strip(),
                "body": str(a.get("body", "") or "").strip(),
            }
            for a in text.get("articles") or []
            if isinstance(a, dict)
        ],
        "closing": str(text.get("closing", "") or "").strip(),
    }


def display_name(user) -> str:
    """A name, never an e-mail address, for the version list."""
    if user is None:
        return "système"
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    if full:
        return full
    return str(user).split("@", 1)[0]


def convention_text_versions(convention: Convention) -> list[TextVersion]:
    """The versions of the convention's own text, oldest first (empty: it still reads its
    template's text, or the default one)."""
    records = convention.history.select_related("history_user").order_by(
        "history_date", "history_id"
    )
    versions: list[TextVersion] = []
    previous: dict | None = None
    for record in records:
        text = record.text
        if not isinstance(text, dict) or not text:
            continue  # the convention read its template's text (or the default one)
        canonical = _canonical(text)
        if canonical == previous:
            continue
        previous = canonical
        versions.append(
            TextVersion(
                number=len(versions) + 1,
                date=record.history_date,
                user=display_name(record.history_user),
                reason=getattr(record, "history_change_reason", None) or "",
                text=canonical,
            )
        )
    return versions


def text_version(convention: Convention, number: int) -> TextVersion | None:
    versions = convention_text_versions(convention)
    return versions[number - 1] if 1 <= number <= len(versions) else None
