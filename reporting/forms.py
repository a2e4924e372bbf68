"""Forms of the bilan pages. They only parse input: the rules run in the services (model clean)."""

from django import forms
from django.core.exceptions import ValidationError

from reporting import rules
from reporting.models import Bilan, PartKind

#: Fieldsets of the entry form: (legend, field names).
FIELDSETS = [
    (
        "Saisines",
        [
            "referrals_women",
            "referrals_men",
            "referrals_children",
            "referrals_total",
            "referrals_not_split",
        ],
    ),
    (
        "Saisines par public",
        ["public_victims", "public_suspects", "public_other", "public_not_split"],
    ),
    (
        "Saisines par origine",
        [
            "origin_services",
            "origin_main_courante",
            "origin_partners",
            "origin_own_request",
            "origin_not_split",
        ],
    ),
    (
        "Entretiens",
        [
            "interviews_in_person",
            "interviews_phone",
            "interviews_total",
            "interviews_with_partners",
            "interviews_not_split",
        ],
    ),
    ("Violences intrafamiliales et suivi", ["vif_pct", "known_to_social_services"]),
    ("Territoire couvert", ["epci_count", "communes_count"]),
    ("Commentaire", ["comment"]),
    ("Année sans bilan", ["no_report_reason"]),
]
FIGURE_FIELDS = [name for _, names in FIELDSETS for name in names]
PROBLEM_PREFIX = "probleme_"
ORIENTATION_PREFIX = "orientation_"


def _reads() -> dict[str, set[str]]:
    """For each field a rule's message is attached to, the fields that rule reads."""
    reads: dict[str, set[str]] = {}
    for breakdown in rules.BREAKDOWNS:
        read = {breakdown.total, breakdown.flag, *breakdown.parts_fields}
        for field in (breakdown.total, breakdown.flag):
            reads[field] = reads.get(field, set()) | read
    reads["interviews_with_partners"] = {"interviews_with_partners", "interviews_total"}
    reads["known_to_social_services"] = {"known_to_social_services", "referrals_total"}
    reads["problems"] = {"referrals_total", *(PROBLEM_PREFIX + key for key in rules.PROBLEMS)}
    reads["orientations"] = {
        "referrals_total",
        *(ORIENTATION_PREFIX + key for key in rules.ORIENTATIONS),
    }
    return reads


_READS = _reads()


class BilanForm(forms.Form):
    """The year's figures; problématiques and orientations as one count field each."""

    def __init__(self, *args, instance: Bilan | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            initial = {name: getattr(instance, name) for name in FIGURE_FIELDS}
            for key, value in (instance.problems or {}).items():
                initial[PROBLEM_PREFIX + key] = value
            for key, value in (instance.orientations or {}).items():
                initial[ORIENTATION_PREFIX + key] = value
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(Bilan, fields=FIGURE_FIELDS, localized_fields=["vif_pct"])
        )
        for name in ("comment", "no_report_reason"):
            self.fields[name].widget.attrs["rows"] = 3
        for key, label in rules.PROBLEMS.items():
            self.fields[PROBLEM_PREFIX + key] = forms.IntegerField(
                label=label, required=False, min_value=0
            )
        for key, label in rules.ORIENTATIONS.items():
            self.fields[ORIENTATION_PREFIX + key] = forms.IntegerField(
                label=label, required=False, min_value=0
            )
        self.inconsistencies: list[dict] = []

    def fieldsets(self):
        """(legend, bound fields, live sum or None) for each fieldset of the page; the live
        sum tells the page's script (``bilan_totals.js``) which fields add up to which total."""
        result = [
            (legend, [self[name] for name in names], _live_sum(names))
            for legend, names in FIELDSETS
        ]
        result.insert(
            5,
            (
                "Principales problématiques (nombre de saisines concernées)",
                [self[PROBLEM_PREFIX + key] for key in rules.PROBLEMS],
                None,
            ),
        )
        result.insert(
            6,
            (
                "Orientations (nombre de saisines)",
                [self[ORIENTATION_PREFIX + key] for key in rules.ORIENTATIONS],
                None,
            ),
        )
        return result

    def clean(self):
        data = super().clean()
        # The year's rules run here too, so that every mistake shows on the first submit; the
        # service checks them again before saving. Rules reading a field already in error are
        # left out: that field's own message says what to fix. Inconsistencies (sums that do
        # not add up yet) never stop the saving: they are listed as such.
        in_error = set(self.errors)
        found = []
        if in_error:
            for issue in rules.bilan_issues(self.figures()):
                target = issue.field if issue.field in self.fields else None
                if target in in_error or in_error & _READS.get(issue.field, set()):
                    continue
                if issue.inconsistency:
                    found.append(issue)
                else:
                    self.add_error(target, issue.message)
        self.set_inconsistencies(found)
        return data

    def set_inconsistencies(self, issues: list[rules.Issue]) -> None:
        """Show ``issues`` (kept by a draft, blocking its sending) above the form and beside
        their fields (``field.inconsistencies`` in the template)."""
        self.inconsistencies = issue_rows(issues)
        for name in self.fields:
            self[name].inconsistencies = []
        for row in self.inconsistencies:
            if row["field"] in self.fields:
                self[row["field"]].inconsistencies.append(row["message"])

    def figures(self) -> dict:
        """The cleaned data as the model's values."""
        data = {name: self.cleaned_data.get(name) for name in FIGURE_FIELDS}
        for name in ("comment", "no_report_reason"):
            data[name] = (data[name] or "").strip()
        data["problems"] = {
            key: self.cleaned_data[PROBLEM_PREFIX + key]
            for key in rules.PROBLEMS
            if self.cleaned_data.get(PROBLEM_PREFIX + key) is not None
        }
        data["orientations"] = {
            key: self.cleaned_data[ORIENTATION_PREFIX + key]
            for key in rules.ORIENTATIONS
            if self.cleaned_data.get(ORIENTATION_PREFIX + key) is not None
        }
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the rules' messages next to their fields (or above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


