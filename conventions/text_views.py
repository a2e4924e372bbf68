"""Editing a convention's text part by part, replacing it by a template after confirmation,
comparing two versions (of a convention's text or of a template) and restoring one.

Views parse, authorise, call ``services`` and render: the parts come from
``conventions.text_editing``, the comparison from ``conventions.textdiff``, the versions of a
convention's text from ``conventions.text_versions`` (its history). A convention is found
through ``Convention.objects.visible_to`` (404 outside the user's scope); writing needs
``perms.can_edit_convention`` (403) and a draft whose text is not frozen (else back to the
convention with a message, nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import unescape

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import strip_tags
from django.views.decorators.http import require_http_methods

from conventions import documents, perms, services, templating, text_editing, textdiff
from conventions.blanks import blanks_from_problems
from conventions.document_views import (
    _sample_convention,
    _templates_for,
    _visible,
    _visible_template,
    editable_convention,
)
from conventions.forms import DraftFromTemplateForm, PartForm
from conventions.models import Convention, DocumentTemplate
from conventions.text_versions import convention_text_versions, display_name
from iscg import concurrency

FROZEN = "Le texte est figé depuis l'envoi à la signature : rédigez un avenant pour le modifier."


def _staff(request) -> None:
    if not perms.can_see_back_office(request.user):
        raise PermissionDenied


# --------------------------------------------------------------------------- what is edited


@dataclass
class Target:
    """What the part-by-part editor works on: a convention's own text, or a template (whose
    every save is a new version). ``save`` raises ``ValidationError`` with French messages."""

    heading: str
    text: dict
    #: The convention whose values the preview shows (a template's sample), if any.
    sample: Convention | None
    back_url: str
    back_label: str
    overview_url: str
    versions_url: str
    part_url_name: str
    part_url_args: list
    #: Apply an editor's change (``services.TextEdit``) under the row lock; raises
    #: ``ValidationError``, or ``EditConflict`` when somebody saved in between.
    save: Callable[[services.TextEdit], object]
    convention: Convention | None = None

    def version(self, request, part: str | None) -> str:
        """The version token the page's form carries: the one it was loaded with (a form
        shown again with its errors keeps it), else that of the text as it is now."""
        return concurrency.posted(request.POST) or concurrency.token(
            text_editing.edit_state(self.text, part)
        )

    def part_url(self, key: str) -> str:
        return reverse(self.part_url_name, args=[*self.part_url_args, key])


def _convention_target(request, reference: str) -> Convention | Target:
    """The convention's text to edit, or (frozen) the convention to go back to."""
    convention = editable_convention(request, reference)
    if not convention.is_text_editable:
        return convention

    def save(edit: services.TextEdit) -> None:
        services.convention_text_edit(convention=convention, edit=edit, by=request.user)

    return Target(
        heading=f"Texte de la convention {convention.reference}",
        text=documents.effective_text(convention),
        sample=convention,
        back_url=convention.get_absolute_url(),
        back_label=convention.reference,
        overview_url=reverse("conventions:text", args=[convention.reference]),
        versions_url=reverse("conventions:text_versions", args=[convention.reference]),
        part_url_name="conventions:text_part",
        part_url_args=[convention.reference],
        save=save,
        convention=convention,
    )


def _template_target(request, pk: int) -> Target:
    template = _visible_template(request, pk)
    if not perms.can_edit_template(request.user, template):
        raise PermissionDenied
    current = template.current_version
    text = current.as_text() if current else {"title": "", "articles": []}

    def save(edit: services.TextEdit) -> None:
        services.template_edit(template=template, edit=edit, by=request.user)

    return Target(
        heading=f"Modèle « {template.name} »",
        text=text,
        sample=_sample_convention(request, template),
        back_url=template.get_absolute_url(),
        back_label=template.name,
        overview_url=reverse("conventions:template_edit", args=[template.pk]),
        versions_url=reverse("conventions:template_versions", args=[template.pk]),
        part_url_name="conventions:template_part",
        part_url_args=[template.pk],
        save=save,
    )


