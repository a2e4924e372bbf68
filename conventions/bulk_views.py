"""The conventions list's actions on the selected conventions (POST only, confirmation first
for what freezes texts)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from conventions import bulk, perms, services
from conventions.models import Convention

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
    if not selection.ready:
        messages.error(request, "Aucune des conventions cochées n'est signée.")
        return redirect(_back(request))
    documents, missing = bulk.signed_documents(selection.ready)
    missing += [d.convention for d in documents if not perms.can_download(request.user, d)]
    documents = [d for d in documents if perms.can_download(request.user, d)]
    if missing:
        messages.error(
            request,
            "Le PDF signé n'est pas encore prêt pour "
            + ", ".join(c.reference for c in missing)
            + " : ouvrez la convention (ou la page de sa délibération) pour le produire.",
        )
        return redirect(_back(request))
    for document in documents:
        services.document_download_log(document=document, user=request.user)
    response = HttpResponse(bulk.zip_of(documents), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="conventions-signees.zip"'
    return response
