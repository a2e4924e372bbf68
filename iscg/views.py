"""Account pages: invitations (create, revoke, accept), the password reset's last step; the
staff page of failed tasks; the page of an import run by the worker; the accessibility
statement."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from iscg import imports, login_limits, perms, queue, services
from iscg.forms import AcceptInvitationForm, InvitationForm, NoticePreferencesForm
from iscg.models import Invitation


def _organisation_invitations(user):
    return Invitation.objects.filter(organisation_id=user.organisation_id)


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
            messages.success(request, services.invitation_sent_message(new))
            return redirect("invitation_create")
    invitations = _organisation_invitations(request.user).select_related("party", "post")
    context = {
        "form": form,
        "pending": list(invitations.pending()),
        "recent": [i for i in invitations[:30] if i.state != "en attente"],
    }
    return render(request, "iscg/invitation_form.html", context)


@require_http_methods(["GET", "POST"])
def invitation_revoke(request, pk: int):
    """« Révoquer »: GET asks for confirmation, POST withdraws the invitation (its link dies)."""
    if not perms.can_invite(request.user):
        raise PermissionDenied
    invitation = get_object_or_404(_organisation_invitations(request.user), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.invitation_revoke(invitation=invitation, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                f"L'invitation de {invitation.email} est retirée : son lien ne fonctionne plus.",
            )
            return redirect("invitation_create")
    elif invitation.state not in ("en attente", "expirée"):
        error = f"Cette invitation est {invitation.state} : il n'y a rien à retirer."
    return render(
        request,
        "iscg/invitation_revoke.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )


@login_not_required
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_check(token)
    except services.InvitationInvalid as exc:
        return render(request, "iscg/invitation_invalid.html", {"reason": str(exc)}, status=410)
    conflict = services.invitation_conflict(invitation, signed_in=request.user)
    if conflict:
        return render(request, "iscg/invitation_invalid.html", {"reason": conflict}, status=409)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except services.InvitationConflict as exc:
            return render(request, "iscg/invitation_invalid.html", {"reason": str(exc)}, status=409)
        except services.InvitationInvalid as exc:
            return render(request, "iscg/invitation_invalid.html", {"reason": str(exc)}, status=410)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Votre compte est créé. Bienvenue !")
            return redirect("home")
    return render(request, "iscg/invitation_accept.html", {"form": form, "invitation": invitation})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's last step of the password reset, which also lifts the account's lock after
    failed logins (the person proved they own the address)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        login_limits.lift_account_lock(form.user.email)
        return response


@require_http_methods(["GET", "POST"])
def notice_preferences(request):
    """« Mes notifications »: each signed-in user chooses which optional e-mails it receives."""
    # An empty POST is a real answer: every box unticked (hence no ``request.POST or None``).
    posted = request.POST if request.method == "POST" else None
    form = NoticePreferencesForm(posted, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_preferences_set(
                user=request.user, received=form.cleaned_data["received"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Vos préférences de notification sont enregistrées.")
            return redirect("notice_preferences")
    return render(
        request,
        "iscg/notice_preferences.html",
        {"form": form, "offered": bool(form.fields["received"].choices)},
        status=400 if form.errors else 200,
    )


def task_failures(request):
    """Staff page: the tasks that failed after every attempt, why, and « Relancer »."""
    if not perms.can_manage_tasks(request.user):
        raise PermissionDenied
    failures = [
        {
            "result": result,
            "label": queue.TASK_LABELS.get(result.task_path, result.task_path),
            "reason": queue.failure_reason(result.traceback),
            "attempts": len(result.worker_ids),
        }
        for result in queue.visible_failures(request.user)[:100]
    ]
    return render(request, "iscg/task_failures.html", {"failures": failures})


def import_job(request, token):
    """An import run by the worker: while it runs, the page asks again (``data-refresh-url``,
    a refresh without script); then what it created and updated, or its errors. Only its
    uploader and the gestionnaires of its organisation see it (404 for anyone else)."""
    job = imports.of_viewer(request.user, token)
    if not job.is_finished:
        imports.settle_lost(job)
    response = render(
        request,
        "iscg/import_job.html",
        {
            "job": job,
            "result": job.result,
            "poll_seconds": imports.POLL_SECONDS,
            "refresh_seconds": imports.REFRESH_SECONDS,
        },
        status=200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def task_restart(request, pk):
    """GET asks for confirmation, POST puts the failed task back in the queue."""
    if not perms.can_manage_tasks(request.user):
        raise PermissionDenied
    result = get_object_or_404(queue.visible_failures(request.user), pk=pk)
    if request.method == "GET":
        label = queue.TASK_LABELS.get(result.task_path, result.task_path)
        return render(
            request,
            "iscg/task_restart.html",
            {"result": result, "label": label, "reason": queue.failure_reason(result.traceback)},
        )
    queue.restart(result)
    messages.success(request, "La tâche est relancée : le travailleur la reprend dans un instant.")
    return redirect("task_failures")


# The RGAA's statement (article 47 of loi n° 2005-102): its status stays « non conforme » until a
# full audit of the RGAA's criteria has been made (automated checks are not an audit).
ACCESSIBILITY_STATUS = "non conforme"
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 3)


@login_not_required
def accessibility(request):
    """The accessibility statement, for everyone (signed in or not), linked in every footer."""
    return render(
        request,
        "iscg/accessibility.html",
        {
            "status": ACCESSIBILITY_STATUS,
            "statement_date": ACCESSIBILITY_STATEMENT_DATE,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        },
    )
