"""The new-convention wizard: 1. posts and kind (or renewal / avenant), 2. parties and roles,
3. financing plan of each post (financing's plan page), 4. preview and PDF (the convention's page).
Every step saves the draft: leaving and coming back loses nothing."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.shortcuts import redirect, render
from django.urls import path

from conventions import drafting, perms
from conventions.deadlines import convention_deadlines, missed_warning
from conventions.forms import ReferenceField
from conventions.models import (
    SIGNED_STATUSES,
    Convention,
    ConventionKind,
    ConventionParty,
    Party,
    Post,
    Representative,
)
from conventions.selectors import convention_from_url
from conventions.validators import REFERENCE_TAKEN

MODES = [
    ("nouvelle", "Nouvelle convention"),
    ("renouvellement", "Renouveler une convention existante"),
    ("avenant", "Rédiger un avenant à une convention existante"),
]
MODE_HELP = {
    "nouvelle": "Un ou plusieurs postes, une nature, des dates : les parties, le plan de "
    "chaque poste et le texte suivent.",
    "renouvellement": "Reprend la nature, les parties, le texte et le plan d'une convention, "
    "à partir du lendemain de sa fin et pour la même durée.",
    "avenant": "Reprend une convention signée (dates, postes, parties, plan) : vous changez ce "
    "qui doit changer, le texte de l'avenant liste exactement ces changements.",
}
#: The fields step 1 shows for each mode (the others do not apply).
MODE_FIELDS = {
    "nouvelle": ["post", "kind", "reference", *drafting.DRAFT_INFO_FIELDS],
    # A renewal asks its duration before its end: the end follows from start and duration.
    "renouvellement": [
        "source",
        "reference",
        "title",
        "start_date",
        "duration_months",
        "end_date",
        "notice_months",
        "signature_place",
    ],
    "avenant": ["source", "reference", *drafting.DRAFT_INFO_FIELDS],
}


class StartForm(forms.Form):
    mode = forms.ChoiceField(choices=MODES, widget=forms.HiddenInput)
    source = forms.ModelChoiceField(
        label="Convention à renouveler ou à modifier",
        queryset=Convention.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    post = forms.ModelMultipleChoiceField(
        label="Postes couverts",
        queryset=Post.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un ou plusieurs postes : chacun aura son plan de financement (ou le même "
        "plan appliqué à chacun).",
    )
    kind = forms.ChoiceField(
        label="Nature",
        choices=[("", "—"), *[c for c in ConventionKind.choices if c[0] != ConventionKind.AVENANT]],
        required=False,
    )
    reference = ReferenceField()
    title = forms.CharField(label="Intitulé", max_length=500, required=False)
    start_date = forms.DateField(
        label="Date de début",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label="Date de fin",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duration_months = forms.IntegerField(
        label="ou durée (mois)", min_value=1, max_value=120, required=False
    )
    notice_months = forms.IntegerField(label="Préavis (mois)", min_value=0, max_value=24, initial=3)
    signature_place = forms.CharField(label="Lieu de signature", max_length=120, required=False)
    original_copies = forms.IntegerField(
        label="Exemplaires originaux", min_value=1, max_value=20, required=False
    )

    def __init__(self, *args, organisation, mode: str = "nouvelle", **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.organisation = organisation
        for name in list(self.fields):
            if name != "mode" and name not in MODE_FIELDS[mode]:
                del self.fields[name]
        if "source" in self.fields:
            self.fields["source"].queryset = Convention.objects.filter(organisation=organisation)
        if "post" in self.fields:
            self.fields["post"].queryset = Post.objects.filter(organisation=organisation).order_by(
                "name"
            )
        if mode == "renouvellement":
            self.fields[
                "start_date"
            ].help_text = "Proposée : le lendemain de la fin de la convention renouvelée."
            self.fields["duration_months"].label = "Durée (mois)"
            self.fields["duration_months"].help_text = "Proposée : la même durée."
            self.fields["end_date"].label = "ou date de fin"
            self.fields[
                "end_date"
            ].help_text = "Calculée depuis le début et la durée si vous changez l'un ou l'autre."
        elif mode == "avenant":
            self.fields[
                "start_date"
            ].help_text = (
                "Celles de la convention modifiée : changez-les seulement si l'avenant les modifie."
            )

    def clean(self):
        data = super().clean()
        if self.mode == "nouvelle":
            if not data.get("post"):
                self.add_error("post", "Choisissez le ou les postes couverts par la convention.")
            if not data.get("kind"):
                self.add_error("kind", "Choisissez la nature de la convention.")
            if not data.get("title"):
                self.add_error("title", "Donnez un intitulé à la convention.")
        elif not data.get("source"):
            self.add_error(None, "Choisissez la convention à renouveler ou à modifier.")
        # Only this organisation's conventions are compared: another's reference is free here.
        if data.get("reference") and drafting.reference_taken(self.organisation, data["reference"]):
            self.add_error("reference", REFERENCE_TAKEN)
        return data


def _source_choices(organisation, mode: str):
    """The conventions a renewal or an avenant may start from (never an avenant itself: the
    convention it amends is chosen instead)."""
    conventions = Convention.objects.filter(organisation=organisation).exclude(
        kind=ConventionKind.AVENANT
    )
    # "Renouveler" and "Rédiger un avenant" start only from a signed convention.
    return conventions.filter(status__in=SIGNED_STATUSES).order_by("reference")


def _gestionnaire_convention(request, reference: str) -> Convention:
    convention = convention_from_url(
        request, Convention.objects.visible_to(request.user), reference
    )
    if not perms.can_edit_convention(request.user, convention):
        raise PermissionDenied
    return convention


def _not_a_draft(request, convention: Convention):
    """Back to the convention page, saying why, once it has left the draft stage."""
    try:
        drafting.ensure_draft(convention)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(convention.get_absolute_url())
    return None


def start(request):
    """Step 1. Without a mode: what is being drafted (three links). A renewal or an avenant
    without its source: which convention (a GET form). Then only the fields that apply, with
    the values proposed from the source."""
    if not perms.can_draft(request.user):
        raise PermissionDenied
    organisation = request.user.organisation
    mode = request.POST.get("mode") or request.GET.get("mode")
    source_ref = request.GET.get("depuis")
    if mode not in drafting.MODES:
        if source_ref:
            mode = "renouvellement"
        else:
            return render(
                request,
                "conventions/wizard/start.html",
                {"step": 1, "modes": [(k, v, MODE_HELP[k]) for k, v in MODES]},
            )
    source = None
    if mode != "nouvelle":
        choices = _source_choices(organisation, mode)
        if request.method == "POST":
            source = choices.filter(pk=request.POST.get("source") or 0).first()
        elif source_ref:
            source = Convention.objects.filter(
                organisation=organisation, reference=source_ref
            ).first()
            if source is not None:
                source = choices.filter(pk=drafting.amended_convention(source).pk).first()
        if source is None and request.method != "POST":
            return render(
                request,
                "conventions/wizard/start.html",
                {
                    "step": 1,
                    "mode": mode,
                    "mode_label": dict(MODES)[mode],
                    "choices": choices,
                    "unknown_source": bool(source_ref),
                },
            )
    initial = {"mode": mode, "reference": drafting.next_reference(organisation, date.today().year)}
    initial.update(drafting.proposal(mode, source))
    form = StartForm(request.POST or None, organisation=organisation, mode=mode, initial=initial)
    if "source" in form.fields:
        form.fields["source"].queryset = _source_choices(organisation, mode)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {key: data[key] for key in MODE_FIELDS[mode] if key not in ("source", "post")}
        if mode == "nouvelle":
            fields["posts"] = list(data["post"])
        else:
            fields.pop("kind", None)
        try:
            started = drafting.convention_draft_start(
                organisation=organisation,
                mode=mode,
                source=data.get("source"),
                by=request.user,
                **fields,
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            convention = started.convention
            messages.success(request, f"Brouillon {convention.reference} enregistré.")
            if missed := missed_warning(convention_deadlines(convention)):
                messages.warning(request, missed)  # entered late: say what was already missed
            if started.plan_not_copied:
                messages.warning(request, started.plan_not_copied)
            return redirect("wizard_parties", reference=convention.reference)
    return render(
        request,
        "conventions/wizard/start.html",
        {
            "form": form,
            "step": 1,
            "mode": mode,
            "mode_label": dict(MODES)[mode],
            "mode_help": MODE_HELP[mode],
            "source": source,
            "proposed": drafting.proposed_dates(mode, source) if source else None,
        },
        status=400 if form.errors else 200,
    )


class RepresentativeSelect(forms.Select):
    """Each option says which party it represents (``data-party``) and whether that person is
    the one in office (``data-current``): the row script (static/js/wizard-parties.js) keeps
    only the chosen party's and preselects the current one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party_of: dict[int, int] = {}
        self.current: set[int] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        pk = getattr(value, "value", value)
        if pk in self.party_of:
            option["attrs"]["data-party"] = self.party_of[pk]
            if pk in self.current:
                option["attrs"]["data-current"] = "1"
        return option


