"""Pages where a gestionnaire keeps its reference data: parties and their representatives,
délibérations, posts (units, holders, absences), and the spreadsheet imports of parties and
posts. Objects are looked up through ``visible_to`` (404 outside the user's scope), then
``perms.can_edit_reference_data`` decides (403); the writes are ``conventions.reference``'s."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from conventions import perms, reference, reference_imports
from conventions.models import Deliberation, Party, Post
from conventions.reference_forms import (
    DeliberationForm,
    ImportForm,
    PartyForm,
    PostForm,
    RepresentativeForm,
    absence_formset,
    holder_formset,
    unit_formset,
)
from iscg import concurrency, imports
from iscg.formatting import format_date_long


def _require_editor(user, organisation_id=None) -> None:
    if not perms.can_edit_reference_data(user, organisation_id):
        raise PermissionDenied


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _version(request, instance, state=concurrency.row_state) -> str:
    """The version token the form carries: the one it was loaded with (a form shown again
    with its errors keeps it), else the object's as it is now (read before a ModelForm binds
    to it and changes it)."""
    return concurrency.posted(request.POST) or concurrency.row_version(instance, state)


def _status(*forms_and_sets) -> int:
    return (
        400
        if any(f.errors or getattr(f, "non_form_errors", list)() for f in forms_and_sets)
        else 200
    )


# --------------------------------------------------------------------------- parties


def party_form(request, pk: int | None = None):
    party = None
    if pk is not None:
        party = get_object_or_404(Party.objects.visible_to(request.user), pk=pk)
        _require_editor(request.user, party.organisation_id)
    else:
        _require_editor(request.user)
    version = _version(request, party)
    form = PartyForm(request.POST or None, instance=party)
    if request.method == "POST" and form.is_valid():
        try:
            saved = reference.party_save(
                organisation=request.user.organisation,
                values=form.cleaned_data,
                by=request.user,
                party=party,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Partie « {saved} » enregistrée.")
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "conventions/reference/party_form.html",
        {"form": form, "party": party, "version": version},
        status=_status(form),
    )


def representative_form(request, party_pk: int, pk: int | None = None):
    party = get_object_or_404(Party.objects.visible_to(request.user), pk=party_pk)
    _require_editor(request.user, party.organisation_id)
    representative = get_object_or_404(party.representatives, pk=pk) if pk is not None else None
    version = _version(request, representative)
    form = RepresentativeForm(request.POST or None, instance=representative, party=party)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in reference.REPRESENTATIVE_FIELDS}
        try:
            change = reference.representative_save(
                party=party,
                values=values,
                by=request.user,
                representative=representative,
                replaces=form.cleaned_data.get("replaces"),
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Représentant « {change.representative} » enregistré.")
            if change.drafts_updated:
                count = len(change.drafts_updated)
                messages.info(
                    request,
                    f"{count} brouillon{'s' if count > 1 else ''} de convention "
                    f"nomme{'nt' if count > 1 else ''} désormais ce représentant : "
                    + ", ".join(change.drafts_updated)
                    + ".",
                )
            return redirect(party.get_absolute_url())
    return render(
        request,
        "conventions/reference/representative_form.html",
        {
            "form": form,
            "party": party,
            "representative": representative,
            "current": party.current_representative(),
            "version": version,
        },
        status=_status(form),
    )


# --------------------------------------------------------------------------- délibérations


def _visible_deliberations(user):
    return Deliberation.objects.filter(party__in=Party.objects.visible_to(user)).select_related(
        "party"
    )


def deliberation_list(request):
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied
    deliberations = _visible_deliberations(request.user).order_by("-date", "body")
    return render(
        request,
        "conventions/reference/deliberation_list.html",
        {
            "deliberations": deliberations,
            "can_edit": perms.can_edit_reference_data(request.user),
        },
    )


def deliberation_form(request, pk: int | None = None):
    deliberation = None
    if pk is not None:
        deliberation = get_object_or_404(_visible_deliberations(request.user), pk=pk)
        _require_editor(request.user, deliberation.party.organisation_id)
    else:
        _require_editor(request.user)
    organisation = request.user.organisation
    chosen = request.GET.get("partie", "")
    initial = {"party": chosen} if deliberation is None and chosen.isdigit() else {}
    version = _version(request, deliberation)
    form = DeliberationForm(
        request.POST or None, instance=deliberation, organisation=organisation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = reference.deliberation_save(
                organisation=organisation,
                values=form.cleaned_data,
                by=request.user,
                deliberation=deliberation,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, f"Délibération du {format_date_long(saved.date)} enregistrée."
            )
            return redirect("conventions:deliberation_list")
    return render(
        request,
        "conventions/reference/deliberation_form.html",
        {"form": form, "deliberation": deliberation, "version": version},
        status=_status(form),
    )


# --------------------------------------------------------------------------- posts


def post_form(request, pk: int | None = None):
    post = None
    if pk is not None:
        post = get_object_or_404(Post.objects.visible_to(request.user), pk=pk)
        _require_editor(request.user, post.organisation_id)
    else:
        _require_editor(request.user)
    organisation = request.user.organisation
    data = request.POST or None
    version = _version(request, post, reference.post_version_state)
    form = PostForm(data, instance=post, organisation=organisation)
    target = post or form.instance
    units = unit_formset(target, organisation, data)
    holders = holder_formset(target, data)
    absences = absence_formset(target, data)
    sets = (units, holders, absences)
    if request.method == "POST" and form.is_valid() and all(s.is_valid() for s in sets):
        values = {n: v for n, v in form.cleaned_data.items() if n != "epcis"}
        try:
            saved = reference.post_save(
                organisation=organisation,
                values=values,
                by=request.user,
                post=post,
                epcis=form.cleaned_data.get("epcis", []),
                units=units.rows(),
                holders=holders.rows(),
                absences=absences.rows(),
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Poste « {saved} » enregistré.")
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "conventions/reference/post_form.html",
        {
            "form": form,
            "post": post,
            "units": units,
            "holders": holders,
            "absences": absences,
            "version": version,
        },
        status=_status(form, *sets),
    )


# --------------------------------------------------------------------------- imports


def _import(request, *, importer, columns, title, label, back, model_file, again):
    """Deposit a spreadsheet: its type and size are checked here, the worker imports it and
    the job's page follows it (``iscg.imports``)."""
    _require_editor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.submit(
                user=request.user,
                organisation=request.user.organisation,
                importer=importer,
                label=label,
                filename=upload.name,
                content=imports.read_upload(upload),
                back_url=reverse(back),
                again_url=reverse(again),
            )
        except imports.TooMany as refused:
            form.add_error("file", refused)
            status = 429
        except ValidationError as refused:
            form.add_error("file", refused)
        else:
            return redirect("import_job", token=job.token)
    return render(
        request,
        "conventions/reference/import.html",
        {
            "form": form,
            "columns": columns,
            "title": title,
            "back": back,
            "model_file": model_file,
        },
        status=400 if form.errors and status == 200 else status,
    )


def party_import(request):
    return _import(
        request,
        importer="conventions.reference_imports.parties_job",
        columns=reference_imports.PARTY_COLUMNS,
        title="Importer des parties depuis un tableur",
        label="Import de parties",
        back="conventions:party_list",
        model_file="conventions/modele-import-parties.csv",
        again="conventions:party_import",
    )


def post_import(request):
    return _import(
        request,
        importer="conventions.reference_imports.posts_job",
        columns=reference_imports.POST_COLUMNS,
        title="Importer des postes depuis un tableur",
        label="Import de postes",
        back="conventions:post_list",
        model_file="conventions/modele-import-postes.csv",
        again="conventions:post_import",
    )
