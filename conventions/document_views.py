"""Document pages: templates and texts (with live preview), PDFs, signatures, signed copies.

Every convention is looked up through ``Convention.objects.visible_to`` (404 outside the user's
scope; partners never see drafts); writes also need ``perms.can_edit_convention`` (403 otherwise).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from conventions import (
    bundles,
    documents,
    perms,
    services,
    signing,
    template_library,
    templating,
)
from conventions.blanks import blanks_from_problems, convention_blanks
from conventions.forms import (
    SignatureForm,
    SignedCopyForm,
)
from conventions.models import (
    Convention,
    ConventionStatus,
    Deliberation,
    DocumentTemplate,
    DocumentVersion,
    Party,
)
from financing.models import ShareLine
from iscg import downloads
from iscg.formatting import count_words

# --------------------------------------------------------------------------- helpers


def _visible(request, reference: str) -> Convention:
    return get_object_or_404(
        Convention.objects.visible_to(request.user).select_related("organisation"),
        reference=reference,
    )


def editable_convention(request, reference: str) -> Convention:
    convention = _visible(request, reference)
    if not perms.can_edit_convention(request.user, convention):
        raise PermissionDenied
    return convention


def _serve(request, document: DocumentVersion, *, inline: bool = True) -> HttpResponse:
    """The stored file (read whole: documents are small, and no file handle is left open). A
    version still waiting for its PDF is not rendered here: its render is queued (again, if it
    failed or vanished) and the page « Le document est en préparation » asks until it is."""
    if not document.is_rendered:
        services.document_render_queued(document)
        return downloads.waiting(
            request, label=f"PDF de la convention {document.convention.reference}"
        )
    if request.headers.get("HX-Request"):
        return downloads.hx_redirect(request.get_full_path())
    with document.file.open("rb") as stored:
        content = stored.read()
    services.document_download_log(document=document, user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _error_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _preview(convention: Convention | None, text: dict) -> dict:
    """Errors (refused at save), blanks (values this convention lacks) and the rendered HTML."""
    errors = templating.validate_text(text)
    if convention is None or templating.size_problems(text):
        # A text too large is not rendered at all: its preview is the refusal.
        return {"errors": errors, "missing": [], "html": "", "convention": convention}
    rendered = documents.render_html(convention, text=text)
    body = rendered.html.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    return {
        "errors": errors,
        "missing": blanks_from_problems(convention, rendered.missing),
        "html": "" if errors else body,
        "convention": convention,
    }


# --------------------------------------------------------------------------- PDF and versions


def convention_pdf(request, reference: str):
    """The convention's PDF: its stored version when the text is unchanged (or frozen)."""
    convention = _visible(request, reference)
    try:
        document = services.convention_document(convention=convention, by=request.user)
    except ValidationError as error:
        messages.error(request, "Le PDF ne peut pas être produit : " + " ".join(error.messages))
        return redirect(convention)
    return _serve(request, document)


def document_download(request, reference: str, number: int):
    convention = _visible(request, reference)
    document = get_object_or_404(convention.documents, number=number)
    if not perms.can_download(request.user, document):
        raise Http404  # partners and intervenants get signed copies and frozen texts only
    return _serve(request, document)


def signed_copy(request, reference: str):
    """The signed copy, the convention's reference document (partners: never of a draft)."""
    convention = _visible(request, reference)
    document = convention.signed_copy
    if document is None:
        raise Http404("Aucune copie signée n'a été déposée.")
    return _serve(request, document, inline=False)


@require_http_methods(["GET", "POST"])
def signed_copy_upload(request, reference: str):
    convention = editable_convention(request, reference)
    form = SignedCopyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = services.signed_copy_upload(
                    convention=convention, upload=form.cleaned_data["file"], by=request.user
                )
            except ValidationError as error:
                for message in _error_messages(error):
                    form.add_error("file", message)
            else:
                messages.success(
                    request,
                    f"Copie signée déposée ({count_words(document.pages, 'page')}) : elle est désormais le "
                    "document de référence de la convention.",
                )
                if document.warning:
                    messages.warning(request, document.warning)
                return redirect(convention)
        status = 400
    return render(
        request,
        "conventions/documents/signed_copy_upload.html",
        {"convention": convention, "form": form},
        status=status,
    )