# --------------------------------------------------------------------------- the overview


def _overview(request, target: Target, extra: dict):
    """The text's parts, each with its excerpt and a link to edit it; articles are moved or
    removed here (each change is a version)."""
    text = target.text
    if request.method == "POST":
        action = request.POST.get("action")
        number = request.POST.get("article", "")
        articles = text.get("articles") or []
        if action not in ("monter", "descendre", "supprimer") or not number.isdigit():
            messages.error(request, "Action inconnue : rien n'a été modifié.")
            return redirect(target.overview_url)
        if not 1 <= int(number) <= len(articles):
            messages.error(request, f"L'article {number} n'existe pas : rien n'a été modifié.")
            return redirect(target.overview_url)
        number_ = int(number)
        title = articles[number_ - 1].get("title", "")
        change: Callable[[dict], dict]
        if action == "supprimer":

            def change(current: dict) -> dict:
                return text_editing.without_article(current, number_)

            reason = f"Article {number_} « {title} » supprimé."
            done = (
                f"Article {number_} « {title} » supprimé. Le texte d'avant reste dans les "
                "versions, d'où il se rétablit."
            )
            yours = f"Supprimer l'article {number_} « {title} »"
        else:
            offset = -1 if action == "monter" else 1

            def change(current: dict) -> dict:
                return text_editing.with_article_moved(current, number_, offset)

            reason = done = f"Article « {title} » déplacé."
            yours = f"{'Monter' if offset < 0 else 'Descendre'} l'article {number_} « {title} »"
        edit = services.TextEdit(
            change, reason, None, concurrency.posted(request.POST), yours=yours
        )
        try:
            target.save(edit)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect(target.overview_url)
    context = documents.convention_context(target.sample) if target.sample else None
    parts = [
        (part, target.part_url(part.key), _excerpt(part, context))
        for part in text_editing.parts(text)
    ]
    return render(
        request,
        "conventions/text/overview.html",
        {
            "target": target,
            "parts": parts,
            "problems": templating.validate_text(text),
            "article_count": len(text.get("articles") or []),
            "new_article_url": target.part_url(text_editing.NEW_ARTICLE),
            "version": target.version(request, None),
            **extra,
        },
    )


def _excerpt(part: text_editing.Part, context: dict | None) -> str:
    """The start of a part as the document reads it (values filled in), else as written."""
    if context is None or templating.check_text(part.label, part.body):
        return part.excerpt
    html = templating.render_text(part.label, part.body, context).html
    flat = " ".join(unescape(strip_tags(html.replace("<", " <"))).split())
    return flat if len(flat) <= 160 else flat[:160].rstrip() + "…"


@require_http_methods(["GET", "POST"])
def convention_text(request, reference: str):
    target = _convention_target(request, reference)
    if isinstance(target, Convention):
        messages.error(request, FROZEN)
        return redirect(target)
    convention = target.convention
    templates = _templates_for(convention, request.user)
    return _overview(
        request,
        target,
        {
            "convention": convention,
            "draft_form": DraftFromTemplateForm(templates=templates),
            "versions_count": len(convention_text_versions(convention)),
        },
    )


@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    target = _template_target(request, pk)
    template = _visible_template(request, pk)
    return _overview(
        request,
        target,
        {"convention": None, "template": template, "versions_count": template.versions.count()},
    )


# --------------------------------------------------------------------------- one part


