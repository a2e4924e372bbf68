from datetime import date

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from conventions.deadlines import KIND_LABELS, upcoming
from conventions.models import Convention, Post
from iscg import calendar, perms, services
from iscg.deadlines import deadlines_for
from iscg.forms import AcceptInvitationForm, InvitationForm
from iscg.models import Invitation, Role, User


def home(request):
    """Each role lands on what it works on."""
    user = request.user
    conventions = Convention.objects.visible_to(user)
    context = {
        "conventions_count": conventions.count(),
        "recent_conventions": conventions.with_signed_renewal().order_by("-updated_at")[:8],
    }
    if user.role == Role.GESTIONNAIRE:
        context["deadlines"] = upcoming(
            deadlines_for(user), today=date.today(), days=90, overdue_days=15
        )
        context["to_sign"] = conventions.filter(status="a_signer").order_by("reference")
        context["drafts"] = conventions.filter(status="brouillon").order_by("reference")
        context["posts_count"] = Post.objects.visible_to(user).count()
    if user.role == Role.PARTENAIRE:
        from financing.models import ShareLine
        from financing.selectors import party_summary

        context["party"] = user.party
        receivable = ShareLine.objects.filter(convention__in=Convention.objects.visible_to(user))
        context["party_years"] = party_summary(
            user.party, ShareLine.objects.visible_to(user), receivable=receivable
        )[:3]
    if user.role == Role.INTERVENANT:
        from reporting.models import Bilan

        context["post"] = user.post
        context["bilans"] = Bilan.objects.visible_to(user).order_by("-year")[:5]
    if user.role == Role.COORDINATEUR:
        from reporting.models import Bilan, BilanStatus

        context["to_validate"] = (
            Bilan.objects.visible_to(user)
            .filter(status=BilanStatus.SUBMITTED)
            .select_related("post")
            .order_by("year", "post__name")
        )
    if user.role == Role.GESTIONNAIRE:
        context["outstanding"] = _outstanding_recoveries(user)
    return render(request, "home.html", context)


def _outstanding_recoveries(user):
    """Co-funders' shares of past and current years not fully received (titres de recettes)."""
    from django.db.models import DecimalField, F, Sum, Value
    from django.db.models.functions import Coalesce

    from financing.models import ShareLine

    zero = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))
    return (
        ShareLine.objects.visible_to(user)
        .filter(is_employer=False, year__lte=date.today().year, amount__gt=0)
        .effective()
        .annotate(received=Coalesce(Sum("payments__amount_received"), zero))
        .annotate(outstanding=F("amount") - F("received"))
        .filter(outstanding__gt=0)
        .select_related("party", "post", "convention")
        .order_by("-year", "-outstanding")[:10]
    )


def invitation_create(request):
    if not perms.can_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.invitation_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            services.invitation_send(new=new, base_url=request.build_absolute_uri("/"))
            messages.success(request, f"Invitation envoyée à {new.invitation.email}.")
            return redirect("invitation_create")
    invitations = Invitation.objects.filter(organisation_id=request.user.organisation_id)[:30]
    return render(request, "iscg/invitation_form.html", {"form": form, "invitations": invitations})


@login_not_required
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_check(token)
    except services.InvitationInvalid as exc:
        return render(request, "iscg/invitation_invalid.html", {"reason": str(exc)}, status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except services.InvitationInvalid as exc:
            return render(request, "iscg/invitation_invalid.html", {"reason": str(exc)}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Votre compte est créé. Bienvenue !")
        return redirect("home")
    return render(request, "iscg/invitation_accept.html", {"form": form, "invitation": invitation})


def deadlines(request):
    """Calendar page: the deadlines of the coming year (and of the past month), by month."""
    perms.require_staff(request.user)
    today = date.today()
    kind = request.GET.get("type", "")
    items = upcoming(deadlines_for(request.user), today=today, days=365, overdue_days=31)
    if kind in KIND_LABELS:
        items = [d for d in items if d.kind == kind]
    months: dict[tuple[int, int], list] = {}
    for item in items:
        months.setdefault((item.date.year, item.date.month), []).append(item)
    return render(
        request,
        "iscg/deadlines.html",
        {
            "months": [(date(y, m, 1), entries) for (y, m), entries in months.items()],
            "today": today,
            "kinds": KIND_LABELS,
            "kind": kind,
            "feed_url": request.build_absolute_uri(
                f"/echeances/flux/{calendar.feed_token(request.user)}.ics"
            ),
        },
    )


def _ics_response(user, request) -> HttpResponse:
    content = calendar.to_ical(deadlines_for(user), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="echeances-iscg.ics"'
    return response


def deadlines_ics(request):
    perms.require_staff(request.user)
    return _ics_response(request.user, request)


@login_not_required
def deadlines_feed(request, token: str):
    """Subscribable feed for calendar apps: the signed token stands for the login."""
    user_id = calendar.user_id_from_token(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not perms.can_see_organisation_data(user):
        raise Http404
    return _ics_response(user, request)
