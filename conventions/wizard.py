"""The new-convention wizard: 1. post and kind (or renewal / avenant), 2. parties and roles,
3. financing plan (financing's plan page), 4. preview and PDF (the convention's page).
Every step saves the draft: leaving and coming back loses nothing."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import inlineformset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from conventions import drafting
from conventions.models import (
    Convention,
    ConventionKind,
    ConventionParty,
    Party,
    Post,
    Representative,
)
from iscg import perms

MODES = [
    ("nouvelle", "Nouvelle convention"),
    ("renouvellement", "Renouveler une convention existante"),
    ("avenant", "Rédiger un avenant à une convention existante"),
]


class StartForm(forms.Form):
    mode = forms.ChoiceField(
        label="Que voulez-vous faire ?", choices=MODES, widget=forms.RadioSelect, initial="nouvelle"
    )
    source = forms.ModelChoiceField(
        label="Convention à renouveler ou à modifier",
        queryset=Convention.objects.none(),
        required=False,
    )
    post = forms.ModelChoiceField(label="Poste", queryset=Post.objects.none(), required=False)
    kind = forms.ChoiceField(
        label="Nature",
        choices=[c for c in ConventionKind.choices if c[0] != ConventionKind.AVENANT],
        required=False,
    )
    reference = forms.CharField(label="Référence", max_length=40)
    title = forms.CharField(label="Intitulé", max_length=500, required=False)
    start_date = forms.DateField(
        label="Date de début", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label="Date de fin", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    duration_months = forms.IntegerField(
        label="ou durée (mois)", min_value=1, max_value=120, required=False
    )
    notice_months = forms.IntegerField(label="Préavis (mois)", min_value=0, max_value=24, initial=3)
    signature_place = forms.CharField(label="Lieu de signature", max_length=120, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Convention.objects.filter(
            organisation=organisation
        ).order_by("reference")
        self.fields["post"].queryset = Post.objects.filter(organisation=organisation).order_by(
            "name"
        )

    def clean(self):
        data = super().clean()
        if data.get("mode") == "nouvelle":
            if not data.get("post"):
                self.add_error("post", "Choisissez le poste couvert par la convention.")
            if not data.get("kind"):
                self.add_error("kind", "Choisissez la nature de la convention.")
            if not data.get("title"):
                self.add_error("title", "Donnez un intitulé à la convention.")
        elif not data.get("source"):
            self.add_error("source", "Choisissez la convention à renouveler ou à modifier.")
        if (
            data.get("reference")
            and Convention.objects.filter(reference=data["reference"]).exists()
        ):
            self.add_error("reference", "Cette référence est déjà utilisée.")
        return data


def _gestionnaire_convention(request, reference: str) -> Convention:
    convention = get_object_or_404(Convention.objects.visible_to(request.user), reference=reference)
    if not perms.can_edit_in(request.user, convention.organisation_id):
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
    if not perms.is_gestionnaire(request.user):
        raise PermissionDenied
    organisation = request.user.organisation
    initial = {"reference": drafting.next_reference(organisation, date.today().year)}
    source_ref = request.GET.get("depuis")
    if source_ref:
        initial.update(
            source=Convention.objects.filter(
                organisation=organisation, reference=source_ref
            ).first()
        )
        initial["mode"] = request.GET.get("mode", "renouvellement")
    form = StartForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "reference",
                "title",
                "start_date",
                "end_date",
                "duration_months",
                "notice_months",
                "signature_place",
            )
        }
        if data["mode"] == "nouvelle":
            fields["kind"] = data["kind"]
            fields["posts"] = [data["post"]]
        try:
            convention = drafting.convention_draft_start(
                organisation=organisation, mode=data["mode"], source=data.get("source"), **fields
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Brouillon {convention.reference} enregistré.")
            return redirect("wizard_parties", reference=convention.reference)
    return render(request, "conventions/wizard/start.html", {"form": form, "step": 1})


class MembershipForm(forms.ModelForm):
    class Meta:
        model = ConventionParty
        fields = ["order", "party", *ConventionParty.ROLE_FIELDS.values(), "representative"]
        widgets = {"order": forms.NumberInput(attrs={"min": 0})}


def _membership_formset(convention, data=None):
    formset_class = inlineformset_factory(
        Convention, ConventionParty, form=MembershipForm, extra=2, can_delete=True
    )
    formset = formset_class(data, instance=convention, prefix="parties")
    parties = Party.objects.filter(organisation_id=convention.organisation_id).order_by(
        "kind", "name"
    )
    representatives = Representative.objects.filter(
        party__organisation_id=convention.organisation_id
    ).select_related("party")
    for form in formset.forms:
        form.fields["party"].queryset = parties
        form.fields["representative"].queryset = representatives
        form.fields["representative"].label_from_instance = lambda r: f"{r.party} — {r}"
    return formset


def parties(request, reference: str):
    convention = _gestionnaire_convention(request, reference)
    if refused := _not_a_draft(request, convention):
        return refused
    formset = _membership_formset(convention, request.POST or None)
    if request.method == "POST" and formset.is_valid():
        formset.save()
        if not convention.memberships.filter(is_signatory=True).exists():
            messages.warning(request, "Aucune partie signataire : ajoutez au moins un signataire.")
        else:
            messages.success(request, "Parties enregistrées.")
            return redirect("conventions:plan", reference=convention.reference)
    return render(
        request,
        "conventions/wizard/parties.html",
        {"convention": convention, "formset": formset, "step": 2},
    )


class InfoForm(forms.ModelForm):
    """Step 1 again, for a draft that exists: what can still change (not its post or nature,
    which the parties, plan and text were drafted from)."""

    class Meta:
        model = Convention
        fields = [
            "title",
            "start_date",
            "end_date",
            "duration_months",
            "notice_months",
            "signature_place",
        ]
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
        form.save()
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
