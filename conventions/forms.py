"""Forms of the document pages: texts and templates, signatures, signed copies; abandoning a
draft."""

from django import forms
from django.conf import settings

from conventions.models import TemplateVersion

TEXTAREA = {"rows": 4, "class": "template-text"}


class TextForm(forms.Form):
    """The parts of a text other than its articles."""

    title = forms.CharField(
        label="Intitulé du document",
        widget=forms.Textarea(attrs={"rows": 3, "class": "template-text"}),
    )
    parties_block = forms.CharField(
        label="Bloc des parties",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Par exemple « Entre : » puis {{ bloc.parties }} seul dans son paragraphe.",
    )
    preamble = forms.CharField(
        label="Préambule", required=False, widget=forms.Textarea(attrs={**TEXTAREA, "rows": 6})
    )
    closing = forms.CharField(
        label="Formule finale",
        required=False,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 3}),
        help_text="« Fait à …, le …, en … exemplaires originaux » ; "
        "les blocs de signature suivent automatiquement.",
    )


class ArticleForm(forms.Form):
    title = forms.CharField(label="Titre de l'article", max_length=300, required=False)
    body = forms.CharField(
        label="Texte de l'article",
        required=False,
        widget=forms.Textarea(attrs={**TEXTAREA, "rows": 8}),
    )


ArticleFormSet = forms.formset_factory(
    ArticleForm, extra=1, can_order=True, can_delete=True, max_num=80, absolute_max=100
)


def text_initial(text: dict) -> tuple[dict, list[dict]]:
    parts = {key: text.get(key, "") for key in ("title", "parties_block", "preamble", "closing")}
    articles = [
        {"title": a.get("title", ""), "body": a.get("body", ""), "ORDER": index}
        for index, a in enumerate(text.get("articles", []), start=1)
    ]
    return parts, articles


def text_from_forms(text_form: TextForm, formset) -> dict:
    """The text the forms hold (cleaned), articles in the order asked, deleted ones left out."""
    data = text_form.cleaned_data
    ordered = []
    for index, form in enumerate(formset.forms):
        cleaned = getattr(form, "cleaned_data", None) or {}
        if not cleaned or cleaned.get("DELETE"):
            continue
        if not (cleaned.get("title") or "").strip() and not (cleaned.get("body") or "").strip():
            continue
        order = cleaned.get("ORDER")
        ordered.append((order if order is not None else 10_000 + index, index, cleaned))
    ordered.sort(key=lambda item: (item[0], item[1]))
    return {
        "title": data.get("title", ""),
        "parties_block": data.get("parties_block", ""),
        "preamble": data.get("preamble", ""),
        "articles": [{"title": c.get("title", ""), "body": c.get("body", "")} for *_, c in ordered],
        "closing": data.get("closing", ""),
    }


class TemplateNoteForm(forms.Form):
    note = forms.CharField(label="Motif de la modification", max_length=255, required=False)


class DraftFromTemplateForm(forms.Form):
    version = forms.ModelChoiceField(
        label="Rédiger d'après le modèle",
        queryset=TemplateVersion.objects.none(),
        empty_label=None,
        help_text="Le texte du modèle est copié dans la convention, qui garde la version utilisée.",
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        versions = []
        for template in templates or []:
            version = template.current_version
            if version is not None:
                versions.append(version.pk)
        self.fields["version"].queryset = TemplateVersion.objects.filter(
            pk__in=versions
        ).select_related("template")
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.template.name} (version {v.number})"
        )


class SignatureForm(forms.Form):
    signed_on = forms.DateField(label="Signée le", widget=forms.DateInput(attrs={"type": "date"}))
    signatory_name = forms.CharField(label="Nom du signataire", max_length=160)


class SignedCopyForm(forms.Form):
    file = forms.FileField(
        label="Scan de la convention signée (PDF)",
        help_text=f"PDF uniquement, {settings.SIGNED_COPY_MAX_BYTES // (1024 * 1024)} Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'abandon",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif de l'abandon."},
    )


class DeleteDraftForm(forms.Form):
    reason = forms.CharField(
        label="Motif (facultatif, gardé dans l'historique)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
