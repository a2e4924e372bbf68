"""Deadline pages: the calendar page, its iCalendar download and the subscribable feed."""

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from conventions import calendar, perms
from conventions.deadlines import KIND_LABELS, upcoming
from conventions.selectors import deadlines_for
from iscg.models import User


def deadlines(request):
    """Calendar page: the deadlines of the coming year (and of the past month), by month."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
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
        "conventions/deadlines.html",
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
