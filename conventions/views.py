"""Read pages for conventions, posts and parties; every lookup goes through ``visible_to``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from conventions import document_access, drafting, perms, transmission
from conventions.deadlines import convention_deadlines, missed_at_creation
from conventions.document_views import editable_convention
from conventions.drafting import related_acts
from conventions.filters import (
    PARTY_SORTS,
    POST_SORTS,
    SORTS,
    ConventionFilter,
    PartyFilter,
    PostFilter,
    filters_to_show,
    sort_links,
)
from conventions.forms import AbandonForm, DeleteDraftForm
from conventions.models import (
    STATUS_FILTER_CHOICES,
    Convention,
    ConventionKind,
    ConventionStatus,
    Deliberation,
    DocumentDownload,
    HostUnit,
    Party,
    PartyKind,
    Post,
    PostAbsence,
    PostHolder,
    PostKind,
    Representative,
)
from conventions.selectors import convention_from_url, with_readable_titles, withdrawn_signatures
from financing import perms as financing_perms
from financing import selectors as financing_selectors
from financing.cancellations import titres_to_cancel
from financing.effective import line_standings
from financing.models import ShareLine
from iscg.history import history_rows, history_rows_of
from iscg.models import EmailLog
from iscg.perms import can_manage_tasks, sees_every_organisation
from reporting.models import Bilan

PAGE_SIZE = 50


def convention_list(request):
    """Filters (status, kind, year, post, party, territory), search, sorting, pages of 50; the
    GET parameters are parsed by ``ConventionFilter`` (bad values: a French message, no rows)."""
    found = ConventionFilter(
        request.GET, queryset=Convention.objects.visible_to(request.user), user=request.user
    )
    conventions = (
        found.results.select_related("organisation").prefetch_related("posts").with_signed_renewal()
    )
    current = {name: request.GET.get(name, "").strip() for name in found.filters}
    page = Paginator(conventions, PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = {k: v for k, v in current.items() if v}
    query_without_sort = {k: v for k, v in query_without_page.items() if k != "tri"}
    staff = perms.can_see_back_office(request.user)
    # Each filter's choices read once, for their count and for the page's lists.
    choices = {
        name: list(found.filters[name].queryset)
        for name in ("poste", "partie", "territoire", "deliberation")
    }
    rows = list(found.queryset.order_by().values_list("status", "kind", "start_date"))
    shown = filters_to_show(
        staff=staff,
        total=len(rows),
        choices={
            "statut": len({status for status, _, _ in rows}),
            "nature": len({kind for _, kind, _ in rows}),
            "annee": len({start.year for _, _, start in rows if start}),
            **{name: len(values) for name, values in choices.items()},
        },
        applied={name for name, value in current.items() if value and name != "tri"},
    )
    return render(
        request,
        "conventions/convention_list.html",
        {
            "conventions": with_readable_titles(page.object_list, request.user),
            "page": page,
            "statuses": STATUS_FILTER_CHOICES,
            "kinds": ConventionKind.choices,
            "sorts": _sort_options(current.get("tri", "")),
            "sort_links": sort_links(SORTS, current.get("tri")),
            "posts": choices["poste"],
            "parties": choices["partie"],
            "territories": choices["territoire"],
            "deliberations": choices["deliberation"],
            "shown": shown,
            "current": current,
            "filter_errors": found.error_messages,
            "querystring": urlencode(query_without_page),
            "sort_querystring": urlencode(query_without_sort),
            "can_draft": perms.can_draft(request.user),
            "can_send": perms.can_draft(request.user),
            "list_url": request.get_full_path(),
            # Filtered on one deliberation: its page that produces every PDF for one archive.
            "chosen_deliberation": found.form.cleaned_data.get("deliberation")
            if staff and found.is_valid()
            else None,
        },
    )


def _sort_options(current: str) -> list[tuple[str, str]]:
    """The "Trier par" choices; a reversed sort chosen by a column header is one of them, so
    that filtering again keeps it."""
    options = [(key, label) for key, (_, label) in SORTS.items()]
    if current.startswith("-") and current[1:] in SORTS:
        options.append((current, f"{SORTS[current[1:]][1]} (ordre inverse)"))
    return options


def _signature_requests(user, convention: Convention, staff: bool) -> list:
    from conventions.signing import current_requests

    requests = current_requests(convention)
    if staff:
        return requests
    return [r for r in requests if r.party_id == getattr(user, "party_id", None)]


def convention_detail(request, reference: str):
    convention = convention_from_url(
        request,
        Convention.objects.visible_to(request.user).select_related(
            "organisation", "parent", "template_version__template"
        ),
        reference,
    )
    memberships = convention.memberships.select_related("party", "representative")
    staff = perms.can_see_back_office(request.user)
    # The versions the user may read (``document_access``: the one rule of every document URL).
    documents = document_access.listed_for(
        request.user,
        convention,
        # The list shows each version's number, date and author, never its stored HTML.
        convention.documents.select_related("created_by", "template_version__template")
        .defer("html", "signed_html")
        .order_by("-number"),
    )

    share_lines = line_standings(
        ShareLine.objects.visible_to(request.user)
        .filter(convention=convention)
        .select_related("party", "convention", "post")
        .order_by("year", "pk")
    )
    several_posts = len({line.post_id for line in share_lines}) > 1
    deadlines = convention_deadlines(convention) if staff else []
    return render(
        request,
        "conventions/convention_detail.html",
        {
            "convention": convention,
            "share_lines": share_lines,
            # A convention covering several posts: each post's lines, then its total.
            "years_by_post": financing_selectors.convention_years_by_post(share_lines)
            if several_posts
            else None,
            "titres_to_cancel": titres_to_cancel(convention) if staff else [],
            "can_end": perms.can_end(request.user, convention),
            "deadlines": deadlines,
            "missed_deadlines": missed_at_creation(deadlines),
            "memberships": memberships,
            "posts": convention.posts.select_related("employer"),
            # Who changed what is staff information; partners see the acts, not the back-office.
            "history": history_rows(convention) if staff else None,
            "can_edit": perms.can_edit_convention(request.user, convention),
            "can_delete": perms.can_edit_convention(request.user, convention)
            and drafting.never_sent(convention),
            "is_staff": staff,
            "can_see_financing": financing_perms.can_see_financing(request.user),
            "documents": documents,
            "can_read_pdf": perms.can_read_documents_of(request.user, convention),
            "signed_copy": convention.signed_copy,
            # The contrôle de légalité (@ctes): staff only, once signed.
            "transmission": transmission.current(convention) if staff else None,
            "executory": transmission.is_executory(convention) if staff else None,
            "signatories": [m for m in memberships if m.is_signatory],
            # Signatures recorded then withdrawn: the staff read who and when, partners when.
            "withdrawn_signatures": withdrawn_signatures(convention),
            # The signature circuit: every request for the staff (with its trail); a partner
            # only its own party's, and the page to sign it.
            "signature_requests": _signature_requests(request.user, convention, staff),
            "downloads": DocumentDownload.objects.filter(document__convention=convention)
            .select_related("document")
            .order_by("-at")[:20]
            if staff
            else [],
            "related": related_acts(convention, request.user),
            # E-mails the product sent about this convention (staff only, like the history).
            "emails": EmailLog.objects.filter(
                reference=convention.reference, organisation_id=convention.organisation_id
            ).defer("body", "html")[:30]
            if staff
            else [],
        },
    )


def email_log(request):
    """Staff page: the e-mails the product sent (or is sending) for the organisation, newest
    first, filtered by convention (``?convention=<référence>``; one out of reach is a 404). The
    list says when, to whom, what and whether it left; never the text (an invitation's link)."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    logs = EmailLog.objects.visible_to(request.user).select_related("organisation")
    references = sorted(set(logs.exclude(reference="").values_list("reference", flat=True)))
    convention = None
    if reference := request.GET.get("convention", "").strip():
        convention = convention_from_url(
            request, Convention.objects.visible_to(request.user), reference
        )
        logs = logs.filter(reference=convention.reference, organisation=convention.organisation)
    page = Paginator(logs.order_by("-queued_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "conventions/email_log.html",
        {
            "page": page,
            "references": references,
            "convention": convention,
            "several_organisations": sees_every_organisation(request.user),
            "can_manage_tasks": can_manage_tasks(request.user),
        },
    )


def post_list(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    found = PostFilter(
        request.GET, queryset=Post.objects.visible_to(request.user), user=request.user
    )
    posts = found.results.select_related("employer", "organisation")
    current = {name: request.GET.get(name, "").strip() for name in found.filters}
    return render(
        request,
        "conventions/post_list.html",
        {
            "posts": posts,
            "sort_links": sort_links(POST_SORTS, current.get("tri")),
            "sort_querystring": urlencode({k: v for k, v in current.items() if v and k != "tri"}),
            "kinds": PostKind.choices,
            "employers": found.filters["employeur"].queryset,
            "current": current,
            "filter_errors": found.error_messages,
            "can_edit_reference": perms.can_edit_reference_data(request.user),
        },
    )


def _post_rows_history(post: Post) -> list:
    """Changes of the post's units, holders and absences (deleted rows included)."""
    return sorted(
        history_rows_of(
            HostUnit, HostUnit.history.filter(post_id=post.pk), label=lambda r: f"Unité {r.name}"
        )
        + history_rows_of(
            PostHolder,
            PostHolder.history.filter(post_id=post.pk),
            label=lambda r: f"Titulaire {r.name}",
        )
        + history_rows_of(
            PostAbsence,
            PostAbsence.history.filter(post_id=post.pk),
            label=lambda r: f"Absence : {r.reason}",
        ),
        key=lambda row: row.date,
        reverse=True,
    )[:30]


def _party_rows_history(party: Party) -> list:
    """Changes of the party's representatives and délibérations (deleted ones included)."""
    return sorted(
        history_rows_of(
            Representative,
            Representative.history.filter(party_id=party.pk),
            label=lambda r: f"Représentant {r.name or r.title}",
        )
        + history_rows_of(
            Deliberation,
            Deliberation.history.filter(party_id=party.pk),
            label=lambda r: f"Délibération {r.body}",
        ),
        key=lambda row: row.date,
        reverse=True,
    )[:30]


def post_detail(request, pk: int):
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("employer", "organisation"), pk=pk
    )

    return render(
        request,
        "conventions/post_detail.html",
        {
            "post": post,
            "share_lines": line_standings(
                ShareLine.objects.visible_to(request.user)
                .filter(post=post)
                .select_related("party", "convention")
                .order_by("-year", "convention__reference", "pk")
            ),
            "bilans": Bilan.objects.visible_to(request.user).filter(post=post).order_by("-year"),
            "units": post.units.all(),
            "holders": post.holders.all(),
            "absences": post.absences.all(),
            "conventions": Convention.objects.visible_to(request.user)
            .filter(posts=post)
            .distinct()
            .with_signed_renewal(),
            "history": history_rows(post) if perms.can_see_back_office(request.user) else None,
            "can_see_financing": financing_perms.can_see_financing(request.user),
            "can_edit_reference": perms.can_edit_reference_data(request.user, post.organisation_id),
            "related_history": _post_rows_history(post)
            if perms.can_see_back_office(request.user)
            else None,
            "related_history_title": "Historique des unités, titulaires et absences",
        },
    )


def party_list(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    found = PartyFilter(request.GET, queryset=Party.objects.visible_to(request.user))
    parties = found.results.select_related("organisation")
    current = {name: request.GET.get(name, "").strip() for name in found.filters}
    return render(
        request,
        "conventions/party_list.html",
        {
            "parties": parties,
            "kinds": PartyKind.choices,
            "sort_links": sort_links(PARTY_SORTS, current.get("tri")),
            "sort_querystring": urlencode({k: v for k, v in current.items() if v and k != "tri"}),
            "current": current,
            "filter_errors": found.error_messages,
            "can_edit_reference": perms.can_edit_reference_data(request.user),
        },
    )


def party_detail(request, pk: int):
    party = get_object_or_404(Party.objects.visible_to(request.user), pk=pk)
    conventions = (
        Convention.objects.visible_to(request.user)
        .filter(memberships__party=party)
        .distinct()
        .with_signed_renewal()
    )
    return render(
        request,
        "conventions/party_detail.html",
        {
            "party": party,
            "representatives": party.representatives.all(),
            "deliberations": party.deliberations.all(),
            "conventions": conventions,
            "history": history_rows(party) if perms.can_see_back_office(request.user) else None,
            "can_edit_reference": perms.can_edit_reference_data(
                request.user, party.organisation_id
            ),
            "current_representative": party.current_representative(),
            "related_history": _party_rows_history(party)
            if perms.can_see_back_office(request.user)
            else None,
            "related_history_title": "Historique des représentants et délibérations",
        },
    )


def convention_abandon(request, reference: str):
    """Confirm, then abandon a draft or an act awaiting signature, with a reason."""
    convention = editable_convention(request, reference)
    if convention.status not in (ConventionStatus.DRAFT, ConventionStatus.TO_SIGN):
        messages.error(
            request,
            f"{convention.reference} est « {convention.get_status_display()} » : seul un "
            "brouillon ou un acte en attente de signature s'abandonne.",
        )
        return redirect(convention.get_absolute_url())
    form = AbandonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            drafting.convention_abandon(
                convention=convention, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            # An avenant is masculine: « L'avenant … est abandonné : il ne compte plus … ».
            act = (
                f"L'avenant {convention.reference} est abandonné : il"
                if convention.kind == ConventionKind.AVENANT
                else f"La convention {convention.reference} est abandonnée : elle"
            )
            messages.success(request, f"{act} ne compte plus dans aucun montant.")
            return redirect(convention.get_absolute_url())
    return render(
        request,
        "conventions/abandon.html",
        {"convention": convention, "form": form, "can_delete": drafting.never_sent(convention)},
        status=400 if form.errors else 200,
    )


def convention_delete(request, reference: str):
    """Confirm, then delete a draft never sent to signature (kept in the history; listed on
    the deleted drafts' page). A draft once sent is abandoned instead."""
    convention = editable_convention(request, reference)
    if not drafting.never_sent(convention):
        messages.error(
            request,
            f"{convention.reference} est « {convention.get_status_display()} »"
            f"{' et a déjà été envoyé à la signature' if convention.is_draft else ''} : seul un "
            "brouillon jamais envoyé se supprime. Un brouillon envoyé, ou un acte à signer, "
            "s'abandonne.",
        )
        return redirect(convention.get_absolute_url())
    form = DeleteDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deleted = drafting.convention_draft_delete(
                convention=convention, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                f"Brouillon {deleted} supprimé. Il reste dans la liste des brouillons supprimés.",
            )
            return redirect("conventions:deleted_drafts")
    return render(
        request,
        "conventions/delete.html",
        {
            "convention": convention,
            "form": form,
            "memberships": convention.memberships.select_related("party"),
            "plans": convention.financing_plans.count(),
        },
        status=400 if form.errors else 200,
    )


def deleted_drafts(request):
    """The drafts deleted in the user's organisation: reference, title, when, who, why."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    return render(
        request,
        "conventions/deleted_drafts.html",
        {"records": drafting.deleted_drafts(request.user)[:200]},
    )
