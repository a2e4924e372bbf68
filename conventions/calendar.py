"""iCalendar export of deadlines (icalendar library), and the signed token of a user's feed."""

from datetime import timedelta

from django.core import signing
from icalendar import Calendar, Event

from conventions.deadlines import Deadline

FEED_SALT = "iscg.deadlines.feed"  # kept from before the move: issued feeds stay valid


def feed_token(user) -> str:
    """A token naming the user, signed with SECRET_KEY: calendar apps cannot log in."""
    return signing.dumps({"u": user.pk}, salt=FEED_SALT, compress=True)


def user_id_from_token(token: str) -> int | None:
    try:
        return signing.loads(token, salt=FEED_SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def to_ical(deadlines: list[Deadline], *, base_url: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//ISCG conventions//échéances//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Échéances des conventions ISCG")
    for deadline in deadlines:
        event = Event()
        event.add("uid", deadline.uid)
        event.add("summary", deadline.label)
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + timedelta(days=1))
        if deadline.url:
            event.add("url", base_url.rstrip("/") + deadline.url)
        event.add("categories", [deadline.kind])
        calendar.add_component(event)
    return calendar.to_ical()