#: Step 2's columns: the order is the rows' (set from their position), never typed.
STEP2_FIELDS = [name for name in drafting.MEMBERSHIP_FIELDS if name != "order"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = ConventionParty
        fields = STEP2_FIELDS
        widgets = {"representative": RepresentativeSelect}
        labels = {"party": "Partie", "representative": "Représentant signataire"}

    def has_changed(self) -> bool:
        """A new row counts when it names a party, proposed from the post or typed; a proposed
        row whose party was emptied is left out."""
        if self.is_bound and self.instance.pk is None:
            if self.data.get(self.add_prefix("party")):
                return True
            if self.initial.get("party"):
                return False
        return super().has_changed()


def _party_value(form) -> int | None:
    value = form["party"].value()
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class MembershipFormSet(BaseInlineFormSet):
    """Every row, the empty one the row script copies included, gets the organisation's
    parties and the representatives of its party (``_choices``, set before rows are built)."""

    _choices: dict

    def add_fields(self, form, index):
        super().add_fields(form, index)
        choices = self._choices
        form.fields["party"].queryset = choices["party_queryset"]
        form.fields["party"].choices = choices["parties"]
        field = form.fields["representative"]
        field.queryset = choices["representative_queryset"]
        party = _party_value(form)
        # The chosen party's representatives only; a row without a party lists them by party.
        field.choices = (
            [("", "—")] + choices["by_party"].get(party, [])
            if party is not None
            else choices["grouped"]
        )
        field.widget.party_of = choices["party_of"]
        field.widget.current = choices["current"]


def _membership_formset(convention, data=None):
    initial = None
    if data is None and not convention.memberships.exists():
        initial = drafting.proposed_memberships(convention)
    formset_class = inlineformset_factory(
        Convention,
        ConventionParty,
        form=MembershipForm,
        formset=MembershipFormSet,
        # Without the row script, one empty row (two when nothing is proposed); with it,
        # "Ajouter une partie" adds rows in place.
        extra=len(initial) + 1 if initial else 2,
        can_delete=True,
    )
    formset = formset_class(data, instance=convention, prefix="parties", initial=initial)
    parties = list(
        Party.objects.filter(organisation_id=convention.organisation_id).order_by("kind", "name")
    )
    representatives = list(
        Representative.objects.filter(party__organisation_id=convention.organisation_id)
        .select_related("party")
        .order_by("party__name", "-valid_from", "name")
    )
    on = convention.start_date or date.today()
    by_party: dict[int, list] = {}
    for rep in representatives:
        by_party.setdefault(rep.party_id, []).append((rep.pk, str(rep)))
    formset._choices = {
        "party_queryset": Party.objects.filter(organisation_id=convention.organisation_id),
        "parties": [("", "—")] + [(p.pk, str(p)) for p in parties],
        "representative_queryset": Representative.objects.filter(
            party__organisation_id=convention.organisation_id
        ),
        "by_party": by_party,
        "grouped": [("", "—")]
        + [(str(party), by_party[party.pk]) for party in parties if party.pk in by_party],
        "party_of": {rep.pk: rep.party_id for rep in representatives},
        "current": {
            rep.pk
            for rep in (party.current_representative(on) for party in parties)
            if rep is not None
        },
    }
    return formset


def parties(request, reference: str):
    convention = _gestionnaire_convention(request, reference)
    if refused := _not_a_draft(request, convention):
        return refused
    formset = _membership_formset(convention, request.POST or None)
    if request.method == "POST" and formset.is_valid():
        changes, removed = [], []
        position = 0
        on = convention.start_date or date.today()
        for form in formset.forms:
            existing = form.instance if form.instance.pk else None
            if formset._should_delete_form(form):
                if existing is not None:
                    removed.append(existing)
                continue
            if not form.has_changed():
                if existing is not None:
                    position += 1
                    if existing.order != position:
                        changes.append((existing, {"order": position}))
                continue
            position += 1
            values = {**form.cleaned_data, "order": position}
            if values.get("is_signatory") and not values.get("representative"):
                # The representative in office, unless one is chosen.
                values["representative"] = values["party"].current_representative(on)
            changes.append((existing, values))
        try:
            drafting.convention_parties_save(
                convention=convention, changes=changes, removed=removed, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(convention)
        if not convention.memberships.filter(is_signatory=True).exists():
            messages.warning(request, "Aucune partie signataire : ajoutez au moins un signataire.")
        else:
            messages.success(request, "Parties enregistrées.")
            for warning in drafting.employer_warnings(convention):
                messages.warning(request, warning)
            return redirect("conventions:plan", reference=convention.reference)
    return render(
        request,
        "conventions/wizard/parties.html",
        {
            "convention": convention,
            "formset": formset,
            "step": 2,
            "proposed": not convention.memberships.exists() and request.method != "POST",
        },
        status=400 if request.method == "POST" and not formset.is_valid() else 200,
    )


class InfoForm(forms.ModelForm):
    """Step 1 again, for a draft that exists: what can still change (not its post or nature,
    which the parties, plan and text were drafted from)."""

    original_copies = StartForm.base_fields["original_copies"]

    class Meta:
        model = Convention
        fields = list(drafting.DRAFT_INFO_FIELDS)
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


def info(request, reference: str):
    convention = _gestionnaire_convention(request, reference)
    if refused := _not_a_draft(request, convention):
        return refused
    form = InfoForm(request.POST or None, instance=convention)
    if request.method == "POST" and form.is_valid():
        try:
            drafting.convention_draft_info_save(
                convention=convention, values=form.cleaned_data, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(convention)
        messages.success(request, "Informations du brouillon enregistrées.")
        return redirect("wizard_parties", reference=convention.reference)
    return render(
        request,
        "conventions/wizard/info.html",
        {"convention": convention, "form": form, "step": 1},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("nouvelle/", start, name="wizard_start"),
    path("<str:reference>/brouillon/informations/", info, name="wizard_info"),
    path("<str:reference>/brouillon/parties/", parties, name="wizard_parties"),
]
