"""Actions on several conventions at once (a deliberation approves fifteen of them): send the
drafts to signature, gather the signed PDFs in one archive (``zip_of``; prepared by the worker:
``conventions.bundles``).

``sort_selection`` is pure (what can go, what cannot and why); ``send_all_to_signature`` is
all or nothing: one convention refused and none is sent.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from conventions import perms, services
from conventions.models import SIGNED_STATUSES, Convention, ConventionStatus

#: Most conventions one action takes (a deliberation has 15 in the demo).
MAX_SELECTED = 200


@dataclass
class Selection:
    """The conventions an action takes, and the others with why not."""

    ready: list[Convention] = field(default_factory=list)
    refused: list[tuple[Convention, str]] = field(default_factory=list)


def sort_selection(conventions, *, action: str, user) -> Selection:
    """Which of ``conventions`` the action applies to. ``action``: "signature" (drafts the
    user may edit) or "telecharger" (signed acts)."""
    selection = Selection()
    for convention in conventions:
        reason = ""
        if action == "signature":
            if not perms.can_edit_convention(user, convention):
                reason = "vous ne pouvez pas la modifier"
            elif convention.status != ConventionStatus.DRAFT:
                reason = f"elle est « {convention.get_status_display().lower()} », pas en brouillon"
        elif convention.status not in SIGNED_STATUSES:
            reason = f"elle est « {convention.get_status_display().lower()} », pas signée"
        if reason:
            selection.refused.append((convention, reason))
        else:
            selection.ready.append(convention)
    return selection


@transaction.atomic
def send_all_to_signature(*, conventions: list[Convention], by) -> int:
    """Send every convention to signature, or none: the first refusals (a text with blanks,
    no signatory) are all reported in one French message and nothing is changed."""
    errors = []
    for convention in conventions:
        try:
            with transaction.atomic():
                services.convention_send_to_signature(convention=convention, by=by)
        except ValidationError as error:
            errors.append(f"{convention.reference} : {' '.join(error.messages)}")
    if errors:
        raise ValidationError(errors)
    return len(conventions)


def zip_of(documents) -> bytes:
    """One archive holding ``documents`` (their stored files, under their download names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        names: set[str] = set()
        for document in documents:
            name = document.filename
            if name in names:  # two acts with the same name: keep both
                name = re.sub(r"(\.[A-Za-z0-9]+)?$", f"-{document.pk}\\1", name, count=1)
            names.add(name)
            with document.file.open("rb") as stored:
                archive.writestr(name, stored.read())
    return buffer.getvalue()