# --------------------------------------------------------------------------- signatures


@require_http_methods(["GET", "POST"])
def signatures(request, reference: str):
    convention = _visible(request, reference)
    can_edit = perms.can_edit_convention(request.user, convention)
    memberships = list(
        convention.memberships.filter(is_signatory=True)
        .select_related("party", "representative", "signature_recorded_by")
        .order_by("order", "pk")
    )
    forms_by_party = {}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "envoyer":
                # Sending freezes the text: always through its confirmation page.
                return redirect("conventions:send_confirm", reference=convention.reference)
            if action == "retirer_demande":
                services.convention_signature_withdraw(
                    convention=convention, by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(
                    request,
                    "Demande de signature retirée : la convention est de nouveau un brouillon, "
                    "son texte et son plan se modifient ; le document envoyé reste dans la "
                    "liste des versions.",
                )
                return redirect(convention)
            if action == "signer":
                party = get_object_or_404(Party, pk=request.POST.get("party"))
                form = SignatureForm(request.POST, prefix=f"p{party.pk}")
                forms_by_party[party.pk] = form
                if form.is_valid() and (
                    problem := services.signature_date_problem(
                        convention, form.cleaned_data["signed_on"]
                    )
                ):
                    form.add_error("signed_on", problem)
                if form.is_valid() and services.is_last_signature(convention, party):
                    # The last signature makes the act signed: confirmed on its own page.
                    query = urlencode(
                        {
                            "signed_on": form.cleaned_data["signed_on"].isoformat(),
                            "signatory_name": form.cleaned_data["signatory_name"],
                        }
                    )
                    url = reverse("conventions:sign_confirm", args=[convention.reference, party.pk])
                    return redirect(f"{url}?{query}")
                if form.is_valid():
                    services.convention_sign(
                        convention=convention,
                        party=party,
                        signed_on=form.cleaned_data["signed_on"],
                        signatory_name=form.cleaned_data["signatory_name"],
                        by=request.user,
                    )
                    convention.refresh_from_db()
                    message = f"Signature de {party} enregistrée."
                    if convention.status != ConventionStatus.TO_SIGN:
                        message += (
                            f" Toutes les parties ont signé : la convention est « "
                            f"{convention.get_status_display()} »."
                        )
                    messages.success(request, message)
                    return redirect("conventions:signatures", reference=convention.reference)
            elif action == "retirer":
                party = get_object_or_404(Party, pk=request.POST.get("party"))
                services.convention_unsign(convention=convention, party=party, by=request.user)
                messages.success(
                    request, f"Signature de {party} retirée ; elle reste dans l'historique."
                )
                return redirect("conventions:signatures", reference=convention.reference)
            else:
                raise ValidationError("Action inconnue.")
        except ValidationError as error:
            for message in _error_messages(error):
                messages.error(request, message)
    rows = []
    pending = [m for m in memberships if m.signed_on is None]
    for membership in memberships:
        rep = membership.representative
        form = forms_by_party.get(membership.party_id) or SignatureForm(
            prefix=f"p{membership.party_id}",
            initial={"signatory_name": rep.name if rep else ""},
        )
        rows.append(
            {
                "membership": membership,
                "form": form,
                "last": len(pending) == 1 and pending[0] is membership,
            }
        )
    convention.refresh_from_db()
    staff = perms.can_see_back_office(request.user)
    blanks = (
        convention_blanks(convention)
        if staff and convention.status in (ConventionStatus.DRAFT, ConventionStatus.TO_SIGN)
        else []
    )
    return render(
        request,
        "conventions/documents/signatures.html",
        {
            "convention": convention,
            "rows": rows,
            "can_edit": can_edit,
            "can_send": perms.can_send_to_signature(request.user, convention),
            "can_sign": perms.can_record_signatures(request.user, convention),
            "blanks": blanks,
            "blocking_blanks": [blank for blank in blanks if blank.blocking],
            "send_with_blanks": request.POST.get("send_with_blanks") == "on",
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
            "is_staff": staff,
            "signature_requests": signing.current_requests(convention) if staff else [],
        },
        status=400 if request.method == "POST" else 200,
    )


def _frozen_summary(convention: Convention) -> dict:
    """What sending to signature freezes, as the confirmation page lists it."""
    lines = ShareLine.objects.filter(convention=convention).select_related("party", "post")
    totals: dict = {}
    for line in lines.order_by("post__name", "party__name"):
        key = (line.post, line.party)
        totals[key] = totals.get(key, 0) + line.amount
    text = documents.effective_text(convention)
    return {
        "memberships": convention.memberships.select_related("party", "representative"),
        "articles": len(text.get("articles", [])),
        "totals": [
            {"post": post, "party": party, "amount": amount}
            for (post, party), amount in totals.items()
        ],
        "years": sorted({line.year for line in lines}),
    }


@require_http_methods(["GET", "POST"])
def send_confirm(request, reference: str):
    """Confirm sending to signature: GET lists what becomes frozen (text, plan, parties), POST
    sends (``services.convention_send_to_signature``). Nothing changes on GET."""
    convention = editable_convention(request, reference)
    if not perms.can_send_to_signature(request.user, convention):
        messages.error(
            request,
            f"Seul un brouillon part à la signature (la convention est « "
            f"{convention.get_status_display()} »).",
        )
        return redirect(convention)
    status = 200
    circuit = _circuit_choices(request, convention)
    if request.method == "POST":
        try:
            if circuit["problem"]:
                raise ValidationError(circuit["problem"])
            services.convention_send_to_signature(
                convention=convention,
                by=request.user,
                send_with_blanks=request.POST.get("send_with_blanks") == "on",
                reason=request.POST.get("reason", ""),
                order=circuit["order"],
                ranks=circuit["ranks"],
                expires_on=circuit["expires_on"],
            )
        except ValidationError as error:
            for message in _error_messages(error):
                messages.error(request, message)
            status = 400
        else:
            messages.success(
                request,
                "La convention est partie à la signature : son texte et son plan de "
                "financement sont figés et le document à signer est enregistré.",
            )
            return redirect("conventions:signatures", reference=convention.reference)
    blanks = convention_blanks(convention)
    return render(
        request,
        "conventions/documents/send_confirm.html",
        {
            "convention": convention,
            "blanks": blanks,
            "blocking_blanks": [blank for blank in blanks if blank.blocking],
            "send_with_blanks": request.POST.get("send_with_blanks") == "on",
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
            "circuit": circuit,
            "order_labels": signing.ORDER_LABELS,
            **_frozen_summary(convention),
        },
        status=status,
    )


def _circuit_choices(request, convention: Convention) -> dict:
    """The signing order and expiry the send page offers (GET: the defaults) or was posted:
    the order, each signatory's rank (``rang-<party pk>``), the expiry date, and what is wrong
    with them (French, or "")."""
    from datetime import date, timedelta

    from django.utils import timezone

    signatories = list(
        convention.memberships.filter(is_signatory=True)
        .select_related("party", "representative")
        .order_by("order", "pk")
    )
    default_expiry = timezone.localdate() + timedelta(days=signing.DEFAULT_VALIDITY_DAYS)
    if request.method != "POST":
        ranks = signing.positions_for([m.party_id for m in signatories], order=signing.SEQUENTIAL)
        return {
            "order": signing.SEQUENTIAL,
            "ranks": ranks,
            "rows": [(m, ranks[m.party_id]) for m in signatories],
            "expires_on": default_expiry,
            "problem": "",
        }
    order = request.POST.get("order", signing.SEQUENTIAL)
    problem = "" if order in signing.ORDER_LABELS else "Choisissez l'ordre des signatures."
    ranks: dict[int, int | None] = {}
    for rank_default, membership in enumerate(signatories, start=1):
        raw = (request.POST.get(f"rang-{membership.party_id}") or str(rank_default)).strip()
        ranks[membership.party_id] = int(raw) if raw.isdigit() and len(raw) <= 2 else None
    problem = problem or (signing.ranks_problem(ranks) if order == signing.SEQUENTIAL else "")
    raw_expiry = (request.POST.get("expires_on") or "").strip()
    try:
        expires_on = date.fromisoformat(raw_expiry) if raw_expiry else default_expiry
    except ValueError:
        expires_on = None
        problem = problem or "La date d'expiration n'est pas une date (jj/mm/aaaa)."
    problem = problem or signing.expiry_problem(expires_on, timezone.localdate())
    return {
        "order": order,
        "ranks": ranks,
        "rows": [(m, ranks.get(m.party_id)) for m in signatories],
        "expires_on": expires_on,
        "problem": problem,
    }


@require_http_methods(["GET", "POST"])
def sign_confirm(request, reference: str, party_pk: int):
    """Confirm the last signature awaited, which makes the act signed: GET (the date and name
    in the query) says what can no longer change, POST records it. Nothing changes on GET."""
    convention = editable_convention(request, reference)
    back = reverse("conventions:signatures", args=[convention.reference])
    if convention.status != ConventionStatus.TO_SIGN:
        messages.error(
            request,
            f"La convention {convention.reference} n'est pas à la signature (statut « "
            f"{convention.get_status_display()} »).",
        )
        return redirect(convention)
    membership = get_object_or_404(
        convention.memberships.select_related("party", "representative"),
        party_id=party_pk,
        is_signatory=True,
    )
    if membership.signed_on is not None:
        messages.error(request, f"{membership.party} a déjà signé.")
        return redirect(back)
    form = SignatureForm(request.POST if request.method == "POST" else request.GET)
    if form.is_valid() and (
        problem := services.signature_date_problem(convention, form.cleaned_data["signed_on"])
    ):
        form.add_error("signed_on", problem)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    if request.method == "POST":
        try:
            services.convention_sign(
                convention=convention,
                party=membership.party,
                signed_on=form.cleaned_data["signed_on"],
                signatory_name=form.cleaned_data["signatory_name"],
                by=request.user,
            )
        except ValidationError as error:
            for message in _error_messages(error):
                messages.error(request, message)
            return redirect(back)
        convention.refresh_from_db()
        message = f"Signature de {membership.party} enregistrée."
        if convention.status != ConventionStatus.TO_SIGN:
            message += (
                f" Toutes les parties ont signé : la convention est « "
                f"{convention.get_status_display()} »."
            )
        messages.success(request, message)
        return redirect(back)
    return render(
        request,
        "conventions/documents/sign_confirm.html",
        {
            "convention": convention,
            "membership": membership,
            "form": form,
            "last": services.is_last_signature(convention, membership.party),
            "signed_on": form.cleaned_data["signed_on"],
            "signatory_name": form.cleaned_data["signatory_name"],
        },
    )


# --------------------------------------------------------------------------- convention text


def _templates_for(convention: Convention, user):
    return (
        DocumentTemplate.objects.visible_to(user)
        .filter(Q(organisation__isnull=True) | Q(organisation=convention.organisation_id))
        .order_by("-kind", "name")
    )


# --------------------------------------------------------------------------- templates


def template_list(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    templates = (
        DocumentTemplate.objects.visible_to(request.user)
        .select_related("organisation")
        .prefetch_related("versions")
        .order_by("organisation__name", "name")
    )
    editable = {t.pk for t in templates if perms.can_edit_template(request.user, t)}
    missing = template_library.missing_shared_templates() if perms.can_draft(request.user) else []
    return render(
        request,
        "conventions/documents/template_list.html",
        {"templates": templates, "editable": editable, "missing": missing},
    )


@require_http_methods(["GET", "POST"])
def template_install(request):
    """The templates shipped with the application, shared by every organisation, installed by a
    gestionnaire (a new organisation has none otherwise): GET says which, POST installs them;
    a template already there is never changed."""
    if not perms.can_draft(request.user):
        raise PermissionDenied
    back = request.POST.get("suivant") or request.GET.get("suivant") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "POST":
        versions = template_library.install_shared_templates()
        if versions:
            names = ", ".join(f"« {v.template.name} »" for v in versions)
            messages.success(request, f"Modèles installés : {names}.")
        else:
            messages.info(request, "Les modèles fournis avec l'application sont déjà installés.")
        return redirect(back or "conventions:template_list")
    return render(
        request,
        "conventions/documents/template_install.html",
        {"missing": template_library.missing_shared_templates(), "back": back},
    )


def _visible_template(request, pk: int) -> DocumentTemplate:
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    return get_object_or_404(DocumentTemplate.objects.visible_to(request.user), pk=pk)


def _sample_convention(request, template: DocumentTemplate) -> Convention | None:
    """The convention a template is previewed with: ?convention=REF, else one drafted from it,
    else one of the same kind in the organisation."""
    conventions = Convention.objects.visible_to(request.user)
    if template.organisation_id:
        conventions = conventions.filter(organisation_id=template.organisation_id)
    reference = request.GET.get("convention") or request.POST.get("sample")
    if reference:
        found = conventions.filter(reference=reference).first()
        if found:
            return found
    return (
        conventions.filter(template_version__template=template).order_by("reference").first()
        or conventions.filter(kind=template.kind).order_by("reference").first()
        or conventions.order_by("reference").first()
    )


def template_detail(request, pk: int):
    template = _visible_template(request, pk)
    version = template.current_version
    number = request.GET.get("version")
    if number and number.isdigit():
        version = get_object_or_404(template.versions, number=int(number))
    sample = _sample_convention(request, template)
    return render(
        request,
        "conventions/documents/template_detail.html",
        {
            "template": template,
            "version": version,
            "versions": template.versions.select_related("created_by"),
            "preview": _preview(sample, version.as_text()) if version else None,
            "sample": sample,
            "can_edit": perms.can_edit_template(request.user, template),
            "can_copy": perms.can_copy_template(request.user, template)
            and template.organisation_id is None,
            "conventions": Convention.objects.visible_to(request.user)
            .filter(template_version__template=template)
            .select_related("template_version")
            .order_by("reference"),
        },
    )


@require_http_methods(["GET", "POST"])
def template_copy(request, pk: int):
    """Copy a shared template into the gestionnaire's organisation (to adapt it)."""
    template = _visible_template(request, pk)
    if not perms.can_copy_template(request.user, template):
        raise PermissionDenied
    if request.method == "POST":
        copy = services.template_copy(
            template=template, organisation=request.user.organisation, by=request.user
        )
        messages.success(request, f"Modèle copié dans {request.user.organisation} : adaptez-le.")
        return redirect("conventions:template_edit", pk=copy.pk)
    return render(request, "conventions/documents/template_copy.html", {"template": template})


# --------------------------------------------------------------------------- bulk ZIP


def _deliberation(request, pk: int):
    """A deliberation of the staff user's scope, and its conventions the user sees."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    try:
        return bundles.deliberation_for(request.user, pk)
    except Deliberation.DoesNotExist:
        raise Http404 from None


def deliberation_zip(request, pk: int):
    """The page of the ZIP of a deliberation's conventions: what is ready, and a button (POST)
    that asks the worker to prepare it. Reading it writes nothing."""
    deliberation, conventions = _deliberation(request, pk)
    return render(
        request,
        "conventions/documents/deliberation_zip.html",
        {
            "deliberation": deliberation,
            "progress": bundles.progress(deliberation, conventions, request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def deliberation_zip_progress(request, pk: int):
    """The progress fragment (htmx, polled every 2 s while the worker prepares the archive),
    read from the task's own progress. GET only reads it; POST queues the preparation (once:
    not while one is under way) and renders nothing."""
    deliberation, conventions = _deliberation(request, pk)
    if request.method == "POST":
        try:
            bundles.request_preparation(deliberation, conventions, request.user)
        except downloads.TooMany as error:
            messages.error(request, " ".join(error.messages))
            return redirect("conventions:deliberation_zip", pk=deliberation.pk)
        if not request.headers.get("HX-Request"):
            messages.success(
                request, "Préparation de l'archive lancée : la page suit son avancement."
            )
            return redirect("conventions:deliberation_zip", pk=deliberation.pk)  # without htmx
    return render(
        request,
        "conventions/documents/_zip_progress.html",
        {"progress": bundles.progress(deliberation, conventions, request.user)},
    )


def deliberation_zip_download(request, pk: int):
    """The user's stored ZIP of every convention's reference document (signed copy, else its
    PDF). Nothing is produced here: while it is not ready, back to the page that asks for it."""
    deliberation, conventions = _deliberation(request, pk)
    progress = bundles.progress(deliberation, conventions, request.user)
    if not progress.done:
        if progress.pending:
            text = "L'archive est en préparation : la page suit son avancement."
        else:
            text = "L'archive n'est pas encore prête : préparez-la avant de la télécharger."
        messages.error(request, text)
        return redirect("conventions:deliberation_zip", pk=deliberation.pk)
    bundles.log_downloads(progress.prepared, request.user)
    return downloads.file_response(progress.prepared)
