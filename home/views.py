"""The home page: each role lands on what it works on. It reads every domain app, so it lives
in its own app above them (``iscg`` stays the ground floor)."""

from datetime import date

from django.shortcuts import render

from conventions import perms as convention_perms
from conventions.deadlines import upcoming
from conventions.models import (
    Convention,
    ConventionStatus,
    Post,
    SignatureRequest,
    SignatureRequestState,
)
from conventions.selectors import deadlines_for, proper_words_for, with_readable_titles
from financing import receivables, titres
from financing.models import ShareLine
from financing.selectors import party_summary
from iscg import perms, queue
from reporting import perms as reporting_perms
from reporting.models import Bilan, BilanStatus


def home(request):
    """Each role lands on what it works on."""
    user = request.user
    conventions = Convention.objects.visible_to(user)
    proper = proper_words_for(user)  # names as written, for the readable titles
    # What the page shows, by role, decided by the perms modules (the template reads booleans).
    context = {
        "conventions_count": conventions.count(),
        # Abandoned drafts count nowhere: not among what one works on either.
        "recent_conventions": with_readable_titles(
            conventions.exclude(status=ConventionStatus.ABANDONED)
            .with_signed_renewal()
            .order_by("-updated_at")[:8],
            user,
            proper,
        ),
        "as_gestionnaire": perms.is_gestionnaire(user),
        "as_partner": perms.is_partner(user),
        "as_intervenant": perms.is_intervenant(user),
        "as_coordinator": reporting_perms.reviews_bilans(user),
        "as_national": perms.sees_every_organisation(user),
        "as_admin": perms.is_administrator(user),
        "can_draft": convention_perms.can_draft(user),
        "can_invite": perms.can_invite(user),
    }
    if context["as_gestionnaire"]:
        context["deadlines"] = upcoming(
            deadlines_for(user), today=date.today(), days=90, overdue_days=15
        )
        context["to_sign"] = with_readable_titles(
            conventions.filter(status="a_signer").order_by("reference"), user, proper
        )
        context["drafts"] = with_readable_titles(
            conventions.filter(status="brouillon").order_by("reference"), user, proper
        )
        context["posts_count"] = Post.objects.visible_to(user).count()
        context["outstanding"] = _outstanding_recoveries(user)
        context["current_year"] = date.today().year
        context["failed_tasks"] = queue.visible_failures(user).count()
    if context["as_partner"]:
        context["party"] = user.party
        # The signatures its party is asked for now (the electronic circuit's open requests).
        context["signatures_awaited"] = (
            SignatureRequest.objects.filter(
                party_id=user.party_id,
                state=SignatureRequestState.OPEN,
                convention__in=conventions.filter(status="a_signer"),
            )
            .select_related("convention")
            .order_by("expires_on")
        )
        receivable = ShareLine.objects.filter(convention__in=Convention.objects.visible_to(user))
        context["party_years"] = party_summary(
            user.party, ShareLine.objects.visible_to(user), receivable=receivable
        )[:3]
    if context["as_intervenant"]:
        context["post"] = user.post
        context["bilans"] = Bilan.objects.visible_to(user).order_by("-year")[:5]
    if context["as_coordinator"]:
        context["to_validate"] = (
            Bilan.objects.visible_to(user)
            .filter(status=BilanStatus.SUBMITTED)
            .select_related("post")
            .order_by("year", "post__name")
        )
    return render(request, "home/home.html", context)


#: Titres shown on the home page (the oldest); the receivables page lists them all.
HOME_RECEIVABLES = 5


def _outstanding_recoveries(user) -> dict:
    """The titres de recettes issued and not fully collected: how many, the total, how many
    are late, and the oldest few with their age (financing.receivables)."""
    payments = receivables.outstanding_queryset(ShareLine.objects.visible_to(user))
    rows, total = receivables.receivables(payments, date.today())
    return {
        "to_issue": titres.left_by_year(ShareLine.objects.visible_to(user), date.today().year),
        "count": len(rows),
        "total": total,
        "late": sum(1 for row in rows if row.late),
        "oldest": rows[:HOME_RECEIVABLES],
    }
