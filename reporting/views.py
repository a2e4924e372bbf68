"""Bilans pages: yearly dashboard and its exports, bilan entry and workflow, comité de suivi pack,
spreadsheet import. Every lookup goes through ``visible_to`` (404 outside the user's scope)."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from conventions.models import Convention, ConventionStatus, Post
from financing.models import ShareLine
from iscg import concurrency, downloads
from iscg import imports as import_jobs
from iscg import perms as shared_perms
from iscg.history import history_rows
from iscg.models import Organisation
from reporting import exports, imports, perms, rules, selectors, services
from reporting.filters import BilanFilter, DashboardFilter
from reporting.forms import (
    BilanForm,
    ImportForm,
    PartFormSet,
    ReviewForm,
    blank_parts,
    issue_rows,
)
from reporting.models import Bilan, BilanStatus, PartKind

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404


def _filters(request) -> DashboardFilter:
    """The dashboard's GET filters, validated; refused values are ignored, with a message."""
    return DashboardFilter(
        request.GET,
        user=request.user,
        sees_every_organisation=shared_perms.sees_every_organisation(request.user),
    )


# --------------------------------------------------------------------------- dashboard


def current_year(request):
    """Staff: the latest year with bilans (else this year); intervenant: its post's bilans."""
    user = request.user
    if shared_perms.is_intervenant(user):
        return redirect("reporting:bilan_list")
    shared_perms.require_staff(user)
    year = selectors.latest_year(user) or date.today().year
    return redirect("reporting:dashboard", year=year)


def _dashboard(
    request, year: int, *, per_organisation: bool = False, found: DashboardFilter | None = None
) -> selectors.Dashboard:
    """``per_organisation``: a national view with no organisation chosen gets one row per
    organisation instead of the table of every post. ``found``: the filters, when the caller
    has them already."""
    _check_year(year)
    shared_perms.require_staff(request.user)
    filters = (found if found is not None else _filters(request)).to_filters()
    by_organisation = (
        per_organisation
        and shared_perms.sees_every_organisation(request.user)
        and filters.organisation is None
    )
    return selectors.dashboard(request.user, year, filters, by_organisation=by_organisation)


