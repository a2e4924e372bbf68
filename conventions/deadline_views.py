"""Deadline pages: the calendar page, its iCalendar download and the subscribable feed."""

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

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
        "feed_url": request.build_absolute_uri(
            f"/echeances/flux/{calendar.feed_token(request.user)}.ics"
        ),
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


def _ics_response(user, request) -> HttpResponse:
    content = calendar.to_ical(deadlines_for(user), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="echeances-iscg.ics"'
    return response


def deadlines_ics(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    return _ics_response(request.user, request)


@login_not_required
def deadlines_feed(request, token: str):
    """Subscribable feed for calendar apps: the signed token stands for the login."""
    user_id = calendar.user_id_from_token(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not perms.can_see_back_office(user):
        raise Http404
    return _ics_response(user, request)
