"""Reads of conventions for a user: one query each, then the pure rules."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.http import Http404

from conventions.deadlines import Deadline, convention_deadlines
from conventions.models import Convention, ConventionParty


def deadlines_for(user) -> list[Deadline]:
    """Deadlines of the conventions ``user`` may see, in date order."""
    state_funder = ConventionParty.objects.filter(
        convention=OuterRef("pk"), party__kind="etat", is_funder=True
    )
    conventions = (
        Convention.objects.visible_to(user)
        .with_signed_renewal()
        .annotate(state_funds=Exists(state_funder))
        .select_related("report_deadline")
    )
    found: list[Deadline] = []
    for convention in conventions:
        found.extend(convention_deadlines(convention, state_funds=convention.state_funds))
    return sorted(found)


def proper_words_for(user) -> dict[str, str]:
    """The spelling of the names of the parties ``user`` may see (communes, EPCI, the
    département: the names the titles cite), for ``titles.readable_title`` ("ARRAS" → "Arras")."""
    from conventions.models import Party
    from conventions.titles import proper_words

    return proper_words(Party.objects.visible_to(user).values_list("name", flat=True))


def with_readable_titles(conventions, user, proper: dict[str, str] | None = None) -> list:
    """``conventions`` as a list, each with ``readable_title`` (and ``short_title``) set;
    ``proper`` as ``proper_words_for(user)`` gives it (read when not given)."""
    from conventions.titles import readable_title, short_title

    items = list(conventions)
    if proper is None:
        proper = proper_words_for(user) if items else {}
    for convention in items:
        convention.readable_title = readable_title(convention.title, proper)
        convention.short_title = short_title(convention.readable_title)
    return items


def known_document(user, sha256: str):
    """The stored document with this very SHA-256 that ``user`` may download, if any (one of
    the conventions it sees; nothing is said of the others)."""
    from conventions.models import DocumentVersion
    from conventions.perms import can_read_document

    if not sha256:
        return None
    candidates = (
        DocumentVersion.objects.filter(
            sha256=sha256, convention__in=Convention.objects.visible_to(user)
        )
        .select_related("convention")
        .order_by("-number")
    )
    return next((d for d in candidates if can_read_document(user, d.convention, d)), None)


class SeveralConventions(Http404):
    """A reference that several organisations use, asked by someone who sees them all
    (administrator, national coordinator) without ``?organisation=``: a 404 at worst, the
    page to choose from for a GET (``conventions.middleware.ConventionChoiceMiddleware``)."""

    def __init__(self, conventions: list[Convention]):
        super().__init__("Plusieurs organisations utilisent cette référence.")
        self.conventions = conventions


def convention_from_url(request, queryset, reference: str) -> Convention:
    """The convention of a URL's ``reference`` among ``queryset`` (already ``visible_to`` the
    user), 404 otherwise. A reference is unique in its organisation only: staff and partners
    see one organisation, so one convention; a user who sees every organisation names it with
    ``?organisation=<slug>`` when two use the same reference, else gets the choice."""
    found = queryset.filter(reference=reference)
    conventions = list(found[:20])
    organisation = request.GET.get("organisation")
    if len(conventions) > 1 and organisation:  # read only then: other pages keep their own
        conventions = list(found.filter(organisation__slug=organisation)[:20])
    if not conventions:
        raise Http404("Aucune convention ne porte cette référence.")
    if len(conventions) > 1:
        raise SeveralConventions(conventions)
    return conventions[0]


@dataclass(frozen=True)
class WithdrawnSignature:
    """A signature recorded then withdrawn (a paper signature entered by mistake, or the
    signatures cleared when the request was withdrawn), read from the membership's history:
    the party, the date and signatory recorded, who recorded it and when, who withdrew it and
    when, and why (the staff read the people; partners only the dates)."""

    party: str
    signed_on: date
    signatory_name: str
    recorded_by: object
    recorded_at: datetime | None
    withdrawn_by: object
    withdrawn_at: datetime
    reason: str


def withdrawn_signatures(convention: Convention) -> list[WithdrawnSignature]:
    """The convention's withdrawn signatures, newest first: each change of a signatory's
    membership that cleared a signature its previous record held (one query)."""
    records = (
        ConventionParty.history.filter(convention_id=convention.pk)
        .select_related("history_user", "party", "signature_recorded_by")
        .order_by("history_id")
    )
    previous: dict[int, object] = {}
    found = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None or record.history_type != "~":
            continue
        if before.signed_on is not None and record.signed_on is None:
            found.append(
                WithdrawnSignature(
                    party=record.party.name,
                    signed_on=before.signed_on,
                    signatory_name=before.signatory_name,
                    recorded_by=before.signature_recorded_by,
                    recorded_at=before.signature_recorded_at,
                    withdrawn_by=record.history_user,
                    withdrawn_at=record.history_date,
                    reason=getattr(record, "history_change_reason", None) or "",
                )
            )
    return sorted(found, key=lambda item: item.withdrawn_at, reverse=True)