def _part_preview(
    convention: Convention | None, part: text_editing.Part, title: str, body: str
) -> dict:
    """One part rendered with the convention's values; problems refused at save; blanks."""
    where = part.label
    too_large = templating.part_size_problems(where, body) + templating.part_size_problems(
        f"{where} (titre)", title
    )
    if too_large:  # refused for its size: not parsed nor rendered
        return {"errors": too_large, "missing": [], "html": "", "convention": convention}
    problems = templating.check_text(where, body)
    if part.is_article:
        problems = templating.check_text(f"{where} (titre)", title) + problems
    if convention is None:
        return {"errors": problems, "missing": [], "html": "", "convention": None}
    context = documents.convention_context(convention)
    html, missing = "", []
    if not problems:
        rendered = templating.render_text(where, body, context)
        missing = list(rendered.missing)
        html = rendered.html
        if part.is_article:
            heading = templating.render_text(where, title, context, inline=True)
            missing = list(heading.missing) + missing
            html = f"<h2>Article {part.number} – {heading.html}</h2>\n{html}"
        elif part.key == "intitule":
            html = f'<div class="doc-title">{html}</div>'
    return {
        "errors": problems,
        "missing": blanks_from_problems(convention, missing),
        "html": html,
        "convention": convention,
    }


def _part_or_404(text: dict, key: str) -> text_editing.Part:
    part = text_editing.part(text, key)
    if part is None:
        raise Http404("Cette partie du texte n'existe pas.")
    return part


