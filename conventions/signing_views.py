"""The signing page of a partner's representative: the frozen PDF, the consent, the one-time
code, the signature or the refusal (``conventions.signing_services``).

The convention is looked up through ``Convention.objects.visible_to`` (404 outside the user's
scope); only a partner signs (403 for the other roles), and only its own party's request (404
for a convention that asks nothing of its party).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from conventions import signing, signing_services
from conventions.models import Convention, SignatureRequestState
from conventions.selectors import convention_from_url
from iscg.perms import is_partner

MAX_REASON = 2000


def client_ip(request) -> str | None:
    """The client's address as the web server saw it (``REMOTE_ADDR``; the production proxy
    sets it from ``X-Forwarded-For`` before Django, never trusted from the request here)."""
    return request.META.get("REMOTE_ADDR") or None


@require_http_methods(["GET", "POST"])
def sign(request, reference: str):
    convention = convention_from_url(
        request,
        Convention.objects.visible_to(request.user).select_related("organisation"),
        reference,
    )
    if not is_partner(request.user):
        raise PermissionDenied
    signature = signing_services.request_for_party(convention, request.user.party_id)
    if signature is None:
        raise Http404("Aucune demande de signature pour votre partie.")
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "code":
                signing_services.code_send(request=signature, user=request.user)
                messages.success(
                    request,
                    f"Un code à 6 chiffres vient de vous être envoyé à {request.user.email} : "
                    "il est valable 10 minutes.",
                )
                return redirect("conventions:sign", reference=convention.reference)
            if action == "signer":
                signing_services.sign_electronically(
                    request=signature,
                    user=request.user,
                    code=request.POST.get("code", "")[:20],
                    consent=request.POST.get("consent") == "on",
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
                convention.refresh_from_db()
                text = f"Vous avez signé la convention {convention.reference} pour {signature.party.name}."
                if convention.status != "a_signer":
                    text += " Toutes les parties ont signé : la convention est signée."
                messages.success(request, text)
                return redirect("conventions:sign", reference=convention.reference)
            if action == "refuser":
                signing_services.refuse(
                    request=signature,
                    user=request.user,
                    reason=request.POST.get("reason", "")[:MAX_REASON],
                )
                messages.success(
                    request,
                    "Votre refus est enregistré et transmis au gestionnaire de la convention.",
                )
                return redirect("conventions:sign", reference=convention.reference)
            raise ValidationError("Action inconnue.")
        except ValidationError as error:
            errors = list(error.messages)
            status = 400
        signature.refresh_from_db()
        convention.refresh_from_db()
    document = signature.document
    now = timezone.now()
    problem = ""
    if signature.state != SignatureRequestState.SIGNED:
        problem = signing.sign_problem(
            signature,
            signing.Signer(is_partner=True, party_id=request.user.party_id),
            timezone.localdate(),
        )
        if not problem and convention.status != "a_signer":
            problem = "La convention n'est plus à la signature."
    code_live = (
        signature.code_sent_at is not None
        and bool(signature.code_hash)
        and now - signature.code_sent_at <= signing.CODE_VALIDITY
        and signature.code_attempts < signing.CODE_MAX_TRIES
    )
    return render(
        request,
        "conventions/documents/sign.html",
        {
            "convention": convention,
            "signature": signature,
            "document": document,
            "document_ready": document is not None and bool(document.sha256),
            "consent": signing_services.consent_for(signature),
            "problem": problem,
            "errors": errors,
            "code_live": code_live,
            "codes_left": max(0, signing.CODE_MAX_SENDS - signature.codes_sent),
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
        status=status,
    )
