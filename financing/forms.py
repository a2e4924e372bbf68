import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from financing import engine
from financing.models import Payment


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = [
            "kind",
            "number",
            "issued_on",
            "amount_issued",
            "received_on",
            "amount_received",
            "notes",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "received_on": forms.DateInput(attrs={"type": "date"}),
        }


class PaymentCancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif : il est gardé avec le titre annulé."},
    )


class PaymentCorrectForm(PaymentForm):
    """The corrected titre's values, and why the titre it replaces is cancelled."""

    reason = forms.CharField(
        label="Motif de la correction",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif : il est gardé avec le titre annulé."},
    )


class ActualCostForm(forms.Form):
    actual_cost = forms.DecimalField(
        label="Coût réel constaté de l'année (€)", min_value=0, max_digits=12, decimal_places=2
    )


# ---------------------------------------------------------------------------------------------
# Guided plan editor: the plan's JSON form (docs/financing.md) as three plain forms, so that a
# gestionnaire never has to type JSON for the usual plans (fixed amounts, percentages, one
# remainder). Plans using the rarer rules (splits, amounts or percentages varying by year) keep
# the JSON editor; ``guided_blockers`` says why.

RULE_LABELS = [
    ("", "— règle —"),
    (engine.FIXED, "Montant annuel fixe"),
    (engine.PERCENT_OF_COST, "Pourcentage du coût"),
    (engine.PERCENT_OF_REMAINDER, "Pourcentage du reste"),
    (engine.REMAINDER, "Reste à charge (le solde)"),
]
ROUNDING_LABELS = [
    (engine.ROUND_DOWN_TO_EURO, "À l'euro inférieur (le reste à charge absorbe les centimes)"),
    (engine.ROUND_HALF_UP_TO_EURO, "À l'euro le plus proche"),
]
_ADVANCED = {
    "split": "une part répartie entre plusieurs parties",
    "percent_by_rank": "un pourcentage selon l'année de service du poste",
}
_BY_YEAR = re.compile(r"^\s*(\d{4})\s*[:=]\s*(.+?)\s*$")


def parse_by_year(text: str) -> dict[str, str]:
    """« 2022 : 14 900 ; 2023 : 17 500 » → {"2022": "14900", "2023": "17500"} (French numbers:
    spaces, decimal comma, € or % allowed). Raise ValidationError naming the faulty piece."""
    values: dict[str, str] = {}
    for piece in re.split(r"[;\n]", text or ""):
        if not piece.strip():
            continue
        match = _BY_YEAR.match(piece)
        if match is None:
            raise ValidationError(
                f"« {piece.strip()} » : écrivez l'année puis la valeur, ex. « 2023 : 17 500 »."
            )
        year, raw = match.groups()
        number = re.sub(r"[\s\u00a0\u202f€%]", "", raw).replace(",", ".")
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise ValidationError(f"« {piece.strip()} » : « {raw} » n'est pas un nombre.") from None
        if not value.is_finite() or value < 0:
            raise ValidationError(f"« {piece.strip()} » : la valeur doit être positive.")
        if year in values:
            raise ValidationError(f"L'année {year} est donnée deux fois.")
        values[year] = _plain(value)
    return values


def format_by_year(values) -> str:
    """The inverse of parse_by_year, for the form's initial value."""
    return " ; ".join(f"{year} : {_plain(value)}" for year, value in sorted(values.items()))


def guided_blockers(plan: engine.Plan | None) -> list[str]:
    """What in a plan the guided editor cannot show (empty: it can)."""
    found: list[str] = []
    for share in plan.shares if plan is not None else ():
        for key, label in _ADVANCED.items():
            if getattr(share, key) and label not in found:
                found.append(label)
    return found


