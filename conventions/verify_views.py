"""The verification page: any signed-in user uploads a PDF and reads what its signatures say
(``conventions.sealing.verify_pdf``). It reveals only what the file itself holds, and whether it
is a document the user may already download (``selectors.known_document``); the file is not kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from conventions import sealing, selectors, services
from conventions.forms import VerifyPdfForm


@require_http_methods(["GET", "POST"])
def verify_pdf(request):
    form = VerifyPdfForm(request.POST or None, request.FILES or None)
    verification, known, status = None, None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                content = services.read_upload(
                    form.cleaned_data["file"], limit=settings.VERIFY_PDF_MAX_BYTES
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                verification = sealing.verify_pdf(content)
                if verification.error:
                    form.add_error("file", verification.error)
                    verification = None
                else:
                    status = 200
                    known = selectors.known_document(request.user, verification.sha256)
    return render(
        request,
        "conventions/verify_pdf.html",
        {"form": form, "verification": verification, "known": known},
        status=status,
    )
