"""Financing pages: annual table and its exports, party summaries, plan editing."""

import json
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from conventions import perms as convention_perms
from conventions.models import Convention, Party
from conventions.selectors import convention_from_url
from financing import engine, exports, opendata, perms, rule_words, selectors, services
from financing.filters import OrganisationFilter
from financing.forms import (
    SPLIT,
    ActualCostForm,
    GuidedPlan,
    PaymentCancelForm,
    PaymentCorrectForm,
    PaymentForm,
)
from financing.models import FinancingPlan, Payment, PlanDraft, PlanYear, ShareLine
from iscg import concurrency, downloads
from iscg import perms as shared_perms
from iscg.formatting import format_euros
from iscg.models import Organisation


def _organisation_for(request) -> Organisation:
    """The staff user's organisation; national coordinators and admins choose with ?organisation=."""
    user = request.user
    if not perms.can_see_annual_table(user):
        raise PermissionDenied
    if shared_perms.sees_every_organisation(user):
        organisation = OrganisationFilter(request.GET).chosen()
        if organisation is None:
            raise Http404
        return organisation
    return user.organisation


def current_year(request):
    if shared_perms.is_partner(request.user):
        return redirect("financing:my_financing")
    organisation = _organisation_for(request)
    # The current year, or the latest one with figures due when it has none yet (a year with
    # only prévisionnel figures, such as a draft renewal's, is not opened first).
    years = set(
        ShareLine.objects.visible_to(request.user)
        .filter(organisation=organisation)
        .effective()
        .values_list("year", flat=True)
    ) or set(_years_with_figures(request, organisation))
    this_year = date.today().year
    year = max((y for y in years if y <= this_year), default=this_year)
    url = reverse("financing:annual", args=[year])
    if shared_perms.sees_every_organisation(request.user):
        url += f"?organisation={organisation.slug}"
    return redirect(url)


def _years_with_figures(request, organisation) -> list[int]:
    return sorted(
        ShareLine.objects.visible_to(request.user)
        .filter(organisation=organisation)
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )


def _table(request, year: int):
    organisation = _organisation_for(request)
    lines = ShareLine.objects.visible_to(request.user).filter(organisation=organisation)
    return selectors.annual_table(organisation, year, lines)


def annual(request, year: int):
    table = _table(request, year)
    organisations = (
        Organisation.objects.order_by("name")
        if shared_perms.sees_every_organisation(request.user)
        else None
    )
    return render(
        request,
        "financing/annual.html",
        {
            "table": table,
            "organisations": organisations,
            "years": [year - 1, year + 1],
            "years_with_figures": _years_with_figures(request, table.organisation),
            "can_edit_budget": perms.can_edit_budget_line(request.user)
            and table.organisation is not None
            and table.organisation.pk == request.user.organisation_id,
        },
    )


