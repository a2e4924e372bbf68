"""Titres à émettre, their exports and ZIP, collection returns, receivables: the views parse,
authorise, call ``financing.titres`` / ``services`` / ``collection_returns`` and render."""

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from financing import collection_returns, perms, receivables, services, titre_bundles, titres
from financing.filters import ReceivableFilter
from financing.forms import CollectionImportForm, TitreSettingsForm, TitresIssueForm
from financing.models import CollectionImport, ShareLine
from financing.views import _organisation_for
from iscg import perms as shared_perms
from iscg.formatting import count_words, format_euros
from iscg.models import Organisation

#: Most shares issued in one go (a département has a few dozen a year).
MAX_ISSUED = 500


def _query(request, organisation) -> str:
    """``?organisation=<slug>`` for those who choose it (kept on the page's links)."""
    if shared_perms.sees_every_organisation(request.user):
        return f"?organisation={organisation.slug}"
    return ""


def _lines(request, organisation):
    return ShareLine.objects.visible_to(request.user).filter(organisation=organisation)


def _chosen_amounts(request, rows) -> tuple[dict[int, Decimal], list[str]]:
    """The ticked shares (``parts``) and their amounts (``montant-<pk>``, default what is left
    to issue); French errors for an unreadable amount."""
    by_pk = {row.line.pk: row for row in rows}
    amounts, errors = {}, []
    ticked = request.POST.getlist("parts")[: MAX_ISSUED + 1]
    if len(ticked) > MAX_ISSUED:
        return {}, [f"{MAX_ISSUED} parts au plus par émission."]
    for value in ticked:
        if not value.isdigit():
            errors.append("Part inconnue.")
            continue
        pk = int(value)
        typed = request.POST.get(f"montant-{pk}", "").strip()
        if not typed:
            amounts[pk] = by_pk[pk].remaining if pk in by_pk else Decimal(0)
            continue
        amount = collection_returns.parse_amount(typed)
        if amount is None:
            errors.append(
                f"Montant « {collection_returns.echo(typed)} » illisible : un montant positif, "
                "ex. 17 500,00."
            )
        else:
            amounts[pk] = amount
    return amounts, errors


