"""The conventions list's actions on the selected conventions (POST only, confirmation first
for what freezes texts)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from conventions import bulk, bundles, perms
from conventions.models import Convention
from iscg import downloads
from iscg.models import PreparedFile

ACTIONS = {"signature", "telecharger"}


def _back(request) -> str:
    """The list as the user left it (its filters), never another site."""
    target = request.POST.get("retour", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "conventions:list"


@require_POST
def bulk_action(request):
    """``action`` on the ``conventions`` (references) ticked in the list. Sending to signature
    shows a confirmation page first (``confirmer`` absent), then sends all or none."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, "Choisissez une action : envoyer à la signature ou télécharger.")
        return redirect(_back(request))
    if action == "signature" and not perms.can_draft(request.user):
        raise PermissionDenied
    references = request.POST.getlist("conventions")[: bulk.MAX_SELECTED]
    conventions = list(
        Convention.objects.visible_to(request.user)
        .filter(reference__in=references)
        .select_related("organisation")
        .order_by("reference")
    )
    if not conventions:
        messages.error(request, "Cochez au moins une convention dans la liste.")
        return redirect(_back(request))
    selection = bulk.sort_selection(conventions, action=action, user=request.user)
    if action == "telecharger":
        return _download(request, selection)
    return _send(request, selection)


def _send(request, selection: bulk.Selection):
    context = {"selection": selection, "retour": request.POST.get("retour", "")}
    if not selection.ready:
        context["errors"] = ["Aucune des conventions cochées n'est un brouillon à envoyer."]
        return render(request, "conventions/bulk_signature.html", context, status=400)
    if request.POST.get("confirmer") != "oui":
        return render(request, "conventions/bulk_signature.html", context)
    try:
        sent = bulk.send_all_to_signature(conventions=selection.ready, by=request.user)
    except ValidationError as error:
        context["errors"] = error.messages
        return render(request, "conventions/bulk_signature.html", context, status=400)
    messages.success(
        request,
        f"{sent} {'convention envoyée' if sent == 1 else 'conventions envoyées'} à la signature : "
        "leur texte et leur plan de financement ne changent plus.",
    )
    return redirect(_back(request))


def _download(request, selection: bulk.Selection):
    """Ask the worker for the ZIP of the signed conventions ticked (their PDFs rendered there
    when missing), then follow it on its page; nothing is rendered or zipped here."""
    if not selection.ready:
        messages.error(request, "Aucune des conventions cochées n'est signée.")
        return redirect(_back(request))
    try:
        prepared = bundles.request_signed_zip(selection.ready, request.user)
    except downloads.TooMany as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_back(request))
    if selection.refused:
        messages.warning(
            request,
            "Non comprises dans l'archive, car pas signées : "
            + ", ".join(c.reference for c, _reason in selection.refused)
            + ".",
        )
    return redirect("conventions:prepared", token=prepared.token)


def _signed_zip(request, token) -> PreparedFile:
    """The user's own archive (404 for anyone else's, and for any other kind of file)."""
    prepared = downloads.of_user(request.user, token)
    if prepared.builder != bundles.SIGNED_BUILDER:
        raise Http404
    return prepared


def prepared(request, token):
    """The archive's page: its progress (polled every 2 s), then its download link."""
    prepared = _signed_zip(request, token)
    ready = downloads.stored(prepared)
    if not ready and prepared.status == PreparedFile.Status.PENDING:
        downloads.ensure_queued(prepared)  # its task failed for good or vanished
    return downloads.waiting(
        request,
        label=prepared.label,
        done=prepared.done,
        total=prepared.total,
        error=prepared.error if prepared.status == PreparedFile.Status.FAILED else "",
        file_url=reverse("conventions:prepared_file", args=[prepared.token]) if ready else "",
        archive=True,
    )


def prepared_file(request, token):
    """The stored archive (back to its page while it is being prepared)."""
    prepared = _signed_zip(request, token)
    if not downloads.stored(prepared):
        messages.error(
            request, "L'archive est encore en préparation : la page suit son avancement."
        )
        return redirect("conventions:prepared", token=prepared.token)
    bundles.log_downloads(prepared, request.user)
    return downloads.file_response(prepared)
