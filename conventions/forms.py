"""Forms of the document pages: a text or template edited one part at a time, signatures,
signed copies; abandoning a draft."""

from django import forms
from django.conf import settings

from conventions.models import TemplateVersion
from conventions.validators import (
    REFERENCE_MAX_LENGTH,
    normalize_reference,
    validate_convention_reference,
)


class ReferenceField(forms.CharField):
    """A convention's reference: normalised (NFC, no surrounding spaces) before it is checked
    by ``validate_convention_reference``, so the value cleaned is the value stored. The length
    is checked by the validator, on the normalised value, with its own message."""

    default_validators = [validate_convention_reference]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Référence")
        kwargs.setdefault("strip", False)
        kwargs.setdefault(
            "help_text",
            "Lettres, chiffres, tiret (-), tiret bas (_) et point (.), sans espace ; "
            f"{REFERENCE_MAX_LENGTH} caractères au plus (ex. PDC2023-A08).",
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(REFERENCE_MAX_LENGTH))

    def to_python(self, value):
        return normalize_reference(super().to_python(value))


class DraftFromTemplateForm(forms.Form):
    #: Not ``version``: that name is the edit forms' version token (``iscg.concurrency``).
    modele = forms.ModelChoiceField(
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
        self.fields["modele"].queryset = TemplateVersion.objects.filter(
            pk__in=versions
        ).select_related("template")
        self.fields["modele"].label_from_instance = lambda v: (
            f"{v.template.name} (version {v.number})"
        )


class SignatureForm(forms.Form):
    signed_on = forms.DateField(label="Signée le", widget=forms.DateInput(attrs={"type": "date"}))
    signatory_name = forms.CharField(label="Nom du signataire", max_length=160)


class SignedCopyForm(forms.Form):
    file = forms.FileField(
        label="Scan de la convention signée (PDF)",
        help_text=f"PDF uniquement, {settings.SIGNED_COPY_MAX_BYTES // (1024 * 1024)} Mo au plus. "
        "Un PDF signé électroniquement (parapheur) est vérifié : refusé si une signature est "
        "rompue ou s'il a été modifié après la signature.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class VerifyPdfForm(forms.Form):
    file = forms.FileField(
        label="PDF à vérifier",
        help_text=f"PDF uniquement, {settings.VERIFY_PDF_MAX_BYTES // (1024 * 1024)} Mo au plus. "
        "Le fichier est lu pour la vérification puis oublié : il n'est pas conservé.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        error_messages={"required": "Choisissez le PDF à vérifier."},
    )


class AbandonForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'abandon",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif de l'abandon."},
    )


class PartForm(forms.Form):
    """One part of a text (an article: its title and its text)."""

    title = forms.CharField(label="Titre de l'article", max_length=300, required=False)
    body = forms.CharField(
        label="Texte",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "template-text", "data-editor": ""}),
    )

    def __init__(self, *args, article: bool, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        if article:
            self.fields["title"].required = True
            self.fields["title"].error_messages["required"] = "Donnez un titre à l'article."
            self.fields["title"].widget.attrs["data-editor"] = ""
            self.fields["body"].label = "Texte de l'article"
        else:
            del self.fields["title"]
            self.fields["body"].label = label
        if label == "Intitulé":
            self.fields["body"].required = True
            self.fields["body"].error_messages["required"] = "L'intitulé du document est vide."
            self.fields["body"].widget.attrs["rows"] = 3


class DeleteDraftForm(forms.Form):
    reason = forms.CharField(
        label="Motif (facultatif, gardé dans l'historique)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