def dashboard(request, year: int):
    """The year's dashboard. A national view first shows one row per organisation, each linking
    to that organisation's table of posts (the exports keep every post)."""
    found = _filters(request)
    board = _dashboard(request, year, per_organisation=True, found=found)
    user = request.user
    organisations = (
        Organisation.objects.order_by("name")
        if shared_perms.sees_every_organisation(user)
        else None
    )
    query = urlencode(board.filters.query())
    template = "reporting/dashboard.html"
    if board.organisations is not None:
        template = "reporting/dashboard_organisations.html"
    return render(
        request,
        template,
        {
            "board": board,
            "organisations": organisations,
            "query": f"?{query}" if query else "",
            "params": query,
            "years": [year - 1, year + 1],
            "filter_errors": found.error_messages,
            "can_import": perms.can_import(user),
        },
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def dashboard_xlsx(request, year: int):
    board = _dashboard(request, year)
    return _download(exports.dashboard_xlsx(board), exports.XLSX_TYPE, f"bilans-{year}.xlsx")


def dashboard_csv(request, year: int):
    board = _dashboard(request, year)
    return _download(exports.dashboard_csv(board), exports.CSV_TYPE, f"bilans-{year}.csv")


def dashboard_pdf(request, year: int):
    board = _dashboard(request, year)
    return downloads.pdf_download(
        request,
        builder="reporting.exports.prepared_pdf",
        html=exports.dashboard_pdf_html(board),
        label=f"Tableau de bord des bilans {year} (PDF)",
        filename=f"bilans-{year}.pdf",
        organisation=request.user.organisation,
    )


# --------------------------------------------------------------------------- bilans


def bilan_list(request):
    user = request.user
    if not perms.can_see_bilans(user):
        raise PermissionDenied
    found = BilanFilter(request.GET, queryset=Bilan.objects.visible_to(user))
    bilans = found.results.select_related("post", "post__organisation").order_by(
        "-year", "post__name"
    )
    year = request.GET.get("annee", "").strip()
    status = request.GET.get("etat", "").strip()
    bilans = list(bilans[:500])
    dates = selectors.due_dates(
        Post.objects.filter(pk__in={b.post_id for b in bilans}).values("pk"),
        {b.year for b in bilans},
    )
    today = date.today()
    rows = []
    for bilan in bilans:
        due = selectors.due_date_for(dates, bilan.post_id, bilan.year)
        late = not bilan.is_transmitted and today > due
        rows.append({"bilan": bilan, "due": due, "late": late})
    to_enter = []
    own_post = perms.enters_own_post(user)
    if own_post:
        have = set(Bilan.objects.filter(post_id=user.post_id).values_list("year", flat=True))
        to_enter = [y for y in _years_to_report(user.post_id, today) if y not in have]
    return render(
        request,
        "reporting/bilan_list.html",
        {
            "rows": rows,
            "statuses": BilanStatus.choices,
            "current": {"annee": year, "etat": status},
            "filter_errors": found.error_messages,
            "to_enter": to_enter,
            "post": user.post if shared_perms.is_intervenant(user) else None,
            "can_import": perms.can_import(user),
            "can_see_dashboard": perms.can_see_dashboard(user),
        },
    )


def _visible_bilan(request, pk: int) -> Bilan:
    return get_object_or_404(
        Bilan.objects.visible_to(request.user).select_related(
            "post", "post__organisation", "submitted_by", "reviewed_by"
        ),
        pk=pk,
    )


def bilan_detail(request, pk: int):
    bilan = _visible_bilan(request, pk)
    user = request.user
    dates = selectors.due_dates(Post.objects.filter(pk=bilan.post_id).values("pk"), [bilan.year])
    due = selectors.due_date_for(dates, bilan.post_id, bilan.year)
    return render(
        request,
        "reporting/bilan_detail.html",
        {
            "bilan": bilan,
            "parts": bilan.parts.all(),
            "due": due,
            "late": not bilan.is_transmitted and date.today() > due,
            "history": history_rows(bilan),
            "can_edit": perms.can_edit(user, bilan),
            "inconsistencies": issue_rows(services.submission_issues(bilan))
            if bilan.is_editable
            else [],
            "can_review": perms.can_validate(user, bilan) or perms.can_return(user, bilan),
            "can_pack": perms.can_see_dashboard(user),
            "can_see_dashboard": perms.can_see_dashboard(user),
        },
    )


def _saved(request, bilan: Bilan, text: str) -> None:
    """Say the draft is saved, and how many inconsistencies it keeps (listed on its page)."""
    issues = services.submission_issues(bilan)
    if issues:
        count = rules.counted(len(issues), "point", "points")
        messages.warning(
            request,
            f"{text} Il reste {count} à corriger avant de le transmettre au coordinateur "
            "(liste ci-dessous).",
        )
    else:
        messages.success(request, text)


def bilan_create(request, post_pk: int, year: int):
    _check_year(year)
    post = get_object_or_404(Post.objects.visible_to(request.user), pk=post_pk)
    if not perms.can_enter(request.user, post):
        raise PermissionDenied
    existing = Bilan.objects.filter(post=post, year=year).first()
    if existing:
        return redirect("reporting:bilan_edit", pk=existing.pk)
    initial = {"communes_count": post.communes_count, "epci_count": post.epcis.count() or None}
    form = BilanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            bilan = services.bilan_create(
                user=request.user, post=post, year=year, data=form.figures()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _saved(request, bilan, f"Bilan {year} enregistré (brouillon).")
            return redirect(bilan.get_absolute_url())
    return render(
        request,
        "reporting/bilan_form.html",
        {"form": form, "post": post, "year": year, "bilan": None},
        status=400 if form.errors else 200,
    )


def bilan_edit(request, pk: int):
    bilan = _visible_bilan(request, pk)
    if not perms.can_enter(request.user, bilan.post):
        raise PermissionDenied
    if not bilan.is_editable:
        messages.warning(
            request,
            f"Ce bilan est {bilan.get_status_display().lower()} : il ne se modifie plus.",
        )
        return redirect(bilan.get_absolute_url())
    split = request.GET.get("ventilation", "")
    if request.method == "POST":
        form = BilanForm(request.POST, instance=bilan)
        formset = PartFormSet(request.POST, prefix="parts")
    else:
        form = BilanForm(instance=bilan)
        form.set_inconsistencies(services.submission_issues(bilan))
        if split in PartKind.values:
            initial = blank_parts(split, bilan.post)
        else:
            initial = [part.figures() for part in bilan.parts.all()]
        formset = PartFormSet(initial=initial, prefix="parts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        parts = [p for p in (f.part() for f in formset.forms) if p is not None]
        try:
            bilan = services.bilan_update(
                user=request.user,
                bilan=bilan,
                data=form.figures(),
                parts=parts,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _saved(request, bilan, "Bilan enregistré (brouillon).")
            return redirect(bilan.get_absolute_url())
    return render(
        request,
        "reporting/bilan_form.html",
        {
            "form": form,
            "formset": formset,
            "post": bilan.post,
            "year": bilan.year,
            "bilan": bilan,
            "part_kinds": PartKind.choices,
            "part_columns": [(field, field) for field, _ in rules.PART_FIELDS],
            # The version token of the bilan as the page loaded it (iscg.concurrency).
            "version": concurrency.posted(request.POST)
            or concurrency.token(services.bilan_version_state(bilan)),
        },
        status=400 if form.errors or formset.errors and any(formset.errors) else 200,
    )


def bilan_submit(request, pk: int):
    bilan = _visible_bilan(request, pk)
    if not perms.can_enter(request.user, bilan.post):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.bilan_submit(user=request.user, bilan=bilan)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("reporting:bilan_submit", pk=bilan.pk)
        messages.success(request, "Bilan transmis au coordinateur.")
        return redirect(bilan.get_absolute_url())
    return render(
        request,
        "reporting/bilan_submit.html",
        {
            "bilan": bilan,
            "issues": issue_rows(services.submission_issues(bilan)) if bilan.is_editable else [],
        },
    )


def bilan_review(request, pk: int):
    bilan = _visible_bilan(request, pk)
    if not perms.can_review(request.user, bilan.post):
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        action = request.POST.get("action")
        try:
            if action == "valider":
                services.bilan_validate(user=request.user, bilan=bilan, comment=comment)
                messages.success(request, "Bilan validé.")
            elif action == "renvoyer":
                services.bilan_return(user=request.user, bilan=bilan, comment=comment)
                messages.success(request, "Bilan renvoyé à son auteur.")
            else:
                raise ValidationError("Choisissez : valider ou renvoyer.")
        except ValidationError as error:
            # The comment's own refusals (empty, personal data) go beside it; the bilan's
            # state (already validated…) above the form.
            on_comment = getattr(error, "error_dict", {}).get("review_comment")
            for message in ValidationError(on_comment).messages if on_comment else []:
                form.add_error("comment", message)
            if not on_comment:
                for message in error.messages:
                    form.add_error(None, message)
        else:
            return redirect(bilan.get_absolute_url())
    return render(
        request,
        "reporting/bilan_review.html",
        {
            "bilan": bilan,
            "form": form,
            "can_validate": perms.can_validate(request.user, bilan),
            "can_return": perms.can_return(request.user, bilan),
            "compared": selectors.year_on_year(request.user, bilan),
        },
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- comité de suivi


def committee_pack(request, post_pk: int, year: int):
    """One PDF for the comité de suivi: bilan, the year's financing and payments, key dates."""
    _check_year(year)
    if not perms.can_see_dashboard(request.user):
        raise PermissionDenied
    post = get_object_or_404(
        Post.objects.visible_to(request.user).select_related("employer", "organisation"),
        pk=post_pk,
    )
    pack = selectors.committee_pack(
        request.user, post, year, ShareLine.objects.visible_to(request.user)
    )
    return downloads.pdf_download(
        request,
        builder="reporting.exports.prepared_pdf",
        html=exports.committee_pdf_html(pack),
        label=f"Dossier du comité de suivi {year} — {post.name}",
        filename=f"comite-{post.slug}-{year}.pdf",
        organisation=post.organisation,
    )


# --------------------------------------------------------------------------- import


def _require_importer(user) -> None:
    if not perms.can_import(user):
        raise PermissionDenied


def _years_to_report(post_id: int, today: date) -> list[int]:
    """The years offered to the post's intervenant (``rules.years_to_report``): every
    convention of the post counts but an abandoned draft, whatever its signature's state."""
    post = Post.objects.get(pk=post_id)
    conventions = Convention.objects.filter(posts=post_id).exclude(
        status=ConventionStatus.ABANDONED
    )
    spans = [(c.effective_start_date, c.computed_end_date) for c in conventions]
    start = post.start_date.year if post.start_date else post.first_year
    return rules.years_to_report(
        spans,
        today,
        service_start=start,
        service_end=post.end_date.year if post.end_date else None,
    )


def import_bilans(request):
    """Deposit a spreadsheet of bilans: its type and size are checked here, the worker imports
    it (``services.bilans_import_job``) and the job's page follows it (``iscg.imports``)."""
    _require_importer(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_jobs.submit(
                user=request.user,
                organisation=request.user.organisation,
                importer="reporting.services.bilans_import_job",
                label="Import de bilans",
                filename=upload.name,
                content=import_jobs.read_upload(upload),
                back_url=reverse("reporting:bilan_list"),
                again_url=reverse("reporting:import"),
            )
        except import_jobs.TooMany as refused:
            form.add_error("file", refused)
            status = 429
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            return redirect("import_job", token=job.token)
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "reporting/import.html",
        {
            "form": form,
            "columns": imports.column_labels(),
            "posts": Post.objects.visible_to(request.user)
            .select_related("employer")
            .order_by("name"),
        },
        status=status,
    )


def import_template(request):
    _require_importer(request.user)
    return _download(imports.template_csv(), exports.CSV_TYPE, "modele-import-bilans.csv")
