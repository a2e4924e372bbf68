"""The page where a gestionnaire enters or corrects the year's budget line."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from financing import budget_lines, perms
from iscg import concurrency
from iscg.history import history_rows


def budget_line_edit(request, year: int):
    if not perms.can_edit_budget_line(request.user):
        raise PermissionDenied
    if not 2000 <= year <= 2100:
        raise Http404("Exercice hors des années gérées.")
    organisation = request.user.organisation
    line = budget_lines.year_line(organisation, year)
    initial = {} if line else {"imputation": organisation.budget_line}
    version = concurrency.posted(request.POST) or budget_lines.line_version(line)
    form = budget_lines.BudgetLineForm(
        request.POST or None, instance=line, organisation=organisation, year=year, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            budget_lines.budget_line_save(
                organisation=organisation,
                year=year,
                values=form.cleaned_data,
                by=request.user,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Ligne budgétaire {year} enregistrée.")
            return redirect("financing:annual", year=year)
    return render(
        request,
        "financing/budget_line_form.html",
        {
            "form": form,
            "year": year,
            "line": line,
            "version": version,
            "history": history_rows(line) if line else None,
        },
        status=400 if form.errors else 200,
    )
