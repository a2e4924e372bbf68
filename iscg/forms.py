from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from iscg.models import Role, User, notice_kinds_for


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail de la personne invitée")
    role = forms.ChoiceField(
        label="Rôle",
        choices=[
            (Role.PARTENAIRE, "Partenaire (une partie)"),
            (Role.INTERVENANT, "Intervenant (un poste)"),
        ],
    )
    party = forms.ModelChoiceField(
        label="Partie (pour un partenaire)",
        queryset=User._meta.get_field("party").related_model.objects.none(),
        required=False,
    )
    post = forms.ModelChoiceField(
        label="Poste (pour un intervenant)",
        queryset=User._meta.get_field("post").related_model.objects.none(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The models come through the user's relations: iscg imports no domain app.
        for name in ("party", "post"):
            field = self.fields[name]
            field.queryset = field.queryset.model.objects.filter(
                organisation_id=user.organisation_id
            )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.PARTENAIRE and not data.get("party"):
            self.add_error("party", "Choisissez la partie à laquelle rattacher le partenaire.")
        if data.get("role") == Role.INTERVENANT and not data.get("post"):
            self.add_error("post", "Choisissez le poste de l'intervenant.")
        return data


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    password1 = forms.CharField(
        label="Mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(AuthenticationForm):
    """Django's login form with a French message that reads well for an e-mail login (the
    stock one builds « un adresse e-mail » from the field's name)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Attention : le mot de passe distingue "
            "majuscules et minuscules."
        ),
        "inactive": "Ce compte est désactivé ; adressez-vous au gestionnaire de votre département.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the e-mail's max_length on the field after building it: the widget says
        # it, nothing checks it. Checked here, so that an address of 131 072 characters is
        # refused in French before django-axes records it in its 255-character column
        # (PostgreSQL refused it: a 500).
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class NoticePreferencesForm(forms.Form):
    """« Mes notifications »: the optional notices the user's role may receive, ticked = on."""

    received = forms.MultipleChoiceField(
        label="Je reçois par e-mail",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Décochez un avis pour ne plus le recevoir. Les invitations et les demandes "
        "de signature adressées à un signataire sont toujours envoyées.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offered = notice_kinds_for(user.role)
        self.fields["received"].choices = [(kind.value, kind.label) for kind in offered]
        self.initial.setdefault("received", [k.value for k in offered if user.receives(k)])