def _plain(value) -> str:
    """A Decimal as the plan writes it: 17500 or 17500.5, never 1.75E+4."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_MONEY = forms.NumberInput(attrs={"class": "money"})


class PlanSettingsForm(forms.Form):
    rounding = forms.ChoiceField(label="Arrondi des parts", choices=ROUNDING_LABELS)
    months_by_hand = forms.BooleanField(
        label="Mois financés saisis à la main (sinon : dates et absences du poste)", required=False
    )


class PlanYearForm(forms.Form):
    year = forms.IntegerField(label="Année", min_value=2000, max_value=2100)
    annual_cost = forms.DecimalField(
        label="Coût annuel du poste (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_MONEY,
    )
    months = forms.IntegerField(label="Mois financés", min_value=1, max_value=12, initial=12)


class PlanShareForm(forms.Form):
    party = forms.ChoiceField(label="Partie")
    rule = forms.ChoiceField(label="Règle", choices=RULE_LABELS)
    amount = forms.DecimalField(
        label="Montant annuel (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_MONEY,
    )
    percent = forms.DecimalField(
        label="Pourcentage (%)", required=False, min_value=0, max_value=100, decimal_places=2
    )
    cap = forms.DecimalField(
        label="Plafond annuel (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_MONEY,
    )
    by_year = forms.CharField(
        label="Ou par année",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "ex. 2024 : 18 000"}),
    )

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "— partie —"), *parties]

    def clean_by_year(self) -> dict[str, str]:
        return parse_by_year(self.cleaned_data.get("by_year", ""))

    def clean(self):
        data = super().clean()
        rule, amount, percent = data.get("rule"), data.get("amount"), data.get("percent")
        by_year = data.get("by_year")
        by_year_broken = "by_year" in self.errors
        if rule == engine.FIXED:
            if amount is None and not by_year and not by_year_broken:
                self.add_error("amount", "Indiquez le montant annuel de cette part.")
            if amount is not None and by_year:
                self.add_error(
                    "by_year", "Un montant pour toutes les années, ou par année : pas les deux."
                )
            if percent is not None:
                self.add_error("percent", "Un montant fixe n'a pas de pourcentage : videz-le.")
        elif rule in (engine.PERCENT_OF_COST, engine.PERCENT_OF_REMAINDER):
            yearly = rule == engine.PERCENT_OF_COST
            if percent is None and not (yearly and by_year) and not by_year_broken:
                self.add_error("percent", "Indiquez le pourcentage de cette part.")
            if percent is not None and by_year:
                self.add_error(
                    "by_year", "Un pourcentage pour toutes les années, ou par année : pas les deux."
                )
            if by_year and not yearly:
                self.add_error("by_year", "Le pourcentage du reste ne change pas selon l'année.")
            if amount is not None:
                self.add_error("amount", "Une part en pourcentage n'a pas de montant : videz-le.")
        elif rule == engine.REMAINDER and (amount is not None or percent is not None or by_year):
            self.add_error(
                None, "Le reste à charge se calcule : laissez montant et pourcentage vides."
            )
        if data.get("cap") is not None and rule != engine.PERCENT_OF_COST:
            self.add_error("cap", "Un plafond ne s'applique qu'à un pourcentage du coût.")
        return data


class _RowsFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[forms.Form]:
        """Filled rows not marked for deletion (blank extra rows are ignored)."""
        return [
            form
            for form in self.forms
            if not self._should_delete_form(form)
            and (form in self.initial_forms or form.has_changed())
        ]


class _YearFormSet(_RowsFormSet):
    """Years; the whole plan's rules (at least one year, none twice) are the engine's."""


class _ShareFormSet(_RowsFormSet):
    """Shares; the whole plan's rules (exactly one remainder...) are the engine's."""


YearFormSet = forms.formset_factory(PlanYearForm, formset=_YearFormSet, extra=1, can_delete=True)
ShareFormSet = forms.formset_factory(PlanShareForm, formset=_ShareFormSet, extra=2, can_delete=True)


class GuidedPlan:
    """The three forms of the guided editor, built from an engine ``Plan`` and back."""

    def __init__(
        self,
        *,
        parties: list[tuple[str, str]],
        previous: engine.Plan | None,
        months_by_hand: bool = False,
        months: dict[int, int] | None = None,
        data=None,
    ):
        """``months``: the months the saved plan funds each year (from the post's dates unless
        typed by hand), shown where the plan states none."""
        self.previous = previous
        self._plan: engine.Plan | None = None
        months = months or {}
        years = (
            [
                {
                    "year": y.year,
                    "annual_cost": _plain(y.annual_cost),
                    "months": y.months if y.months is not None else months.get(y.year, 12),
                }
                for y in previous.years
            ]
            if previous
            else []
        )
        shares = []
        for share in previous.shares if previous else ():
            if share.party is None:
                continue
            row = {"party": share.party, "rule": share.rule}
            for key in ("amount", "percent", "cap"):
                value = getattr(share, key)
                row[key] = _plain(value) if value is not None else None
            by_year = share.amount_by_year or share.percent_by_year
            if by_year:
                row["by_year"] = format_by_year(by_year)
            shares.append(row)
        self.settings = PlanSettingsForm(
            data,
            prefix="plan",
            initial={
                "rounding": previous.rounding if previous else engine.ROUND_DOWN_TO_EURO,
                "months_by_hand": months_by_hand,
            },
        )
        self.years = YearFormSet(data, prefix="annee", initial=years)
        self.shares = ShareFormSet(
            data, prefix="part", initial=shares, form_kwargs={"parties": parties}
        )

    def is_valid(self) -> bool:
        """Every form validated (so that every error shows at once), then the plan they make
        read by the engine, whose message goes to the row it is about."""
        if not all([self.settings.is_valid(), self.years.is_valid(), self.shares.is_valid()]):
            return False
        try:
            self._plan = engine.read_plan(self._plan_json())
        except engine.PlanError as exc:
            self.add_plan_error(exc)
            return False
        return True

    def plan(self) -> engine.Plan:
        """The plan the forms make (call ``is_valid`` first)."""
        if self._plan is None:
            raise ValueError("GuidedPlan.plan() before is_valid()")
        return self._plan

    def add_plan_error(self, error: engine.PlanError) -> None:
        """Show the engine's message on the row it is about: the share's, else the year's,
        else above the shares (or the years, when none is left)."""
        message = str(error)
        shares = self.shares.kept_forms()
        if error.share is not None and error.share < len(shares):
            shares[error.share].add_error(None, message)
            return
        rows = [f for f in self.years.kept_forms() if f.cleaned_data.get("year") == error.year]
        if error.year is not None and rows:
            rows[-1].add_error(None, message)
            return
        formset = self.shares if self.years.kept_forms() else self.years
        formset.non_form_errors().append(message)

    @property
    def months_by_hand(self) -> bool:
        return bool(self.settings.cleaned_data.get("months_by_hand"))

    def errors(self) -> list[str]:
        """Every message, for the live preview (field errors name their row)."""
        messages = list(self.settings.non_field_errors())
        for title, formset in (("Année", self.years), ("Part", self.shares)):
            messages += formset.non_form_errors()
            for number, form in enumerate(formset.forms, start=1):
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    where = f"{title} n° {number}" + (f", {label.lower()}" if label else "")
                    messages += [f"{where} : {error}" for error in errors]
        return messages

    def _plan_json(self) -> dict:
        """The plan's JSON form, for the engine to read; what a source wrote (``as_written``)
        and the post's first year are kept from the previous plan, for the years and parties
        still in it. Months are written only when typed by hand."""
        shares = []
        for form in self.shares.kept_forms():
            row = form.cleaned_data
            share = {"party": row["party"], "rule": row["rule"]}
            for key in ("amount", "percent", "cap"):
                if row.get(key) is not None:
                    share[key] = _plain(row[key])
            if row.get("by_year"):
                key = "amount_by_year" if row["rule"] == engine.FIXED else "percent_by_year"
                share[key] = row["by_year"]
            shares.append(share)
        parties = {share["party"] for share in shares}
        written = {y.year: y.as_written for y in self.previous.years} if self.previous else {}
        years = []
        for form in self.years.kept_forms():
            row = form.cleaned_data
            year = {"year": row["year"], "annual_cost": _plain(row["annual_cost"])}
            if self.months_by_hand:
                # Otherwise the post's dates and absences give the months, as when saving.
                year["months"] = row["months"]
            kept = {p: _plain(a) for p, a in written.get(row["year"], {}).items() if p in parties}
            if kept:
                year["as_written"] = kept
            years.append(year)
        years.sort(key=lambda y: y["year"])
        data = {
            "rounding": self.settings.cleaned_data["rounding"],
            "years": years,
            "shares": shares,
        }
        if self.previous is not None and self.previous.first_year is not None:
            data["first_year"] = self.previous.first_year
        return data
