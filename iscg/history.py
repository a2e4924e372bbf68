"""Readable change history (who, when, what) from django-simple-history records."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from iscg.formatting import format_date_long, format_datetime_long


@dataclass
class HistoryRow:
    date: datetime
    user: str
    operation: str
    changes: list[str] = field(default_factory=list)
    #: Why, when the change says it (a text sent with blanks, a signature request withdrawn).
    reason: str = ""


MAX_VALUE = 80
_EMAIL = re.compile(r"\s*<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")


def person_name(user) -> str:
    """Who did it, as a colleague reads it: the person's name, never the e-mail address (a
    user without a name is named by role, "Gestionnaire"); "système" when nobody did."""
    if user is None:
        return "système"
    name = (user.get_full_name() or "").strip()
    if name:
        return name
    role = user.get_role_display() if getattr(user, "role", "") else ""
    return role.capitalize() if role else "Utilisateur sans nom"


def without_emails(text: str) -> str:
    """``text`` with its e-mail addresses removed ("Camille Durand <c@x.fr>" → "Camille
    Durand"); only an address left: "Utilisateur sans nom"."""
    stripped = _EMAIL.sub("", text or "").strip(" ,;—-")
    return stripped or ("Utilisateur sans nom" if text else "")


def _short(value) -> str:
    """A changed value as people read it: structures are named, long texts cut, never dumped."""
    if value in (None, ""):
        return "—"
    if isinstance(value, dict | list):
        return "(texte modifié)"
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE].rstrip() + "…"


def _readable(field, value):
    """Labels for choices, names for related objects, French dates: what a user recognises."""
    if value in (None, ""):
        return value
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if isinstance(value, datetime):
        return format_datetime_long(value)
    if isinstance(value, date):
        return format_date_long(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


def history_rows(instance, limit: int = 30) -> list[HistoryRow]:
    """The latest changes of ``instance``, newest first, each with its changed fields."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = instance._meta.get_field(change.field)
                if isinstance(change.old, dict | list) or isinstance(change.new, dict | list):
                    # A structure (articles, a plan): say it changed, never dump it.
                    changes.append(f"{field.verbose_name} : modifié")
                    continue
                old, new = _readable(field, change.old), _readable(field, change.new)
                changes.append(f"{field.verbose_name} : « {_short(old)} » → « {_short(new)} »")
        rows.append(
            HistoryRow(
                date=record.history_date,
                user=person_name(record.history_user),
                operation=record.get_history_type_display(),
                changes=changes,
                reason=getattr(record, "history_change_reason", None) or "",
            )
        )
    return rows


def attribute(instance, *, by, reason: str | None = None) -> None:
    """Name who makes the next save of ``instance`` (and why): django-simple-history reads these
    two attributes when it writes the history row. One place for a convention of that library."""
    instance._history_user = by
    if reason is not None:
        instance._change_reason = reason


def history_rows_of(model, records, *, label, limit: int = 30) -> list[HistoryRow]:
    """The latest changes of several rows of ``model`` (``records``: its historical records,
    e.g. a post's units, deleted ones included), newest first; each row's changes are read
    against that row's previous record, and start with ``label(record)`` (« Unité … »)."""
    records = list(records.select_related("history_user").order_by("history_id"))
    previous_of: dict = {}
    rows = []
    for record in records:
        previous = previous_of.get(record.id)
        previous_of[record.id] = record
        changes = [label(record)]
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                field = model._meta.get_field(change.field)
                old, new = _readable(field, change.old), _readable(field, change.new)
                changes.append(f"{field.verbose_name} : « {_short(old)} » → « {_short(new)} »")
        rows.append(
            HistoryRow(
                date=record.history_date,
                user=str(record.history_user) if record.history_user else "système",
                operation=record.get_history_type_display(),
                changes=changes,
                reason=getattr(record, "history_change_reason", None) or "",
            )
        )
    rows.sort(key=lambda row: row.date, reverse=True)
    return rows[:limit]
