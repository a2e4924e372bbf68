"""The « Transmission au contrôle de légalité » page of a signed convention: prepare the act's
@ctes package (then Pastell sends it), download the package, read back the state, retry after
an error; the organisation's transmission settings.

Staff of the organisation see the page (404 outside their scope, through ``visible_to``); only
its gestionnaires prepare, retry or change the settings (403). Partners and intervenants never
see it: the transmission is the organisation's business with its préfecture.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from conventions import actes, perms, transmission
from conventions.models import Convention, Transmission
from conventions.selectors import convention_from_url

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TransmissionForm(forms.Form):
    number = forms.CharField(
        label="Numéro de l'acte",
        max_length=15,
        help_text="15 caractères au plus : chiffres, lettres majuscules ou « _ ».",
        error_messages={"required": "Indiquez le numéro de l'acte."},
    )
    decision_date = forms.DateField(
        label="Date de la décision",
        widget=DATE_WIDGET,
        help_text="Pour une convention : la date de sa signature.",
        error_messages={"required": "Indiquez la date de la décision."},
    )
    classification = forms.CharField(
        label="Classification (matière)",
        max_length=20,
        help_text="Ex. 7.5 (finances locales, subventions) ou 8.2 (aide sociale).",
        error_messages={"required": "Indiquez la classification."},
    )
    subject = forms.CharField(
        label="Objet",
        max_length=actes.SUBJECT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez l'objet de l'acte."},
    )


class SettingsForm(forms.Form):
    actes_department = forms.RegexField(
        label="Code du département",
        regex=r"^(\d{3}|2[AB]\d)$",
        max_length=3,
        help_text="Trois caractères, ex. 062.",
        error_messages={"invalid": "Le code du département tient en trois caractères (ex. 062)."},
    )
    actes_classification = forms.RegexField(
        label="Classification par défaut",
        regex=actes.CLASSIFICATION_PATTERN.pattern,
        max_length=20,
        error_messages={"invalid": "Des niveaux séparés par des points, ex. 7.5."},
    )
    actes_required = forms.BooleanField(
        label="Nos conventions ne sont exécutoires qu'après l'accusé de réception de la préfecture",
        required=False,
    )


def _convention(request, reference: str) -> Convention:
    if not perms.can_see_transmission(request.user):
        raise PermissionDenied
    return convention_from_url(
        request,
        Convention.objects.visible_to(request.user).select_related("organisation__party"),
        reference,
    )


def _page(request, convention, *, form=None, settings_form=None, status=200):
    organisation = convention.organisation
    can_edit = perms.can_transmit(request.user, convention)
    return render(
        request,
        "conventions/transmission.html",
        {
            "convention": convention,
            "current": transmission.current(convention),
            "transmissions": convention.transmissions.all(),
            "executory": transmission.is_executory(convention),
            "can_edit": can_edit,
            "pastell": transmission.pastell_config() is not None,
            "form": form or TransmissionForm(initial=transmission.initial(convention)),
            "settings_form": settings_form
            or SettingsForm(
                initial={
                    "actes_department": organisation.actes_department,
                    "actes_classification": organisation.actes_classification,
                    "actes_required": organisation.actes_required,
                }
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def transmission_page(request, reference: str):
    convention = _convention(request, reference)
    if request.method == "GET":
        return _page(request, convention)
    if not perms.can_transmit(request.user, convention):
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "parametres":
        settings_form = SettingsForm(request.POST)
        if not settings_form.is_valid():
            return _page(request, convention, settings_form=settings_form, status=400)
        organisation = convention.organisation
        for name, value in settings_form.cleaned_data.items():
            setattr(organisation, name, value)
        organisation.save(update_fields=list(settings_form.cleaned_data))
        messages.success(request, "Paramètres de transmission enregistrés.")
        return redirect("conventions:transmission", reference=reference)
    if action == "relancer":
        current = transmission.current(convention)
        if current is None:
            raise Http404
        try:
            transmission.transmission_retry(transmission=current, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("conventions:transmission", reference=reference)
        messages.success(request, "La transmission est relancée.")
        return redirect("conventions:transmission", reference=reference)
    form = TransmissionForm(request.POST)
    if not form.is_valid():
        return _page(request, convention, form=form, status=400)
    try:
        transmission.transmission_prepare(
            convention=convention, values=form.cleaned_data, by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, convention, form=form, status=400)
    messages.success(
        request,
        "Transmission enregistrée : le paquet est en préparation"
        + (" puis part par Pastell." if transmission.pastell_config() else "."),
    )
    return redirect("conventions:transmission", reference=reference)


def transmission_package(request, reference: str, pk: int):
    convention = _convention(request, reference)
    item = get_object_or_404(Transmission, pk=pk, convention=convention)
    if not item.package:
        raise Http404
    with item.package.open("rb") as stored:  # read whole: a package is one act's PDFs
        content = stored.read()
    response = HttpResponse(content, content_type="application/gzip")
    name = item.package_name or "transmission.tar.gz"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