#: The breakdowns whose total the page computes as one types (the others are compared to it).
COMPUTED_TOTALS = (rules.SEX, rules.INTERVIEWS)


def _live_sum(names: list[str]) -> dict | None:
    """What the page's script needs to add up a fieldset's breakdown as one types: the ids of
    its parts, of its total and of its "non ventilé" box, and the sum in words."""
    for breakdown in rules.BREAKDOWNS:
        if breakdown.flag in names:
            labels = [label for _, label in breakdown.parts]
            words = " + ".join([labels[0], *(label.lower() for label in labels[1:])])
            return {
                "parts": " ".join(f"id_{field}" for field in breakdown.parts_fields),
                "total": f"id_{breakdown.total}",
                "flag": f"id_{breakdown.flag}",
                "words": words,
                "total_label": breakdown.total_label,
                "fills": breakdown in COMPUTED_TOTALS,
            }
    return None


def _anchor_field(name: str | None) -> str | None:
    """The form field a rule's message points to (problématiques and orientations: the first
    of their counts)."""
    if name in FIGURE_FIELDS:
        return name
    if name == "problems":
        return PROBLEM_PREFIX + next(iter(rules.PROBLEMS))
    if name == "orientations":
        return ORIENTATION_PREFIX + next(iter(rules.ORIENTATIONS))
    if name in {field for field, _ in rules.PART_FIELDS}:
        return name
    return None


def issue_rows(issues: list[rules.Issue]) -> list[dict]:
    """Issues as the pages list them: the message, the field it concerns (its label, and the
    form field to link to: ``id_<field>`` on the entry form), or none for the whole bilan."""
    rows = []
    for issue in issues:
        field = _anchor_field(issue.field)
        label = ""
        if issue.field in {f.name for f in Bilan._meta.get_fields()}:
            label = str(Bilan._meta.get_field(issue.field).verbose_name)
        rows.append(
            {
                "message": issue.message,
                "field": field,
                "anchor": f"id_{field}" if field else "",
                "label": label[:1].upper() + label[1:],
            }
        )
    return rows


class BilanPartForm(forms.Form):
    kind = forms.ChoiceField(choices=PartKind.choices, widget=forms.HiddenInput)
    number = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label="Unité", max_length=120, required=False)
    referrals_women = forms.IntegerField(label="Femmes", required=False, min_value=0)
    referrals_men = forms.IntegerField(label="Hommes", required=False, min_value=0)
    referrals_children = forms.IntegerField(label="Enfants", required=False, min_value=0)
    referrals_total = forms.IntegerField(label="Total saisines", required=False, min_value=0)
    interviews_total = forms.IntegerField(label="Entretiens", required=False, min_value=0)
    vif_pct = forms.DecimalField(
        label="% VIF", required=False, min_value=0, max_value=100, decimal_places=2, localize=True
    )

    COUNTS = (
        "referrals_women",
        "referrals_men",
        "referrals_children",
        "referrals_total",
        "interviews_total",
        "vif_pct",
    )

    @property
    def title(self) -> str:
        kind = self["kind"].value()
        number = self["number"].value()
        try:
            number = int(number) if number not in (None, "") else None
        except ValueError:
            number = None
        return rules.part_label(kind, number, self["label"].value() or "")

    def part(self) -> dict | None:
        """The part's values, or None when the row was left empty."""
        data = self.cleaned_data
        if not data or all(data.get(name) is None for name in self.COUNTS):
            return None
        values = {name: data.get(name) for name in self.COUNTS}
        women, men, children = (
            values[f] for f in ("referrals_women", "referrals_men", "referrals_children")
        )
        values["referrals_not_split"] = None in (women, men, children)
        values.update(
            kind=data["kind"], number=data.get("number"), label=(data.get("label") or "").strip()
        )
        return values


PartFormSet = forms.formset_factory(BilanPartForm, extra=0, max_num=24, validate_max=True)


def blank_parts(kind: str, post) -> list[dict]:
    """Empty rows for a new split of the year: 12 months, 4 quarters or the post's units."""
    if kind == PartKind.MONTH:
        return [{"kind": kind, "number": number} for number in range(1, 13)]
    if kind == PartKind.QUARTER:
        return [{"kind": kind, "number": number} for number in range(1, 5)]
    if kind == PartKind.UNIT:
        names = [unit.name for unit in post.units.all()] or ["Commissariat", "Gendarmerie"]
        return [{"kind": kind, "label": name} for name in names]
    return []


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour renvoyer le bilan : dites ce qui doit être corrigé. "
        "Aucune donnée nominative.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier (XLSX ou CSV)",
        help_text="Une ligne par poste et par année. CSV : séparateur point-virgule ou virgule, "
        "virgule décimale acceptée, UTF-8 (avec ou sans BOM) ou Windows-1252.",
    )
