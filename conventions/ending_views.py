"""Ending a signed convention: dénonciation (a notice before the deadline it sets) and résiliation
(a date of effect and a reason), each confirmed, recorded by a service, and its letter as a PDF.

Only a gestionnaire of the convention's organisation ends it (403 otherwise; 404 outside the
user's scope, through ``visible_to``); the letter is for the organisation's staff.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from conventions import letters, perms, services
from conventions.document_views import editable_convention
from conventions.models import Convention
from conventions.selectors import convention_from_url
from iscg import downloads
from iscg.formatting import count_words, format_date_long, plural_word

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DenounceForm(forms.Form):
    notice_date = forms.DateField(
        label="Date d'envoi de la lettre de dénonciation",
        widget=DATE_WIDGET,
        help_text="La lettre recommandée part au plus tard le dernier jour du préavis.",
        error_messages={"required": "Indiquez la date d'envoi de la lettre."},
    )
    reason = forms.CharField(
        label="Motif (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label="Je confirme la dénonciation : la convention ne sera pas renouvelée.",
        error_messages={"required": "Cochez la case pour confirmer la dénonciation."},
    )


class TerminateForm(forms.Form):
    effective_date = forms.DateField(
        label="Date d'effet de la résiliation",
        widget=DATE_WIDGET,
        help_text="À partir de cette date, plus aucun mois n'est dû.",
        error_messages={"required": "Indiquez la date d'effet de la résiliation."},
    )
    reason = forms.CharField(
        label="Motif de la résiliation",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Indiquez le motif de la résiliation."},
    )
    confirm = forms.BooleanField(
        label="Je confirme la résiliation : les financements cessent à la date d'effet.",
        error_messages={"required": "Cochez la case pour confirmer la résiliation."},
    )


def _done(request, ending, what: str):
    convention = ending.convention
    text = (
        f"{what} de la convention {convention.reference} enregistrée : date d'effet le "
        f"{format_date_long(convention.termination_effective_date)}."
    )
    if ending.payments_to_cancel:
        count = len(ending.payments_to_cancel)
        text += (
            f" {count_words(count, 'titre à annuler', 'titres à annuler')}, "
            f"{plural_word(count, 'listé')} ci-dessous."
        )
    messages.success(request, text)
    return redirect(convention)


def _page(request, convention, form, *, kind: str, status: int):
    return render(
        request,
        "conventions/ending/form.html",
        {"convention": convention, "form": form, "kind": kind, "today": timezone.localdate()},
        status=status,
    )


def _ending(request, reference: str, *, kind: str, what: str, form_class, end, initial=None):
    """The confirmation form of an ending, then the service ``end(convention, data, by)``."""
    convention = editable_convention(request, reference)
    form = form_class(request.POST or None, initial=initial)
    if request.method != "POST":
        return _page(request, convention, form, kind=kind, status=200)
    if form.is_valid():
        try:
            ending = end(convention, form.cleaned_data, request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return _done(request, ending, what)
    return _page(request, convention, form, kind=kind, status=400)


@require_http_methods(["GET", "POST"])
def convention_denounce(request, reference: str):
    return _ending(
        request,
        reference,
        kind="denonciation",
        what="Dénonciation",
        form_class=DenounceForm,
        initial={"notice_date": timezone.localdate()},
        end=lambda convention, data, by: services.convention_denounce(
            convention=convention, notice_date=data["notice_date"], reason=data["reason"], by=by
        ),
    )


@require_http_methods(["GET", "POST"])
def convention_terminate(request, reference: str):
    return _ending(
        request,
        reference,
        kind="resiliation",
        what="Résiliation",
        form_class=TerminateForm,
        end=lambda convention, data, by: services.convention_terminate(
            convention=convention,
            effective_date=data["effective_date"],
            reason=data["reason"],
            by=by,
        ),
    )


def termination_letter(request, reference: str):
    """The letter of the recorded dénonciation or résiliation (staff of the organisation)."""
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    convention = convention_from_url(
        request,
        Convention.objects.visible_to(request.user).select_related("organisation"),
        reference,
    )
    if not convention.termination_kind:
        raise Http404("Aucune dénonciation ni résiliation n'est enregistrée.")
    return downloads.pdf_download(
        request,
        builder="conventions.letters.prepared_pdf",
        html=letters.termination_letter_html(convention),
        label=f"Lettre de {convention.get_termination_kind_display().lower()} de {convention.reference}",
        filename=f"{convention.reference}-{convention.termination_kind}.pdf",
        organisation=convention.organisation,
        inline=True,
    )