def _part(request, target: Target, key: str):
    """Edit one part (an article: its title and text) with its preview beside it.

    POST ``action``: ``enregistrer`` saves (a new version); ``inserer`` (the variable buttons
    without JavaScript) adds the variable at the end of the text; ``apercu`` refreshes the
    preview. Only ``enregistrer`` writes."""
    text = target.text
    current = _part_or_404(text, key)
    form_kwargs = {"article": current.is_article, "label": current.label}
    form = PartForm(initial={"title": current.title or "", "body": current.body}, **form_kwargs)
    title, body = current.title or "", current.body
    status = 200
    if request.method == "POST":
        data = request.POST.copy()
        inserted = request.POST.get("inserer")
        if inserted:
            try:
                data["body"] = text_editing.insert_variable(data.get("body", ""), inserted)
            except KeyError:
                messages.error(request, f"La variable « {inserted} » n'existe pas.")
            else:
                messages.info(
                    request,
                    f"« {text_editing.variable_label(inserted)} » ajouté à la fin du texte ; "
                    "rien n'est enregistré avant « Enregistrer ».",
                )
        saving = not inserted and request.POST.get("action", "enregistrer") == "enregistrer"
        form = PartForm(data, **form_kwargs)
        title, body = data.get("title", ""), data.get("body", "")
        if form.is_valid():
            title = form.cleaned_data.get("title", "")
            body = form.cleaned_data["body"]
            if saving:
                part_title = title if current.is_article else None
                new_text = text_editing.with_part(text, current.key, title=part_title, body=body)
                label = (
                    text_editing.part(new_text, f"article-{current.number}").label
                    if current.is_article
                    else current.label
                )
                added = key == text_editing.NEW_ARTICLE

                def change(latest: dict) -> dict:
                    return text_editing.with_part(latest, current.key, title=part_title, body=body)

                edit = services.TextEdit(
                    change,
                    f"{label} ajouté." if added else f"{label} modifié.",
                    current.key,
                    concurrency.posted(request.POST),
                    yours=(part_title, body),
                )
                try:
                    target.save(edit)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                    status = 400
                else:
                    messages.success(request, f"{label} enregistré.")
                    return redirect(target.overview_url)
        elif saving:
            status = 400
    preview = _part_preview(target.sample, current, title, body)
    if request.headers.get("HX-Request"):
        return render(request, "conventions/documents/_preview.html", {"preview": preview})
    parts = text_editing.parts(text)
    keys = [p.key for p in parts]
    index = keys.index(current.key) if current.key in keys else len(keys)
    previous = parts[index - 1] if index > 0 else None
    following = parts[index + 1] if index + 1 < len(parts) else None
    context = documents.convention_context(target.sample) if target.sample else None
    return render(
        request,
        "conventions/text/part.html",
        {
            "target": target,
            "part": current,
            "form": form,
            "preview": preview,
            "variables": text_editing.variable_groups(context),
            "previous": (previous, target.part_url(previous.key)) if previous else None,
            "next": (following, target.part_url(following.key)) if following else None,
            "action_url": target.part_url(current.key),
            "version": target.version(request, current.key),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def convention_text_part(request, reference: str, part: str):
    target = _convention_target(request, reference)
    if isinstance(target, Convention):
        messages.error(request, FROZEN)
        return redirect(target)
    return _part(request, target, part)


@require_http_methods(["GET", "POST"])
def template_part(request, pk: int, part: str):
    return _part(request, _template_target(request, pk), part)


# --------------------------------------------------------------------------- from a template


def _text_version(request, convention: Convention) -> str:
    """The version token of the convention's whole text (``iscg.concurrency``) for a page
    that replaces it (by a template, by an earlier version): the one it was loaded with when
    shown again, else that of the text as it is now."""
    return concurrency.posted(request.POST) or concurrency.token(
        text_editing.edit_state(documents.effective_text(convention), None)
    )


@require_http_methods(["GET", "POST"])
def convention_text_from_template(request, reference: str):
    """Replacing the text by a template: GET says which parts would change (nothing written),
    POST replaces it; the text it replaces stays a version, restorable."""
    convention = editable_convention(request, reference)
    if not convention.is_text_editable:
        messages.error(request, FROZEN)
        return redirect(convention)
    templates = _templates_for(convention, request.user)
    data = request.POST if request.method == "POST" else request.GET
    form = DraftFromTemplateForm(data if "modele" in data else None, templates=templates)
    changes, version = [], None
    if form.is_bound and form.is_valid():
        version = form.cleaned_data["modele"]
        if request.method == "POST":
            try:
                services.convention_draft_from_template(
                    convention=convention,
                    version=version,
                    by=request.user,
                    text_version=concurrency.posted(request.POST),
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    f"Texte remplacé par « {version.template.name} », version {version.number}. "
                    "Le texte d'avant reste dans les versions du texte, d'où il se rétablit.",
                )
                return redirect("conventions:text", reference=convention.reference)
        changes = _changes(documents.effective_text(convention), version.as_text())
    return render(
        request,
        "conventions/text/from_template.html",
        {
            "convention": convention,
            "form": form,
            "version": version,
            "changes": changes,
            "text_version": _text_version(request, convention),
        },
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- versions


def _changes(old: dict, new: dict) -> list[textdiff.PartComparison]:
    """The parts that differ, variables shown by their French labels."""
    return textdiff.changed_parts(text_editing.readable_text(old), text_editing.readable_text(new))


@dataclass(frozen=True)
class VersionRow:
    number: int
    date: datetime
    user: str
    reason: str
    articles: int
    text: dict
    restore_url: str | None


def _compared(request, rows: list[VersionRow]) -> dict:
    """The two versions asked (``?a=…&b=…``, by default the last two) and their comparison."""
    by_number = {row.number: row for row in rows}

    def pick(key: str, default: int) -> int:
        value = request.GET.get(key, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    if len(rows) < 2:
        return {
            "a": None,
            "b": None,
            "comparison": [],
            "unchanged": [],
            "a_label": "",
            "b_label": "",
        }
    last = rows[-1].number
    a, b = pick("a", rows[-2].number), pick("b", last)
    parts = textdiff.compare_texts(
        text_editing.readable_text(by_number[a].text), text_editing.readable_text(by_number[b].text)
    )
    return {
        "a": by_number[a],
        "b": by_number[b],
        "a_label": f"Version {a}",
        "b_label": f"Version {b}",
        "comparison": [p for p in parts if p.changed],
        "unchanged": [p.label for p in parts if not p.changed],
    }


def convention_text_versions_page(request, reference: str):
    """The versions of the convention's text, two of them side by side; a draft's earlier
    versions offer « Rétablir »."""
    convention = _visible(request, reference)
    _staff(request)
    can_restore = (
        perms.can_edit_convention(request.user, convention) and convention.is_text_editable
    )
    versions = convention_text_versions(convention)
    rows = [
        VersionRow(
            v.number,
            v.date,
            v.user,
            v.reason,
            len(v.articles),
            v.text,
            reverse("conventions:text_restore", args=[convention.reference, v.number])
            if can_restore and v.text != versions[-1].text
            else None,
        )
        for v in versions
    ]
    return render(
        request,
        "conventions/text/versions.html",
        {
            "subject": f"Versions du texte de {convention.reference}",
            "back_url": convention.get_absolute_url(),
            "back_label": convention.reference,
            "edit_url": reverse("conventions:text", args=[convention.reference])
            if can_restore
            else None,
            "rows": list(reversed(rows)),
            "frozen": not convention.is_text_editable,
            **_compared(request, rows),
        },
    )


@require_http_methods(["GET", "POST"])
def convention_text_restore(request, reference: str, number: int):
    """GET: what restoring version ``number`` changes (nothing written); POST: restore it."""
    convention = editable_convention(request, reference)
    versions_url = reverse("conventions:text_versions", args=[convention.reference])
    if not convention.is_text_editable:
        messages.error(request, FROZEN)
        return redirect(versions_url)
    versions = convention_text_versions(convention)
    if not 1 <= number <= len(versions):
        raise Http404("Cette version du texte n'existe pas.")
    if request.method == "POST":
        try:
            services.convention_text_restore(
                convention=convention,
                number=number,
                by=request.user,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(versions_url)
        messages.success(
            request, f"Version {number} rétablie : elle est enregistrée comme nouvelle version."
        )
        return redirect("conventions:text", reference=convention.reference)
    return render(
        request,
        "conventions/text/restore.html",
        {
            "subject": f"Rétablir la version {number} du texte de {convention.reference}",
            "number": number,
            "restored_label": f"Version {number}",
            "cancel_url": versions_url,
            "changes": _changes(versions[-1].text, versions[number - 1].text),
            "version": _text_version(request, convention),
        },
    )


def _template_rows(request, template: DocumentTemplate) -> list[VersionRow]:
    can_restore = perms.can_edit_template(request.user, template)
    versions = list(template.versions.select_related("created_by").order_by("number"))
    current = versions[-1].as_text() if versions else None
    return [
        VersionRow(
            v.number,
            v.created_at,
            display_name(v.created_by) if v.created_by else "—",
            v.note,
            len(v.articles),
            v.as_text(),
            reverse("conventions:template_restore", args=[template.pk, v.number])
            if can_restore and v.as_text() != current
            else None,
        )
        for v in versions
    ]


def template_versions(request, pk: int):
    template = _visible_template(request, pk)
    rows = _template_rows(request, template)
    return render(
        request,
        "conventions/text/versions.html",
        {
            "subject": f"Versions du modèle « {template.name} »",
            "back_url": template.get_absolute_url(),
            "back_label": template.name,
            "edit_url": reverse("conventions:template_edit", args=[template.pk])
            if perms.can_edit_template(request.user, template)
            else None,
            "rows": list(reversed(rows)),
            "frozen": False,
            **_compared(request, rows),
        },
    )


@require_http_methods(["GET", "POST"])
def template_restore(request, pk: int, number: int):
    template = _visible_template(request, pk)
    if not perms.can_edit_template(request.user, template):
        raise PermissionDenied
    version = get_object_or_404(template.versions, number=number)
    cancel_url = reverse("conventions:template_versions", args=[template.pk])
    if request.method == "POST":
        try:
            restored = services.template_restore(
                template=template,
                number=number,
                by=request.user,
                version=concurrency.posted(request.POST),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(cancel_url)
        messages.success(
            request, f"Version {number} rétablie : elle devient la version {restored.number}."
        )
        return redirect(template)
    current = template.current_version
    return render(
        request,
        "conventions/text/restore.html",
        {
            "subject": f"Rétablir la version {number} du modèle « {template.name} »",
            "number": number,
            "restored_label": f"Version {number}",
            "cancel_url": cancel_url,
            "changes": _changes(current.as_text(), version.as_text()),
            # The version token of the template's text as this page shows it (iscg.concurrency).
            "version": concurrency.token(text_editing.edit_state(current.as_text(), None)),
        },
    )
