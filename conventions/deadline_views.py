"""Deadline pages: the calendar page, its iCalendar download and the subscribable feed."""

from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from conventions import calendar, perms
from conventions.deadline_forms import PRESETS, DeadlineQueryForm
from conventions.deadlines import (
    KIND_LABELS,
    default_period,
    in_period,
    month_weeks,
    shift_month,
)
from conventions.selectors import deadlines_for
from iscg import services as accounts
from iscg.models import User


def deadlines(request):
    """Deadlines of a period (the past month and the coming year unless chosen), by month, or
    one month as a calendar; bad parameters: a French message and the default period."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    today = date.today()
    form = DeadlineQueryForm(request.GET or None, today=today)
    start, end = default_period(today)
    kind, view, month = "", "liste", (today.year, today.month)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        start, end, kind, view = data["start"], data["end"], data["type"], data["vue"] or "liste"
        if data["mois"]:
            month = (int(data["mois"][:4]), int(data["mois"][5:]))
    every = deadlines_for(request.user)
    if kind in KIND_LABELS:
        every = [d for d in every if d.kind == kind]
    context = {
        "form": form,
        "errors": [e for errors in form.errors.values() for e in errors] if form.is_bound else [],
        "today": today,
        "start": start,
        "end": end,
        "kinds": KIND_LABELS,
        "presets": PRESETS,
        "kind": kind,
        "view": view,
        "feed_url": _feed_url(request, request.user),
    }
    if view == "mois":
        year, number = month
        context.update(
            month=date(year, number, 1),
            weeks=month_weeks(year, number, every),
            previous_month="{:04d}-{:02d}".format(*shift_month(year, number, -1)),
            next_month="{:04d}-{:02d}".format(*shift_month(year, number, 1)),
            month_count=sum(1 for d in every if (d.date.year, d.date.month) == month),
        )
    else:
        months: dict[tuple[int, int], list] = {}
        for item in in_period(every, start, end):
            months.setdefault((item.date.year, item.date.month), []).append(item)
        context["months"] = [(date(y, m, 1), entries) for (y, m), entries in months.items()]
    status = 400 if context["errors"] else 200
    return render(request, "conventions/deadlines.html", context, status=status)


def _feed_url(request, user) -> str:
    return request.build_absolute_uri(reverse("deadlines_feed", args=[calendar.feed_token(user)]))


def _ics_response(user, request) -> HttpResponse:
    chosen = calendar.calendar_deadlines(deadlines_for(user), today=date.today())
    content = calendar.to_ical(
        chosen,
        base_url=request.build_absolute_uri("/"),
        stamp=timezone.now(),
        uid_domain=urlsplit(settings.SITE_URL).hostname or "",
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="echeances-iscg.ics"'
    return response


def deadlines_ics(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    return _ics_response(request.user, request)


@login_not_required
def deadlines_feed(request, token: str):
    """Subscribable feed for calendar apps: the signed token stands for the login, until the
    user regenerates the link or changes its password (404 then, as for a forged one)."""
    named = calendar.read_token(token)
    user = User.objects.filter(pk=named[0], is_active=True).first() if named else None
    if user is None or not calendar.token_matches(user, named[1]):
        raise Http404
    if not perms.can_see_back_office(user):
        raise Http404
    return _ics_response(user, request)


@require_http_methods(["GET", "POST"])
def deadlines_feed_regenerate(request):
    """« Régénérer le lien »: GET says what it does, POST gives a new link (the old one stops
    working at once)."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    if request.method == "POST":
        accounts.calendar_key_regenerate(user=request.user)
        messages.success(
            request,
            "Votre lien d'agenda est régénéré : l'ancien ne fonctionne plus. Abonnez votre "
            "agenda au nouveau lien ci-dessous.",
        )
        return redirect(reverse("deadlines") + "#abonnement")
    return render(request, "conventions/deadlines_feed_regenerate.html")
