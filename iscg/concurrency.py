"""Optimistic locking of the edit forms: nobody's save silently overwrites somebody else's.

An edit page carries, in a hidden field named ``version``, the *version token* of what it
loaded: a hash of the state its form edits (``token``: a text's part, a plan and its draft, a
bilan's figures and parts, a party's fields...). Saving, the service locks the row
(``select_for_update``, in the transaction that writes), reads the state again and compares,
all in one helper (``locked``; ``check_row`` for a form over one model's fields): when the
token differs, somebody saved in between, and the service raises ``EditConflict`` with what
that person saved and what this one tried to save; nothing is written. ``iscg.middleware.AtomicWritesMiddleware`` turns the exception into the conflict page
(HTTP 409, ``conflict_response``), after the transaction has been rolled back.

The token is a hash of content, not a date: saving the same values again is no conflict, and a
change to something the form does not show (a convention's status, its notes) does not refuse
the text's editor. A POST to an edit form without the field (a page from before the locking,
a script) is refused too, as a stale page (``EditConflict.stale``): it cannot say what it
loaded. A service called from code (an import, the demo) passes no version (None): not checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

FIELD = "version"


def token(state: object) -> str:
    """A short, stable hash of ``state`` (JSON-like: dicts, lists, strings, numbers, dates,
    Decimals); equal states give equal tokens, whatever the order of a dict's keys."""
    encoded = json.dumps(state, sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32]


def _plain(value: object) -> str:
    if isinstance(value, Decimal):  # 61.50 and 61.5 are the same figure
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def posted(data: Mapping[str, Any]) -> str:
    """The token a submitted form carries; ``""`` when it carries none (or an empty one),
    which ``check`` refuses as a stale page when the object exists."""
    value = data.get(FIELD)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Difference:
    """One field of the conflict page: what the other person saved, what you typed."""

    label: str
    theirs: str
    yours: str

    @property
    def differs(self) -> bool:
        return self.theirs != self.yours


class SideBySide(Protocol):
    """A part of two texts side by side (``conventions.textdiff.PartComparison``): the other
    person's version on the left (``old``), yours on the right (``new``)."""

    @property
    def label(self) -> str: ...
    @property
    def status_label(self) -> str: ...
    @property
    def old_html(self) -> str: ...
    @property
    def new_html(self) -> str: ...


@dataclass
class EditConflict(Exception):
    """Raised by a service that finds the object changed since the form was loaded."""

    #: What was edited, after « Quelqu'un a enregistré … » (« le plan de financement de X »).
    subject: str
    differences: Sequence[Difference] = ()
    #: For texts: the parts side by side (theirs, yours), from ``conventions.textdiff``.
    comparison: Sequence[SideBySide] = ()
    #: What you tried to save, as text to copy before reloading (a text's part).
    yours_text: str = ""
    saved_by: str = ""
    saved_at: datetime | None = None
    notes: list[str] = field(default_factory=list)
    #: The form carried no version: a stale page (nobody need have saved in between).
    stale: bool = False

    def __post_init__(self) -> None:
        super().__init__(f"conflit de modification : {self.subject}")

    @property
    def changed(self) -> list[Difference]:
        return [d for d in self.differences if d.differs]


def check(expected: str | None, state: object, conflict: Callable[[], EditConflict]) -> None:
    """Raise ``conflict()`` when the form's token (``expected``) is not the token of ``state``,
    the object as it is now (read under its row lock); when the form carried none (``""``),
    as a stale page. ``expected`` None (a call from code, not a form): nothing checked."""
    if expected is None:
        return
    if not expected:
        refused = conflict()
        refused.stale = True
        raise refused
    if expected != token(state):
        raise conflict()


def differences(
    labels: Mapping[str, str], theirs: Mapping[str, str], yours: Mapping[str, str]
) -> list[Difference]:
    """One ``Difference`` per labelled name, in the labels' order."""
    return [
        Difference(label, theirs.get(name, "—"), yours.get(name, "—"))
        for name, label in labels.items()
    ]


# --------------------------------------------------------------------------- models


def row_state(instance: Any, *, exclude: Iterable[str] = ()) -> dict[str, object]:
    """The values of a model instance's concrete fields (foreign keys as their ids), without
    its primary key, its ``auto_now`` dates and ``exclude``: what a form can change."""
    skipped = set(exclude)
    state: dict[str, object] = {}
    for model_field in instance._meta.concrete_fields:
        if model_field.primary_key or model_field.name in skipped:
            continue
        if getattr(model_field, "auto_now", False):
            continue
        state[model_field.attname] = model_field.value_from_object(instance)
    return state