def annual_xlsx(request, year: int):
    table = _table(request, year)
    response = HttpResponse(
        exports.annual_xlsx(table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="financement-{year}.xlsx"'
    return response


def annual_pdf(request, year: int):
    """The annual table's PDF, rendered by the worker (the waiting page until it is stored)."""
    table = _table(request, year)
    return downloads.pdf_download(
        request,
        builder="financing.exports.prepared_pdf",
        html=exports.annual_pdf_html(table),
        label=f"Tableau de financement {year} (PDF)",
        filename=f"financement-{year}.pdf",
        organisation=table.organisation,
    )


def _opendata_export(request, year: int) -> opendata.Export:
    organisation = _organisation_for(request)
    lines = ShareLine.objects.visible_to(request.user).filter(organisation=organisation)
    years = _years_with_figures(request, organisation)
    return opendata.year_export(organisation, year, lines, years)


def _opendata_page(request, export: opendata.Export, *, status: int = 200):
    return render(
        request,
        "financing/opendata_check.html",
        {
            "export": export,
            "table": export.table,
            "schema_version": opendata.SCHEMA_VERSION,
            # Links to fix a party or a date only for who may change them (the gestionnaire).
            "can_fix": convention_perms.can_edit_reference_data(
                request.user, export.table.organisation.pk
            ),
        },
        status=status,
    )


def opendata_page(request, year: int):
    """The year's open data before it is published: the rows, those held back and why, with
    links to fix them, why a year is empty, and the file's check against the model."""
    return _opendata_page(request, _opendata_export(request, year))


def opendata_csv(request, year: int):
    """The file itself, offered only once it passes the check (else the page says why)."""
    if request.GET.get("verifier"):  # the former address of the check page
        url = reverse("financing:opendata", args=[year])
        query = request.GET.copy()
        query.pop("verifier")
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    export = _opendata_export(request, year)
    if not export.is_valid:
        return _opendata_page(request, export, status=422)
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subventions-{year}.csv"'
    return response


def party_summary(request, pk: int):
    party = get_object_or_404(Party.objects.visible_to(request.user), pk=pk)
    # As employer, what the co-funders of its posts owe it: their lines of the conventions the
    # user may see (a partner sees the conventions its party signed, never drafts).
    receivable = ShareLine.objects.filter(
        convention__in=Convention.objects.visible_to(request.user)
    )
    years = selectors.party_summary(
        party, ShareLine.objects.visible_to(request.user), receivable=receivable
    )
    can_record = perms.can_record_payments_of(request.user, party)
    forecast = (
        selectors.party_forecast(party, ShareLine.objects.visible_to(request.user))
        if perms.can_see_annual_table(request.user)
        else []
    )
    return render(
        request,
        "financing/party_summary.html",
        {
            "party": party,
            "years": years,
            "can_record": can_record,
            "forecast": forecast,
            # Money is labelled from the reader's side: "à verser" / "à recevoir" for its own.
            "own_party": request.user.party_id == party.pk,
        },
    )


def my_financing(request):
    if not perms.has_own_financing(request.user):
        raise PermissionDenied
    return party_summary(request, request.user.party_id)


def _party_choices(convention, plan: engine.Plan | None) -> list[tuple[str, str]]:
    """The convention's parties (slug, name) for the guided editor, plus any party the plan
    already names, so that an existing plan always shows as it is."""
    slugs = [m.party.slug for m in convention.memberships.select_related("party").order_by("pk")]
    named = engine.plan_parties(plan) if plan is not None else ()
    slugs += sorted(set(named) - set(slugs))
    names = {
        p.slug: str(p)
        for p in Party.objects.filter(organisation_id=convention.organisation_id, slug__in=slugs)
    }
    return [(slug, names.get(slug, slug)) for slug in dict.fromkeys(slugs)]


def _plan_from_post(
    request, convention, previous: engine.Plan | None
) -> tuple[engine.Plan, bool, GuidedPlan | None]:
    """The plan posted by either editor, its months_by_hand and the bound guided forms (shown
    again, as typed, when saving fails). Raise ValidationError with the French messages when it
    cannot be read, _GuidedInvalid when the guided editor's rows are wrong. ``previous``: the
    plan as saved, or the blank one."""
    if request.POST.get("mode") == "guided":
        guided = GuidedPlan(
            parties=_party_choices(convention, previous), previous=previous, data=request.POST
        )
        if not guided.is_valid():
            raise _GuidedInvalid(guided)
        return guided.plan(), guided.months_by_hand, guided
    try:
        data = json.loads(_imported_text(request))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            "Ce texte n'est pas un plan exporté par l'application : il est incomplet ou a été "
            "modifié. Copiez à nouveau tout le texte donné par « Exporter le plan » (ou "
            "choisissez le fichier téléchargé)."
        ) from exc
    try:
        plan = engine.read_plan(data)
    except engine.PlanError as exc:
        raise ValidationError(str(exc)) from exc
    return plan, bool(request.POST.get("months_by_hand")), None


def _imported_text(request) -> str:
    """The plan to import: the file chosen, else the text pasted."""
    upload = request.FILES.get("fichier")
    if upload is not None:
        return upload.read(200_000).decode("utf-8")
    return request.POST.get("plan", "")


def _with_blank_rows(data: dict) -> dict:
    """A draft's values with one more blank row of years, of shares and, for each share split
    between parties, of its parties, where the last row is filled: what « Ajouter » gives
    without the page's script."""
    rows = dict(data)

    def bump(prefix: str) -> None:
        """One more row, unless the last one is still blank."""
        key = f"{prefix}-TOTAL_FORMS"
        count = str(rows.get(key, "0"))
        if not count.isdigit():
            return
        last = f"{prefix}-{int(count) - 1}-"
        filled = any(
            name.startswith(last) and not name[len(last) :].startswith("cle-") and value
            for name, value in data.items()
            if not name.endswith(("-DELETE", "-TOTAL_FORMS", "-INITIAL_FORMS"))
            and not name.endswith(("-MIN_NUM_FORMS", "-MAX_NUM_FORMS"))
        )
        if int(count) == 0 or filled:
            rows[key] = str(int(count) + 1)

    bump("annee")
    bump("part")
    for key, value in data.items():
        if key.startswith("part-") and key.endswith("-party") and value == SPLIT:
            bump(key.removesuffix("-party") + "-cle")
    return rows


def _plan_export(convention, post, financing_plan) -> HttpResponse:
    """« Exporter le plan »: the saved plan as a file, to import in another convention."""
    if financing_plan is None:
        raise Http404
    name = f"plan-{convention.reference}" + (f"-{post.slug}" if post is not None else "")
    response = HttpResponse(
        json.dumps(financing_plan.data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


def _party_names(convention) -> dict[str, str]:
    return {
        p.slug: str(p) for p in Party.objects.filter(organisation_id=convention.organisation_id)
    }


class _GuidedInvalid(Exception):
    def __init__(self, guided: GuidedPlan):
        super().__init__("guided plan invalid")
        self.guided = guided


def _current_plan(financing_plan: FinancingPlan | None, convention) -> engine.Plan | None:
    """The plan as saved (None when its stored JSON cannot be read), or the blank one."""
    if financing_plan is None:
        return _blank_plan(convention)
    try:
        return financing_plan.get_plan()
    except engine.PlanError:
        return None


def _convention_posts(convention) -> list:
    """The posts the convention covers, in their order (the plan page's sections)."""
    return list(convention.posts.select_related("employer").order_by("pk"))


def _chosen_post(request, posts: list):
    """The post whose plan the page shows: ``?poste=<slug>``, else the first one (None when
    the convention covers none). A slug the convention does not cover is a 404."""
    slug = request.GET.get("poste")
    if not slug:
        return posts[0] if posts else None
    for post in posts:
        if post.slug == slug:
            return post
    raise Http404


def _plan_url(convention, post, several: bool) -> str:
    url = reverse("conventions:plan", kwargs={"reference": convention.reference})
    return f"{url}?poste={post.slug}" if several and post is not None else url


def _post_sections(convention, posts: list, plans: dict, chosen) -> list[dict]:
    """One entry per post of a several-post convention: its plan's yearly cost and total, and
    the link to its plan."""
    sections = []
    for post in posts:
        financing_plan = plans.get(post.pk)
        years = list(financing_plan.years.all()) if financing_plan else []
        sections.append(
            {
                "post": post,
                "plan": financing_plan,
                "years": years,
                "url": _plan_url(convention, post, True),
                "is_chosen": chosen is not None and post.pk == chosen.pk,
            }
        )
    return sections


def plan(request, reference: str):
    """View a convention's plan, and edit it while the convention is a draft (gestionnaire):
    with the guided editor (years and shares as forms) or, for the rarer rules, as JSON. A
    convention covering several posts has one plan per post: the page lists them and shows
    the one of ``?poste=<slug>`` (the first post's by default)."""
    convention = convention_from_url(
        request, Convention.objects.visible_to(request.user), reference
    )
    if not perms.can_see_plan(request.user):
        raise PermissionDenied
    posts = _convention_posts(convention)
    several = len(posts) > 1
    plans = {
        fp.post_id: fp
        for fp in FinancingPlan.objects.filter(convention=convention).select_related(
            "post__employer"
        )
    }
    for fp in plans.values():
        fp.convention = convention  # is_locked reads it: no second query
    chosen = _chosen_post(request, posts)
    if chosen is not None:
        plan = plans.get(chosen.pk)
    else:  # a plan left on a post the convention no longer covers
        plan = next(iter(plans.values()), None)
        chosen = plan.post if plan else None
    # From "à signer" on the plan is frozen with the text (withdraw the request to change it).
    can_edit = perms.can_edit_plan(request.user, convention, plan)
    if request.method == "GET" and request.GET.get("exporter"):
        return _plan_export(convention, chosen if several else None, plan)
    error = guided = None
    # The import posts "plan" (and mode=json); the guided editor posts mode=guided, with
    # action=brouillon (keep as typed), ajouter (the same, without the script: one more blank
    # row shows), abandonner_brouillon, or nothing (save as the plan).
    mode = "json" if request.method == "POST" and request.POST.get("mode") != "guided" else "guided"
    action = request.POST.get("action", "") if request.method == "POST" else ""
    current = _current_plan(plan, convention)
    back = _plan_url(convention, chosen, several)
    # The version token of the plan and draft the page loaded (iscg.concurrency).
    loaded = concurrency.posted(request.POST)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if action in ("brouillon", "ajouter", "abandonner_brouillon"):
            try:
                if chosen is None:
                    raise ValidationError("La convention ne couvre aucun poste.")
                if action == "abandonner_brouillon":
                    services.plan_draft_discard(convention=convention, post=chosen, version=loaded)
                    messages.success(
                        request, "Brouillon abandonné : le plan enregistré reste tel quel."
                    )
                    return redirect(back)
                services.plan_draft_save(
                    convention=convention,
                    post=chosen,
                    data=request.POST,
                    by=request.user,
                    version=loaded,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                if action == "brouillon":
                    messages.success(
                        request,
                        "Brouillon enregistré. Le plan ne change que lorsque le brouillon, "
                        "complet, est enregistré comme plan.",
                    )
                return redirect(back + "#modifier")
        else:
            try:
                typed, months_by_hand, guided = _plan_from_post(request, convention, current)
                if chosen is None:
                    raise ValidationError("La convention ne couvre aucun poste.")
                plan = services.plan_save(
                    convention=convention,
                    post=chosen,
                    plan=typed,
                    months_by_hand=months_by_hand,
                    discard_draft=True,
                    version=loaded,
                )
            except _GuidedInvalid as exc:
                guided = exc.guided
                error = "Le plan contient des erreurs, signalées ci-dessous."
            except ValidationError as exc:
                if guided is not None and isinstance(exc.__cause__, engine.PlanError):
                    # Computed with the post's months: the engine's message, on its row.
                    guided.add_plan_error(exc.__cause__)
                    error = "Le plan contient des erreurs, signalées ci-dessous."
                else:
                    error = " ".join(exc.messages)
            else:
                messages.success(request, "Plan enregistré ; les montants ont été recalculés.")
                return redirect(back)
    years = list(plan.years.all()) if plan else []
    draft = (
        PlanDraft.objects.filter(convention=convention, post=chosen).first()
        if can_edit and chosen is not None
        else None
    )
    missing: list[str] = []
    parties = _party_choices(convention, current) if can_edit else []
    if can_edit and guided is None and draft is not None:
        guided = GuidedPlan(parties=parties, previous=current, data=_with_blank_rows(draft.data))
        if not guided.is_valid():
            missing = guided.errors()
    elif can_edit and guided is None and current is not None:
        guided = GuidedPlan(
            parties=parties,
            previous=current,
            months_by_hand=bool(plan and plan.months_by_hand),
            months={y.year: y.months for y in years},
            fresh=plan is None,
        )
    names = _party_names(convention) if plan is not None else {}
    words = rule_words.plan_words(current, names) if plan is not None and current else []
    lines = (
        plan.lines.select_related("party").order_by("year", "is_remainder", "pk") if plan else []
    )
    others = [p for p in posts if chosen is None or p.pk != chosen.pk]
    return render(
        request,
        "financing/plan.html",
        {
            "convention": convention,
            "plan": plan,
            "plan_text": request.POST.get("plan", "") if mode == "json" else "",
            "error": error,
            "mode": mode,
            "guided": guided,
            "draft": draft,
            "missing": missing,
            "words": words,
            "export_url": f"{back}{'&' if '?' in back else '?'}exporter=1" if plan else "",
            "can_edit": can_edit,
            "version": (
                loaded or concurrency.token(services.plan_version_state(plan, draft))
                if can_edit
                else ""
            ),
            # Actual costs are entered after the year closes, whatever the convention's status.
            "can_record": perms.can_record_actual_cost(request.user, convention),
            "lines": lines,
            "years": years,
            "history": selectors.plan_history(plan) if plan else None,
            "locked_message": services.plan_locked_message(convention),
            "can_withdraw": convention_perms.can_record_signatures(request.user, convention),
            "chosen_post": chosen,
            "post_sections": _post_sections(convention, posts, plans, chosen) if several else [],
            "post_query": f"?poste={chosen.slug}" if several and chosen is not None else "",
            "can_apply": bool(
                several
                and plan is not None
                and others
                and perms.can_edit_plan(request.user, convention, plan)
            ),
            "apply_targets": [p for p in others if p.pk not in plans],
        },
        status=400 if error else 200,
    )


def plan_apply(request, reference: str):
    """« Appliquer ce plan aux autres postes »: copy the plan of ``?poste=<slug>`` to the
    convention's posts without a plan (``cible=sans_plan``) or to all its other posts
    (``cible=tous``, replacing their plans). GET asks for the confirmation, POST applies."""
    convention = convention_from_url(
        request, Convention.objects.visible_to(request.user), reference
    )
    if not perms.can_see_plan(request.user):
        raise PermissionDenied
    posts = _convention_posts(convention)
    source = _chosen_post(request, posts)
    financing_plan = (
        FinancingPlan.objects.filter(convention=convention, post=source).first()
        if source is not None
        else None
    )
    if financing_plan is None:
        raise Http404
    financing_plan.convention = convention
    if not perms.can_edit_plan(request.user, convention, financing_plan):
        raise PermissionDenied
    with_plan = set(
        FinancingPlan.objects.filter(convention=convention).values_list("post_id", flat=True)
    )
    others = [p for p in posts if p.pk != source.pk]
    target = request.POST.get("cible") or request.GET.get("cible") or "sans_plan"
    if target not in ("sans_plan", "tous"):
        target = "sans_plan"
    chosen = others if target == "tous" else [p for p in others if p.pk not in with_plan]
    error = ""
    if request.method == "POST":
        if not request.POST.get("confirmer"):
            error = "Cochez la confirmation pour appliquer le plan."
        elif not chosen:
            error = "Aucun poste à qui appliquer ce plan."
        else:
            try:
                services.plan_apply_to_posts(convention=convention, post=source, posts=chosen)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                names = ", ".join(p.name for p in chosen)
                messages.success(
                    request,
                    f"Plan de « {source.name} » appliqué à : {names} ; montants recalculés.",
                )
                return redirect(_plan_url(convention, source, len(posts) > 1))
    return render(
        request,
        "financing/plan_apply.html",
        {
            "convention": convention,
            "source": source,
            "target": target,
            "targets": chosen,
            "replaced": [p for p in chosen if p.pk in with_plan],
            "error": error,
            "back": _plan_url(convention, source, len(posts) > 1),
        },
        status=400 if error else 200,
    )


def plan_preview(request, reference: str):
    """htmx: the computed table for the plan being edited, from either editor (months from the
    post, as saving would compute them), nothing saved."""
    convention = convention_from_url(
        request, Convention.objects.visible_to(request.user), reference
    )
    if not perms.can_preview_plan(request.user, convention):
        raise PermissionDenied
    chosen = _chosen_post(request, _convention_posts(convention))
    plan = (
        FinancingPlan.objects.filter(convention=convention, post=chosen)
        .select_related("post")
        .first()
        if chosen is not None
        else FinancingPlan.objects.filter(convention=convention).select_related("post").first()
    )
    result = None
    errors: list[str] = []
    months_notes = []
    guided = None
    try:
        typed, months_by_hand, guided = _plan_from_post(
            request, convention, _current_plan(plan, convention)
        )
        result = services.plan_preview(
            convention=convention,
            plan=typed,
            post=chosen if chosen is not None else (plan.post if plan else None),
            months_by_hand=months_by_hand,
        )
    except _GuidedInvalid as exc:
        errors = exc.guided.errors()
    except ValidationError as exc:
        if guided is not None and isinstance(exc.__cause__, engine.PlanError):
            guided.add_plan_error(exc.__cause__)
            errors = guided.errors()
        else:
            errors = [" ".join(exc.messages)]
    else:
        if not months_by_hand:
            months_notes = _months_overridden(typed, result)
    names = {p.slug: p for p in Party.objects.filter(organisation_id=convention.organisation_id)}
    words = (
        rule_words.plan_words(typed, {slug: str(p) for slug, p in names.items()})
        if result is not None
        else []
    )
    return render(
        request,
        "financing/includes/preview.html",
        {
            "result": result,
            "errors": errors,
            "names": names,
            "months_notes": months_notes,
            "words": words,
        },
    )


def _months_overridden(plan: engine.Plan, result: engine.PlanResult) -> list[str]:
    """Years whose typed months give way to the post's dates and absences (as saving would)."""
    typed = engine.stated_months(plan)
    return [
        f"{year.year} : {year.months} mois tirés des dates et absences du poste (le plan en "
        f"indique {typed[year.year]}) ; cochez « Mois financés saisis à la main » pour "
        "garder les vôtres."
        for year in result.years
        if year.year in typed and typed[year.year] != year.months
    ]


#: A new plan offers one row per year of the convention's period, up to this many.
MAX_BLANK_YEARS = 10


def _blank_plan(convention) -> engine.Plan:
    """A first plan to fill in: a row per calendar year of the convention's period (its first
    year alone when the period is unknown or implausibly long), the convention's funders with a
    fixed amount left to type (no 0 typed for the user), its employer as remainder; the cost
    left to type."""
    first = (convention.start_date or date.today()).year
    end = convention.computed_end_date if convention.start_date else None
    last = end.year if end and first <= end.year < first + MAX_BLANK_YEARS else first
    shares = []
    for membership in convention.memberships.select_related("party"):
        if membership.is_employer:
            shares.append(engine.ShareRule(rule=engine.REMAINDER, party=membership.party.slug))
        elif membership.is_funder:
            shares.append(engine.ShareRule(rule=engine.FIXED, party=membership.party.slug))
    return engine.Plan(
        years=tuple(
            engine.YearInput(year=year, annual_cost=Decimal(0), months=12)
            for year in range(first, last + 1)
        ),
        shares=tuple(shares),
        rounding=engine.ROUND_DOWN_TO_EURO,
        # No first_year: a schedule by year of service then counts from the post's first day
        # of service (months.with_service_start), not from the convention's first year.
    )


def _gestionnaire_line(request, pk: int) -> ShareLine:
    line = get_object_or_404(
        ShareLine.objects.visible_to(request.user).select_related("party", "post", "convention"),
        pk=pk,
    )
    if not perms.can_record_payment(request.user, line):
        raise PermissionDenied
    return line


def payment_add(request, pk: int):
    """Record a titre de recettes or a subsidy payment on one co-funder's share."""
    line = _gestionnaire_line(request, pk)
    form = PaymentForm(request.POST or None, initial={"amount_issued": line.amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(share_line=line, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Titre enregistré.")
            return redirect("financing:party_summary", pk=line.party_id)
    return render(request, "financing/payment_form.html", {"line": line, "form": form})


_PAYMENT_FIELDS = list(PaymentForm.Meta.fields)


def _gestionnaire_payment(request, pk: int) -> Payment:
    payment = get_object_or_404(
        Payment.objects.select_related(
            "share_line__party", "share_line__post", "share_line__convention"
        ),
        pk=pk,
        share_line__in=ShareLine.objects.visible_to(request.user),
    )
    if not perms.can_record_payment(request.user, payment.share_line):
        raise PermissionDenied
    return payment


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in (
        exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    ):
        form.add_error(field if field in form.fields else None, errors)


def _refused_if_cancelled(request, payment: Payment):
    if payment.is_cancelled:
        messages.error(request, f"{payment} est déjà annulé : il ne se modifie plus.")
        return redirect("financing:party_summary", pk=payment.share_line.party_id)
    return None


def payment_cancel(request, pk: int):
    """Cancel a titre (GET: what it is and the reason asked; POST: cancelled, never deleted)."""
    payment = _gestionnaire_payment(request, pk)
    if refused := _refused_if_cancelled(request, payment):
        return refused
    form = PaymentCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_cancel(
                payment=payment, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"{payment} annulé : il reste affiché, barré, avec son motif, et ne compte plus "
                "dans ce qui a été émis ou encaissé.",
            )
            return redirect("financing:party_summary", pk=payment.share_line.party_id)
    return render(
        request,
        "financing/payment_cancel.html",
        {"payment": payment, "line": payment.share_line, "form": form, "correct": False},
        status=400 if form.errors else 200,
    )


def payment_correct(request, pk: int):
    """Correct a titre: it is cancelled and a new titre, with the corrected values, records
    which one it corrects."""
    payment = _gestionnaire_payment(request, pk)
    if refused := _refused_if_cancelled(request, payment):
        return refused
    initial = {name: getattr(payment, name) for name in _PAYMENT_FIELDS}
    form = PaymentCorrectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in _PAYMENT_FIELDS}
        try:
            new = services.payment_correct(
                payment=payment, reason=form.cleaned_data["reason"], by=request.user, **values
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"{payment} annulé et remplacé par {new} : l'ancien reste affiché, barré, avec "
                "son motif.",
            )
            return redirect("financing:party_summary", pk=payment.share_line.party_id)
    return render(
        request,
        "financing/payment_cancel.html",
        {"payment": payment, "line": payment.share_line, "form": form, "correct": True},
        status=400 if form.errors else 200,
    )


def actual_cost(request, pk: int):
    """After the year closes: enter the actual cost; shares are recomputed on it and the
    difference per party (what a subsidy is reduced by, or reclaimed) is shown."""
    plan_year = get_object_or_404(
        PlanYear.objects.select_related("plan__convention"),
        pk=pk,
        plan__convention__in=Convention.objects.visible_to(request.user),
    )
    convention = plan_year.plan.convention
    if not perms.can_record_actual_cost(request.user, convention) or request.method != "POST":
        raise PermissionDenied
    form = ActualCostForm(request.POST)
    if form.is_valid():
        try:
            differences = services.actual_cost_set(
                plan_year=plan_year, actual_cost=form.cleaned_data["actual_cost"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            names = {
                p.slug: str(p)
                for p in Party.objects.filter(organisation_id=convention.organisation_id)
            }
            detail = " ; ".join(
                f"{names.get(slug, slug)} : {format_euros(diff)}"
                for slug, diff in differences.items()
            )
            messages.success(
                request,
                f"Coût réel {plan_year.year} enregistré. Écart prévu − réel par partie : {detail}.",
            )
    else:
        messages.error(request, "Indiquez un coût réel positif, en euros.")
    return redirect("conventions:plan", reference=convention.reference)
