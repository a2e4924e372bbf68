"""Read pages for conventions, posts and parties; every lookup goes through ``visible_to``."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from conventions.models import (
    Convention,
    ConventionKind,
    ConventionStatus,
    DocumentDownload,
    DocumentKind,
    Party,
    Post,
)
from iscg import perms
from iscg.history import history_rows


def convention_list(request):
    conventions = (
        Convention.objects.visible_to(request.user)
        .select_related("organisation")
        .prefetch_related("posts")
        .order_by("reference")
    )
    status = request.GET.get("statut", "")
    kind = request.GET.get("nature", "")
    query = request.GET.get("q", "").strip()
    if status in ConventionStatus.values:
        conventions = conventions.filter(status=status)
    if kind in ConventionKind.values:
        conventions = conventions.filter(kind=kind)
    if query:
        conventions = conventions.filter(
            Q(reference__icontains=query)
            | Q(title__icontains=query)
            | Q(posts__name__icontains=query)
        ).distinct()
    return render(
        request,
        "conventions/convention_list.html",
        {
            "conventions": conventions,
            "statuses": ConventionStatus.choices,
            "kinds": ConventionKind.choices,
            "current": {"statut": status, "nature": kind, "q": query},
        },
    )


def convention_detail(request, reference: str):
    convention = get_object_or_404(
        Convention.objects.visible_to(request.user).select_related("organisation", "parent"),
        reference=reference,
    )
    memberships = convention.memberships.select_related("party", "representative")
    staff = perms.can_see_organisation_data(request.user)
    documents = convention.documents.select_related("created_by", "template_version__template")
    if not staff:
        documents = documents.filter(Q(kind=DocumentKind.SIGNED_COPY) | Q(is_frozen=True))
    return render(
        request,
        "conventions/convention_detail.html",
        {
            "convention": convention,
            "memberships": memberships,
            "posts": convention.posts.select_related("employer"),
            "history": history_rows(convention),
            "can_edit": perms.can_edit_in(request.user, convention.organisation_id),
            "is_staff": staff,
            "documents": documents.order_by("-number"),
            "signed_copy": convention.signed_copy,
            "signatories": [m for m in memberships if m.is_signatory],
            "downloads": DocumentDownload.objects.filter(document__convention=convention)
            .select_related("document")
            .order_by("-at")[:20]
            if staff
            else [],
        },
    )


def _require_staff(user) -> None:
    if not perms.can_see_organisation_data(user):
        raise PermissionDenied


def post_list(request):
    _require_staff(request.user)
    posts = (
        Post.objects.visible_to(request.user)
        .select_related("employer", "organisation")
        .order_by("organisation__name", "name")
    )
    return render(request, "conventions/post_list.html", {"posts": posts})


def post_detail(request, pk: int):
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("employer", "organisation"), pk=pk
    )
    return render(
        request,
        "conventions/post_detail.html",
        {
            "post": post,
            "units": post.units.all(),
            "holders": post.holders.all(),
            "absences": post.absences.all(),
            "conventions": Convention.objects.visible_to(request.user)
            .filter(posts=post)
            .distinct(),
            "history": history_rows(post),
        },
    )


def party_list(request):
    _require_staff(request.user)
    parties = Party.objects.visible_to(request.user).select_related("organisation")
    return render(request, "conventions/party_list.html", {"parties": parties})


def party_detail(request, pk: int):
    party = get_object_or_404(Party.objects.visible_to(request.user), pk=pk)
    conventions = (
        Convention.objects.visible_to(request.user).filter(memberships__party=party).distinct()
    )
    return render(
        request,
        "conventions/party_detail.html",
        {
            "party": party,
            "representatives": party.representatives.all(),
            "deliberations": party.deliberations.all(),
            "conventions": conventions,
            "history": history_rows(party),
        },
    )