def shown(instance: Any, name: str, value: Any) -> str:
    """A field's value as the conflict page shows it (choices' labels, French dates, names of
    related objects)."""
    from iscg.history import _readable

    if value in (None, ""):
        return "—"
    model_field = instance._meta.get_field(name)
    if model_field.is_relation and hasattr(value, "pk"):
        return str(value)
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(sorted(str(item) for item in items)) or "—"
    if isinstance(value, Decimal):
        return _plain(value).replace(".", ",")
    return str(_readable(model_field, value))  # type: ignore[no-untyped-call]


def field_differences(
    instance: Any, values: Mapping[str, object], names: Iterable[str] | None = None
) -> list[Difference]:
    """The fields ``names`` that the form sent (default: all of ``values``): ``instance`` as
    saved against ``values`` (what the form submitted)."""
    rows = []
    for name in values if names is None else [n for n in names if n in values]:
        model_field = instance._meta.get_field(name)
        theirs = getattr(instance, name)
        if hasattr(theirs, "all"):  # a many-to-many
            theirs = list(theirs.all())
        rows.append(
            Difference(
                str(model_field.verbose_name).capitalize(),
                shown(instance, name, theirs),
                shown(instance, name, values.get(name)),
            )
        )
    return rows


def last_change(instance: Any) -> tuple[str, datetime | None]:
    """Who saved ``instance`` last and when, from its history (« système » when nobody)."""
    from iscg.history import person_name

    history = getattr(instance, "history", None)
    if history is None:
        return "", None
    record = history.select_related("history_user").order_by("-history_date").first()
    if record is None:
        return "", None
    return person_name(record.history_user), record.history_date


def conflict_for(instance: Any, subject: str, **kwargs: Any) -> EditConflict:
    """An ``EditConflict`` naming who saved ``instance`` last, and when."""
    who, when = last_change(instance)
    return EditConflict(subject, saved_by=who, saved_at=when, **kwargs)


def conflict_response(request: Any, conflict: EditConflict) -> Any:
    """The conflict page (HTTP 409): both versions, and the way back to the saved one."""
    from django.shortcuts import render

    return render(
        request,
        "iscg/conflict.html",
        {"conflict": conflict, "reload_url": request.get_full_path()},
        status=409,
    )


def row_version(instance: Any, state: Callable[[Any], object] = row_state) -> str:
    """The version token of a saved object (``""`` for a new one: nothing to check)."""
    if instance is None or instance.pk is None:
        return ""
    return token(state(instance))


def locked(
    rows: Any,
    version: str | None,
    *,
    state: Callable[[Any], object],
    conflict: Callable[[Any], EditConflict],
    missing_ok: bool = False,
) -> Any:
    """The one way a service checks a version: lock the row that the queryset ``rows`` selects
    (``select_for_update``, so call it in the transaction that writes), read its state again
    (``state(row)``) and compare it with ``version``, what the form loaded; changed since,
    raise ``conflict(row)`` and nothing is written. Returns the locked row, to write on. With
    ``missing_ok``, a row that does not exist (yet) is None, and ``state``/``conflict`` get
    None; else it raises ``DoesNotExist``."""
    query = rows.select_for_update()
    row = query.first() if missing_ok else query.get()
    check(version, state(row), lambda: conflict(row))
    return row


def check_row(
    instance: Any,
    version: str | None,
    *,
    subject: str,
    values: Mapping[str, object],
    names: Iterable[str] | None = None,
    state: Callable[[Any], object] = row_state,
) -> None:
    """For a service saving a form over ``instance``: lock its row, and when its state is no
    longer the one the form loaded (``version``), raise ``EditConflict`` with the fields
    ``names`` the form sent (default: all of ``values``) as saved and as submitted (``values``).
    A new object (``instance`` None or unsaved): nothing to check."""
    if instance is None or instance.pk is None:
        return
    locked(
        type(instance)._default_manager.filter(pk=instance.pk),
        version,
        state=state,
        conflict=lambda row: conflict_for(
            row, subject, differences=field_differences(row, values, names)
        ),
    )
