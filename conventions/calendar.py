"""iCalendar (RFC 5545) export of deadlines, and the signed link of a user's feed.

What a calendar receives (the download and the subscribed feed alike): the deadlines of the
signed conventions the user may see (no draft's, nor those of a convention sent to signature),
from a year back to three years ahead (``calendar_period``); each event an all-day one
(``DTSTART;VALUE=DATE``) with ``DTSTAMP``, a ``UID`` that stays the same while the deadline
does (``Deadline.uid`` at the site's domain), ``SUMMARY`` and a ``DESCRIPTION`` ending with the
convention's absolute address. The icalendar library writes CRLF line ends and folds lines at
75 octets.
"""

import hmac
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.core import signing
from icalendar import Calendar, Event

from conventions.deadlines import KIND_LABELS, Deadline, in_period


class FeedOwner(Protocol):
    """What the feed's link reads of a user (``iscg.models.User``)."""

    pk: Any
    calendar_key: str


FEED_SALT = "iscg.deadlines.feed"  # kept from before the move: issued feeds stay valid
#: How far back and ahead the calendar goes (a bounded file, whatever the conventions).
PAST_DAYS = 365
FUTURE_DAYS = 3 * 365 + 1


def feed_token(user: FeedOwner) -> str:
    """A token naming the user and its calendar key, signed with SECRET_KEY: calendar apps
    cannot log in with it, and a new key (« Régénérer le lien », a new password) kills it."""
    payload: dict[str, object] = {"u": user.pk}
    if user.calendar_key:
        payload["k"] = user.calendar_key
    # Without a timestamp: the same link on every visit of the page, until the key changes.
    return signing.Signer(salt=FEED_SALT).sign_object(payload, compress=True)


def _load(token: str) -> Any:
    try:
        return signing.Signer(salt=FEED_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        # Links given before the key were timestamped (signing.dumps): still read.
        return signing.loads(token, salt=FEED_SALT)


def read_token(token: str) -> tuple[int, str] | None:
    """(user id, key) the token names, or None when it is forged or malformed."""
    try:
        payload = _load(token)
        user_id, key = payload["u"], payload.get("k", "")
    except (signing.BadSignature, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(user_id, int) or not isinstance(key, str):
        return None
    return user_id, key


def token_matches(user: FeedOwner, key: str) -> bool:
    """Whether a token's key is the user's current one (the feed's link is still valid)."""
    return hmac.compare_digest(user.calendar_key or "", key)


def calendar_period(today: date) -> tuple[date, date]:
    """The days a calendar export covers: a year back, three years ahead."""
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def calendar_deadlines(deadlines: Iterable[Deadline], *, today: date) -> list[Deadline]:
    """What goes to a calendar: no unsigned convention's deadline, within the period."""
    start, end = calendar_period(today)
    return in_period((d for d in deadlines if not d.draft), start, end)


def _domain(base_url: str) -> str:
    return urlsplit(base_url).hostname or "iscg.localhost"


def to_ical(
    deadlines: list[Deadline], *, base_url: str, stamp: datetime, uid_domain: str = ""
) -> bytes:
    """The calendar of ``deadlines`` (already chosen: ``calendar_deadlines``). ``base_url``
    makes the conventions' absolute addresses; ``stamp`` (aware) is every event's DTSTAMP;
    ``uid_domain`` ends the UIDs (the base URL's host when not given)."""
    calendar = Calendar()
    calendar.add("prodid", "-//ISCG conventions//échéances//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Échéances des conventions ISCG")
    domain = uid_domain or _domain(base_url)
    root = base_url.rstrip("/")
    for deadline in deadlines:
        event = Event()
        event.add("uid", f"{deadline.uid}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + timedelta(days=1))
        event.add("summary", deadline.label)
        kind = KIND_LABELS.get(deadline.kind, deadline.kind)
        lines = [f"{kind} — convention {deadline.reference}."]
        if deadline.url:
            url = root + deadline.url
            lines.append(f"La convention : {url}")
            event.add("url", url)
        event.add("description", "\n".join(lines))
        event.add("categories", [kind])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    content: bytes = calendar.to_ical()
    return content
