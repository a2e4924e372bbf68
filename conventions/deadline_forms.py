"""The deadlines page's GET parameters: period (from, to, or a preset), type, view, month."""

from datetime import date, timedelta

from django import forms

from conventions.deadlines import KIND_LABELS, default_period, period_problem

#: Presets of the period picker: value → (French label, days before today, days after).
PRESETS = {
    "3mois": ("Les 3 prochains mois", 0, 92),
    "12mois": ("Les 12 prochains mois (et le mois écoulé)", 31, 365),
    "passees": ("Les 12 derniers mois", 365, 0),
}


class DeadlineQueryForm(forms.Form):
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    periode = forms.ChoiceField(
        label="Période",
        required=False,
        choices=[("", "Dates choisies")] + [(k, v[0]) for k, v in PRESETS.items()],
    )
    type = forms.ChoiceField(
        label="Type d'échéance", required=False, choices=[("", "Toutes"), *KIND_LABELS.items()]
    )
    vue = forms.ChoiceField(
        label="Affichage",
        required=False,
        choices=[("liste", "Liste par mois"), ("mois", "Calendrier du mois")],
    )
    mois = forms.RegexField(
        label="Mois",
        required=False,
        regex=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$",
        error_messages={"invalid": "Indiquez un mois sous la forme 2026-03."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        preset = data.get("periode")
        start, end = default_period(self.today)
        if preset in PRESETS:
            _, before, after = PRESETS[preset]
            start, end = self.today - timedelta(days=before), self.today + timedelta(days=after)
        else:
            start, end = data.get("du") or start, data.get("au") or end
        problem = period_problem(start, end)
        if problem:
            raise forms.ValidationError(problem)
        data["start"], data["end"] = start, end
        return data