def titres_to_issue(request, year: int):
    """« Titres à émettre » of an exercice: each co-funder's share from the effective plans
    less what is already issued; the gestionnaire ticks shares and issues their titres."""
    organisation = _organisation_for(request)
    lines = _lines(request, organisation)
    rows = titres.to_issue(lines, year)
    can_issue = perms.can_issue_titres(request.user, organisation)
    form = TitresIssueForm(request.POST or None, initial={"issued_on": date.today()})
    errors: list[str] = []
    if request.method == "POST":
        if not can_issue:
            raise PermissionDenied
        amounts, errors = _chosen_amounts(request, rows)
        if form.is_valid() and not errors:
            try:
                issued = services.titres_issue(
                    organisation=organisation,
                    amounts=amounts,
                    lines=titres.titre_lines(lines, year),
                    issued_on=form.cleaned_data["issued_on"],
                    by=request.user,
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                total = sum((p.amount_issued for p in issued), Decimal(0))
                count = len(issued)
                messages.success(
                    request,
                    f"{count_words(count, 'titre de recettes émis', 'titres de recettes émis')} "
                    f"({format_euros(total)}), n° {issued[0].number}"
                    + (f" à {issued[-1].number}" if count > 1 else "")
                    + ".",
                )
                return redirect(reverse("financing:titres", args=[year]))
    titre_settings = titres.settings_for(organisation)
    return render(
        request,
        "financing/titres.html",
        {
            "organisation": organisation,
            "year": year,
            "rows": rows,
            "total": sum((row.remaining for row in rows), Decimal(0)),
            "form": form,
            "errors": errors,
            "can_issue": can_issue,
            "imputation": titres.imputation_for(organisation, titre_settings),
            "payment_days": titre_settings.payment_days,
            "query": _query(request, organisation),
            "issued_count": titres.issued_titres(lines, year).count(),
            "organisations": Organisation.objects.order_by("name")
            if shared_perms.sees_every_organisation(request.user)
            else None,
        },
        status=400 if errors or form.errors else 200,
    )


def _flavour(request) -> str:
    flavour = request.GET.get("format", "fr")
    if flavour not in titres.FLAVOURS:
        raise Http404
    return flavour


def _csv_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def titres_csv(request, year: int):
    """The titres to issue as the finance software imports them (``?format=fr|machine``)."""
    organisation = _organisation_for(request)
    flavour = _flavour(request)
    rows = titres.rows_to_issue(
        titres.to_issue(_lines(request, organisation), year), titres.imputation_for(organisation)
    )
    suffix = "" if flavour == "fr" else "-machine"
    return _csv_response(titres.csv_bytes(rows, flavour), f"titres-a-emettre-{year}{suffix}.csv")


def titres_issued_csv(request, year: int):
    """The exercice's titres issued (numbers, due dates, attachment names), both flavours."""
    organisation = _organisation_for(request)
    flavour = _flavour(request)
    rows = titres.rows_issued(
        titres.issued_titres(_lines(request, organisation), year),
        titres.imputation_for(organisation),
        titres.payment_days_for(organisation),
    )
    suffix = "" if flavour == "fr" else "-machine"
    return _csv_response(titres.csv_bytes(rows, flavour), f"titres-emis-{year}{suffix}.csv")


@require_http_methods(["GET", "POST"])
def titres_zip(request, year: int):
    """The ZIP of the exercice's titres (CSV and one convention PDF per titre): what it holds,
    and a button (POST) that asks the worker to prepare it. A GET writes nothing."""
    organisation = _organisation_for(request)
    if request.method == "POST":
        titre_bundles.request_preparation(organisation, year, request.user)
        if not request.headers.get("HX-Request"):
            messages.success(
                request, "Préparation de l'archive lancée : la page suit son avancement."
            )
            return redirect(
                reverse("financing:titres_zip", args=[year]) + _query(request, organisation)
            )
    template = (
        "financing/includes/titres_zip_progress.html"
        if request.headers.get("HX-Request")
        else "financing/titres_zip.html"
    )
    return render(
        request,
        template,
        {
            "progress": titre_bundles.progress(organisation, year, request.user),
            "year": year,
            "query": _query(request, organisation),
        },
    )


def titres_zip_download(request, year: int):
    organisation = _organisation_for(request)
    progress = titre_bundles.progress(organisation, year, request.user)
    if not progress.done:
        messages.error(
            request, "L'archive n'est pas encore prête : préparez-la avant de la télécharger."
        )
        return redirect(
            reverse("financing:titres_zip", args=[year]) + _query(request, organisation)
        )
    return FileResponse(
        default_storage.open(progress.archive, "rb"),
        as_attachment=True,
        filename=titre_bundles.download_name(organisation, year),
        content_type="application/zip",
    )


def titre_settings(request):
    """The organisation's imputation and delay of payment for its titres (gestionnaire)."""
    organisation = request.user.organisation if request.user.is_authenticated else None
    if not perms.can_issue_titres(request.user, organisation):
        raise PermissionDenied
    current = titres.settings_for(organisation)
    form = TitreSettingsForm(
        request.POST or None,
        initial={"imputation": current.imputation, "payment_days": current.payment_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.titre_settings_save(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Réglages des titres enregistrés.")
            return redirect("financing:titre_settings")
    return render(
        request,
        "financing/titre_settings.html",
        {
            "form": form,
            "default_imputation": titres.default_imputation(organisation.budget_line),
        },
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- collections


def collections_import(request):
    """Deposit a file of collection returns; the worker reads it (the page of the import
    follows it). The last imports of the organisation are listed."""
    if not perms.can_import_collections(request.user):
        raise PermissionDenied
    organisation = request.user.organisation
    form = CollectionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            deposited = collection_returns.queue_import(
                organisation=organisation,
                filename=upload.name,
                content=upload.read(collection_returns.MAX_BYTES + 1),
                by=request.user,
            )
        except collection_returns.FileRefused as refused:
            form.add_error("file", refused.errors)
        else:
            messages.success(request, "Fichier déposé : il est lu en arrière-plan.")
            return redirect("financing:collection_import", pk=deposited.pk)
    return render(
        request,
        "financing/collections_import.html",
        {
            "form": form,
            "imports": CollectionImport.objects.filter(organisation=organisation)
            .defer("content")
            .select_related("uploaded_by")[:10],
        },
        status=400 if form.errors else 200,
    )


def collection_import(request, pk: int):
    """What an import marked received and what did not match (its organisation's staff)."""
    if not perms.can_see_receivables(request.user):
        raise PermissionDenied
    scope = CollectionImport.objects.defer("content")
    if not shared_perms.sees_every_organisation(request.user):
        scope = scope.filter(organisation_id=request.user.organisation_id)
    deposited = get_object_or_404(scope.select_related("uploaded_by", "organisation"), pk=pk)
    template = (
        "financing/includes/collection_report.html"
        if request.headers.get("HX-Request")
        else "financing/collection_import.html"
    )
    return render(request, template, {"deposited": deposited, "report": deposited.report})


# --------------------------------------------------------------------------- receivables


class _Late(forms.Form):
    en_retard = forms.BooleanField(required=False, label="En retard seulement")


def receivables_list(request):
    """Every titre issued and not (fully) collected: age, « en retard », filters, total."""
    if not perms.can_see_receivables(request.user):
        raise PermissionDenied
    lines = ShareLine.objects.visible_to(request.user)
    base = receivables.outstanding_queryset(lines)
    filterset = ReceivableFilter(request.GET, base, user=request.user)
    rows, total = receivables.receivables(filterset.results, date.today())
    late_form = _Late(request.GET)
    only_late = late_form.is_valid() and late_form.cleaned_data["en_retard"]
    if only_late:
        rows = [row for row in rows if row.late]
        total = sum((row.outstanding for row in rows), Decimal(0))
    return render(
        request,
        "financing/receivables.html",
        {
            "filter": filterset,
            "rows": rows,
            "total": total,
            "late_count": sum(1 for row in rows if row.late),
            "only_late": only_late,
            "can_import": perms.can_import_collections(request.user),
        },
    )
