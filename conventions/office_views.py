"""A convention's text as ODT or DOCX, and a text sent back in one of them compared with the
draft and taken in part by part.

Downloads follow the PDF's rule (``conventions.document_access``: the same version as
``/pdf/``, refused, waited for or « pas encore disponible » the same way); the file is written by
the worker, the page waits for it. Upload, comparison and taking are a gestionnaire's of the
convention's organisation (``perms.can_edit_convention``: 403, 404 outside its scope); only a
draft whose text is not frozen accepts a returned text (else back to the convention, nothing
changed). Views parse, authorise, call ``office_services`` and render.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from conventions import document_access, office, office_services
from conventions.document_views import _visible, editable_convention, read_response
from conventions.models import OfficeFormat

#: The waiting page asks again this many times (every 2 s) before saying the worker is late.
MAX_WAITS = 30
FROZEN = (
    "Le texte est figé depuis l'envoi à la signature : un texte renvoyé ne peut plus y être "
    "repris (rédigez un avenant)."
)


def office_download(request, reference: str, file_format: str):
    """The convention's ODT or DOCX (the same version as its PDF), or a page that waits for
    the worker to write it."""
    convention = _visible(request, reference)
    if file_format not in OfficeFormat.values:
        raise Http404
    try:
        reading = document_access.current_for(request.user, convention)
        if reading.document is None:  # refused, not yet available, or decided by the worker
            return read_response(request, convention, reading)
        item = office_services.office_document(version=reading.document, file_format=file_format)
    except ValidationError as error:
        messages.error(
            request, "Le document ne peut pas être produit : " + " ".join(error.messages)
        )
        return redirect(convention)
    label = OfficeFormat(file_format).label
    if not item.file:
        tries = request.GET.get("essai", "")
        tries = int(tries) if tries.isdigit() else 0
        return render(
            request,
            "conventions/documents/office_wait.html",
            {
                "convention": convention,
                "label": label,
                "late": tries >= MAX_WAITS,
                "next_url": f"{request.path}?essai={tries + 1}",
                "retry_url": request.path,
            },
        )
    with item.file.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type=office_services.CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ReturnedTextForm(forms.Form):
    file = forms.FileField(
        label="Texte renvoyé (ODT ou DOCX)",
        help_text=f"Le document téléchargé depuis l'application, modifié dans un traitement de "
        f"texte ; {office.MAX_UPLOAD_BYTES // (1024 * 1024)} Mo au plus, sans macro.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".odt,.docx," + ",".join(office_services.CONTENT_TYPES.values())}
        ),
        error_messages={"required": "Choisissez le fichier ODT ou DOCX à comparer."},
    )


@require_http_methods(["GET", "POST"])
def returned_upload(request, reference: str):
    """Deposit a text sent back as ODT or DOCX, then see it beside the draft."""
    convention = editable_convention(request, reference)
    if not convention.is_text_editable:
        messages.error(request, FROZEN)
        return redirect(convention)
    form = ReturnedTextForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                returned = office_services.returned_text_upload(
                    convention=convention, upload=form.cleaned_data["file"], by=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                return redirect(
                    "conventions:returned_text", reference=convention.reference, pk=returned.pk
                )
        status = 400
    returned_texts = convention.returned_texts.select_related("uploaded_by")[:10]
    return render(
        request,
        "conventions/text/returned_upload.html",
        {"convention": convention, "form": form, "returned_texts": returned_texts},
        status=status,
    )


def _returned(request, reference: str, pk: int):
    convention = editable_convention(request, reference)
    returned = get_object_or_404(convention.returned_texts.select_related("uploaded_by"), pk=pk)
    return convention, returned


def returned_text(request, reference: str, pk: int):
    """The draft and the returned text side by side, part by part; each changed part can be
    taken into the draft while it is editable."""
    convention, returned = _returned(request, reference, pk)
    parts = office_services.returned_comparison(convention, returned)
    return render(
        request,
        "conventions/text/returned_compare.html",
        {
            "convention": convention,
            "returned": returned,
            "changed": [p for p in parts if p.part.changed],
            "unchanged": [p.part.label for p in parts if not p.part.changed],
            "can_take": convention.is_text_editable,
            "take_url": reverse(
                "conventions:returned_take", args=[convention.reference, returned.pk]
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def returned_take(request, reference: str, pk: int):
    """Take one changed part of the returned text into the draft (POST; GET goes back to the
    comparison)."""
    convention, returned = _returned(request, reference, pk)
    back = reverse("conventions:returned_text", args=[convention.reference, returned.pk])
    if request.method != "POST":
        return redirect(back)
    if not convention.is_text_editable:
        messages.error(request, FROZEN)
        return redirect(convention)
    index = request.POST.get("part", "")
    try:
        part, notes = office_services.returned_take(
            convention=convention,
            returned=returned,
            index=int(index) if index.isdigit() else -1,
            fingerprint=request.POST.get("empreinte", "")[:64],
            by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, f"{part.label} : modification reprise dans le brouillon.")
    for note in notes:
        messages.warning(request, note)
    return redirect(back)
