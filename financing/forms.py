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
# Guided plan editor: the plan's JSON form (docs/financing.md) as plain forms, for every rule the
# engine has: fixed amounts (for all years or by year), percentages of the cost (for all years,
# by year, or by the post's year of service, with a cap), percentages of the remainder, the
# remainder, a share split between several parties (equally, by population, by percentages or
# by other keys), and the party that receives the rounding when the shares cover the whole cost
# (``residue``). What the editor does not show is kept from the saved plan: the amounts the act
# wrote (``as_written``), the post's first year, the period and the first day of service.

#: The « party » of a share paid by several parties (its split rows say who).
SPLIT = "__repartie__"
SPLIT_EQUAL = ""  # an equal split: the first choice, what a new row submits

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
SPLIT_LABELS = [
    (SPLIT_EQUAL, "À parts égales"),
    (engine.SPLIT_BY_POPULATION, "Au prorata de la population (clé : nombre d'habitants)"),
    (engine.SPLIT_BY_PERCENT, "Selon des pourcentages (clés en %, total 100 %)"),
    (engine.SPLIT_BY_WEIGHT, "Selon d'autres clés (poids)"),
]
_BY_YEAR = re.compile(r"^\s*(\d{4})\s*[:=]\s*(.+?)\s*$")
_SPACES = re.compile(r"[\s\u00a0\u202f€%]")


def _french_number(raw: str) -> Decimal | None:
    """« 17 500,50 € » → Decimal('17500.50'); None when it is not a number."""
    number = _SPACES.sub("", raw or "").replace(",", ".")
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


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
        value = _french_number(raw)
        if value is None:
            raise ValidationError(f"« {piece.strip()} » : « {raw} » n'est pas un nombre.")
        if value < 0:
            raise ValidationError(f"« {piece.strip()} » : la valeur doit être positive.")
        if year in values:
            raise ValidationError(f"L'année {year} est donnée deux fois.")
        values[year] = _plain(value)
    return values


def format_by_year(values) -> str:
    """The inverse of parse_by_year, for the form's initial value."""
    return " ; ".join(f"{year} : {_plain(value)}" for year, value in sorted(values.items()))


def parse_by_rank(text: str) -> list[str]:
    """« 80 ; 50 ; 30 ; 33 » (or « 80 %, 50 %… » on one line) → ["80", "50", "30", "33"]: the
    percentage of the cost by the post's year of service, the last one for every later year.
    Raise ValidationError naming the faulty piece."""
    pieces = [p for p in re.split(r"[;\n/]|\s+-\s+", text or "") if p.strip()]
    if len(pieces) == 1 and "," in pieces[0] and " " in pieces[0].strip():
        pieces = [p for p in pieces[0].split(",") if p.strip()]
    values = []
    for rank, piece in enumerate(pieces, start=1):
        value = _french_number(piece)
        if value is None:
            raise ValidationError(
                f"« {piece.strip()} » ({ordinal_words(rank)} année de service) n'est pas un "
                "pourcentage : écrivez par exemple « 80 ; 50 ; 30 ; 33 »."
            )
        if not 0 <= value <= 100:
            raise ValidationError(
                f"« {piece.strip()} » ({ordinal_words(rank)} année de service) : un pourcentage "
                "est compris entre 0 et 100."
            )
        values.append(_plain(value))
    return values


def ordinal_words(rank: int) -> str:
    return "1re" if rank == 1 else f"{rank}e"


def _plain(value) -> str:
    """A Decimal as the plan writes it: 17500 or 17500.5, never 1.75E+4."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_MONEY = forms.NumberInput(attrs={"class": "money", "inputmode": "decimal"})


class PlanSettingsForm(forms.Form):
    rounding = forms.ChoiceField(label="Arrondi des parts", choices=ROUNDING_LABELS)
    months_by_hand = forms.BooleanField(
        label="Mois financés saisis à la main (sinon : dates et absences du poste)", required=False
    )
    residue = forms.ChoiceField(
        label="Qui absorbe les arrondis",
        required=False,
        help_text="Quand les parts couvrent tout le coût (80 % et 20 %, par exemple), aucune part "
        "n'est au reste à charge : choisissez la partie qui reçoit les centimes d'arrondi.",
    )

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residue"].choices = [
            ("", "La part au reste à charge (le solde)"),
            *parties,
        ]


class PlanYearForm(forms.Form):
    year = forms.IntegerField(
        label="Année",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "Indiquez l'année."},
    )
    annual_cost = forms.DecimalField(
        label="Coût annuel du poste (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_MONEY,
        error_messages={"required": "Indiquez le coût annuel du poste pour cette année."},
    )
    months = forms.DecimalField(
        label="Mois financés",
        min_value=Decimal("0.01"),
        max_value=12,
        max_digits=4,
        decimal_places=2,
        required=False,
        help_text="Vide : 12 mois.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class SplitPartForm(forms.Form):
    """One party of a split share and its key (its population, its percentage, its weight;
    nothing for an equal split)."""

    party = forms.ChoiceField(label="Partie", required=False)
    key = forms.CharField(
        label="Clé (habitants, % ou poids)",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "key"}),
    )

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "— partie —"), *parties]

    def clean_key(self) -> str:
        raw = self.cleaned_data.get("key", "")
        if not raw.strip():
            return ""
        value = _french_number(raw)
        if value is None or value < 0:
            raise ValidationError(f"« {raw} » n'est pas une clé : un nombre positif (ex. 81,32).")
        return _plain(value)

    def clean(self):
        data = super().clean()
        if data.get("key") and not data.get("party"):
            self.add_error("party", "Choisissez la partie de cette clé.")
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


class _SplitFormSet(_RowsFormSet):
    """The parties of one split share; its blank row to copy uses ``__cle__`` (the shares'
    own blank row already uses ``__prefix__``)."""

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__cle__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.form_renderer,
            **self.get_form_kwargs(None),
        )
        self.add_fields(form, None)
        return form


SplitFormSet = forms.formset_factory(SplitPartForm, formset=_SplitFormSet, extra=1, can_delete=True)


class PlanShareForm(forms.Form):
    party = forms.ChoiceField(
        label="Qui paie", error_messages={"required": "Choisissez qui paie cette part."}
    )
    rule = forms.ChoiceField(
        label="Règle",
        choices=RULE_LABELS,
        error_messages={"required": "Choisissez la règle de cette part."},
    )
    amount = forms.DecimalField(
        label="Montant annuel (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=_MONEY,
    )
    percent = forms.DecimalField(
        label="Pourcentage (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
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
        widget=forms.TextInput(attrs={"placeholder": "ex. 2023 : 17 500 ; 2024 : 18 000"}),
    )
    by_rank = forms.CharField(
        label="Ou selon l'année de service du poste (%)",
        required=False,
        max_length=200,
        help_text="1re année ; 2e ; … : le dernier vaut pour les années suivantes.",
        widget=forms.TextInput(attrs={"placeholder": "ex. 80 ; 50 ; 30 ; 33"}),
    )
    split_by = forms.ChoiceField(label="Répartie", choices=SPLIT_LABELS, required=False)

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [
            ("", "— partie —"),
            (SPLIT, "Plusieurs parties (répartition ci-dessous)"),
            *parties,
        ]
        split = list(self.initial.get("split") or [])
        self.split = SplitFormSet(
            self.data if self.is_bound else None,
            prefix=f"{self.prefix}-cle" if self.prefix else "cle",
            initial=split,
            form_kwargs={"parties": parties},
        )
        if not self.is_bound and not split:
            self.split.extra = 2

    @property
    def is_split(self) -> bool:
        if self.is_bound:
            return self.data.get(self.add_prefix("party")) == SPLIT
        return self.initial.get("party") == SPLIT

    def has_changed(self) -> bool:
        return super().has_changed() or (self.is_bound and self.split.has_changed())

    def clean_by_year(self) -> dict[str, str]:
        return parse_by_year(self.cleaned_data.get("by_year", ""))

    def clean_by_rank(self) -> list[str]:
        return parse_by_rank(self.cleaned_data.get("by_rank", ""))

    def split_parts(self) -> list[dict[str, str]]:
        """The split's filled rows (call after validation): [{"party", "key"}]."""
        return [
            {"party": form.cleaned_data["party"], "key": form.cleaned_data.get("key", "")}
            for form in self.split.kept_forms()
            if form.cleaned_data.get("party")
        ]

    def clean(self):
        data = super().clean()
        rule, amount, percent = data.get("rule"), data.get("amount"), data.get("percent")
        by_year, by_rank = data.get("by_year"), data.get("by_rank")
        broken = "by_year" in self.errors or "by_rank" in self.errors
        if rule == engine.FIXED:
            if amount is None and not by_year and not broken:
                self.add_error("amount", "Indiquez le montant annuel de cette part.")
            if amount is not None and by_year:
                self.add_error(
                    "by_year", "Un montant pour toutes les années, ou par année : pas les deux."
                )
            if percent is not None:
                self.add_error("percent", "Un montant fixe n'a pas de pourcentage : videz-le.")
            if by_rank:
                self.add_error(
                    "by_rank", "Seul un pourcentage du coût change selon l'année de service."
                )
        elif rule in (engine.PERCENT_OF_COST, engine.PERCENT_OF_REMAINDER):
            of_cost = rule == engine.PERCENT_OF_COST
            given = [name for name, v in (("percent", percent), ("by_year", by_year)) if v]
            given += ["by_rank"] if by_rank else []
            if percent is not None and "percent" not in given:
                given.insert(0, "percent")
            if not given and not broken:
                self.add_error("percent", "Indiquez le pourcentage de cette part.")
            if len(given) > 1:
                self.add_error(
                    given[-1],
                    "Un pourcentage pour toutes les années, par année ou selon l'année de "
                    "service : un seul des trois.",
                )
            if (by_year or by_rank) and not of_cost:
                self.add_error(
                    "by_year" if by_year else "by_rank",
                    "Le pourcentage du reste ne change pas selon l'année.",
                )
            if amount is not None:
                self.add_error("amount", "Une part en pourcentage n'a pas de montant : videz-le.")
        elif rule == engine.REMAINDER and (
            amount is not None or percent is not None or by_year or by_rank
        ):
            self.add_error(
                None, "Le reste à charge se calcule : laissez montant et pourcentage vides."
            )
        if data.get("cap") is not None and rule != engine.PERCENT_OF_COST:
            self.add_error("cap", "Un plafond ne s'applique qu'à un pourcentage du coût.")
        if data.get("party") == SPLIT:
            self._clean_split(data.get("split_by") or SPLIT_EQUAL)
        return data

    def _clean_split(self, split_by: str) -> None:
        if not self.split.is_valid():
            self.add_error(None, "La répartition contient des erreurs, signalées ci-dessous.")
            return
        parts = self.split_parts()
        if len(parts) < 2:
            self.add_error(
                None,
                "Une part répartie a au moins deux parties : choisissez-les dans la "
                "répartition (ou choisissez une seule partie dans « Qui paie »).",
            )
        if split_by == SPLIT_EQUAL:
            return
        what = {
            engine.SPLIT_BY_POPULATION: "sa population (nombre d'habitants)",
            engine.SPLIT_BY_PERCENT: "son pourcentage",
        }.get(split_by, "sa clé")
        for form in self.split.kept_forms():
            if form.cleaned_data.get("party") and not form.cleaned_data.get("key"):
                form.add_error("key", f"Indiquez {what}.")
                self.add_error(None, "La répartition contient des erreurs, signalées ci-dessous.")


class _YearFormSet(_RowsFormSet):
    """Years; the whole plan's rules (at least one year, none twice) are the engine's."""


class _ShareFormSet(_RowsFormSet):
    """Shares; the whole plan's rules (exactly one remainder...) are the engine's."""


YearFormSet = forms.formset_factory(PlanYearForm, formset=_YearFormSet, extra=1, can_delete=True)
ShareFormSet = forms.formset_factory(PlanShareForm, formset=_ShareFormSet, extra=1, can_delete=True)


def _split_by_of(share: engine.ShareRule) -> str:
    if share.split_by == engine.SPLIT_BY_WEIGHT:
        keys = [part.key for part in share.split]
        return SPLIT_EQUAL if all(key == keys[0] for key in keys) else engine.SPLIT_BY_WEIGHT
    return share.split_by


def share_initial(share: engine.ShareRule) -> dict:
    """One share as the guided form shows it."""
    row: dict = {"party": SPLIT if share.split else share.party, "rule": share.rule}
    for key in ("amount", "percent", "cap"):
        value = getattr(share, key)
        row[key] = _plain(value) if value is not None else None
    by_year = share.amount_by_year or share.percent_by_year
    if by_year:
        row["by_year"] = format_by_year(by_year)
    if share.percent_by_rank:
        row["by_rank"] = " ; ".join(_plain(value) for value in share.percent_by_rank)
    if share.split:
        split_by = _split_by_of(share)
        row["split_by"] = split_by
        row["split"] = [
            {"party": part.party, "key": "" if split_by == SPLIT_EQUAL else _plain(part.key)}
            for part in share.split
        ]
    return row


class GuidedPlan:
    """The forms of the guided editor, built from an engine ``Plan`` and back."""

    def __init__(
        self,
        *,
        parties: list[tuple[str, str]],
        previous: engine.Plan | None,
        months_by_hand: bool = False,
        months: dict | None = None,
        data=None,
        fresh: bool = False,
    ):
        """``months``: the months the saved plan funds each year (from the post's dates unless
        typed by hand), shown where the plan states none. ``previous`` may be incomplete (the
        blank plan of a new convention, ``fresh``: rules without amounts, its cost of 0 shown
        blank)."""
        self.previous = previous
        self.parties = parties
        self._plan: engine.Plan | None = None
        months = months or {}
        years = []
        for y in previous.years if previous else ():
            shown = y.months if y.months is not None else months.get(y.year, 12)
            years.append(
                {
                    "year": y.year,
                    "annual_cost": None if fresh and not y.annual_cost else _plain(y.annual_cost),
                    "months": Decimal(_plain(Decimal(shown))) if shown is not None else None,
                }
            )
        shares = [share_initial(share) for share in (previous.shares if previous else ())]
        self.settings = PlanSettingsForm(
            data,
            prefix="plan",
            parties=parties,
            initial={
                "rounding": previous.rounding if previous else engine.ROUND_DOWN_TO_EURO,
                "months_by_hand": months_by_hand,
                "residue": (previous.residue or "") if previous else "",
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
        else above the shares (or the years, when none is left), in the editor's words."""
        message = plain_message(str(error), self.parties)
        shares = self.shares.kept_forms()
        if error.share is not None and error.share < len(shares):
            # On its row, the engine's « Part n° 2 (…) : » would say the row twice.
            message = re.sub(r"^Part n° \d+(?: \([^)]*\))? : ", "", message)
            shares[error.share].add_error(None, message[:1].upper() + message[1:])
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
        """Every message, for the live preview and a draft's « what is missing » (field errors
        name their row)."""
        messages = list(self.settings.non_field_errors())
        for field, errors in self.settings.errors.items():
            if field in self.settings.fields:
                label = self.settings.fields[field].label
                messages += [f"{label} : {error}" for error in errors]
        for title, formset in (("Année", self.years), ("Part", self.shares)):
            messages += formset.non_form_errors()
            for number, form in enumerate(formset.forms, start=1):
                if formset.can_delete and formset._should_delete_form(form):
                    continue
                messages += _form_messages(form, f"{title} n° {number}")
                split = getattr(form, "split", None)
                if split is not None and getattr(form, "is_split", False):
                    for index, part in enumerate(split.forms, start=1):
                        messages += _form_messages(
                            part, f"{title} n° {number}, répartition n° {index}"
                        )
        return messages

    def _plan_json(self) -> dict:
        """The plan's JSON form, for the engine to read; what a source wrote (``as_written``),
        the post's first year, the period and the first day of service are kept from the
        previous plan, for the years and parties still in it. Months are written only when
        typed by hand."""
        shares = []
        for form in self.shares.kept_forms():
            row = form.cleaned_data
            share: dict = {}
            if row["party"] == SPLIT:
                split_by = row.get("split_by") or SPLIT_EQUAL
                share["split"] = [
                    {"party": part["party"], "key": part["key"] if split_by != SPLIT_EQUAL else "1"}
                    for part in form.split_parts()
                ]
                if split_by in (engine.SPLIT_BY_PERCENT, engine.SPLIT_BY_POPULATION):
                    share["split_by"] = split_by
            else:
                share["party"] = row["party"]
            share["rule"] = row["rule"]
            for key in ("amount", "percent", "cap"):
                if row.get(key) is not None:
                    share[key] = _plain(row[key])
            if row.get("by_year"):
                key = "amount_by_year" if row["rule"] == engine.FIXED else "percent_by_year"
                share[key] = row["by_year"]
            if row.get("by_rank"):
                share["percent_by_rank"] = row["by_rank"]
            shares.append(share)
        parties = {
            party
            for share in shares
            for party in (
                [share["party"]] if "party" in share else [p["party"] for p in share["split"]]
            )
        }
        written = {y.year: y.as_written for y in self.previous.years} if self.previous else {}
        years = []
        for form in self.years.kept_forms():
            row = form.cleaned_data
            year = {"year": row["year"], "annual_cost": _plain(row["annual_cost"])}
            if self.months_by_hand:
                # Otherwise the post's dates and absences give the months, as when saving.
                year["months"] = _plain(row["months"] if row.get("months") else Decimal(12))
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
        residue = self.settings.cleaned_data.get("residue")
        if residue:
            data["residue"] = residue
        previous = self.previous
        if previous is not None:
            if previous.first_year is not None:
                data["first_year"] = previous.first_year
            for name in ("start", "end", "service_start"):
                value = getattr(previous, name)
                if value is not None:
                    data[name] = value.isoformat()
        return data


#: The engine's names for its rules, as the guided editor labels them.
_EDITOR_WORDS = {
    "« remainder »": "« Reste à charge »",
    "« residue »": "« Qui absorbe les arrondis »",
    "Les parts « percent_of_remainder »": "Les parts en pourcentage du reste",
}


def plain_message(message: str, parties: list[tuple[str, str]]) -> str:
    """An engine message in the editor's words: rules by their labels, parties by their names
    (« etat_62 » → « État »)."""
    for engine_words, words in _EDITOR_WORDS.items():
        message = message.replace(engine_words, words)
    names = sorted(((slug, name) for slug, name in parties if slug), key=lambda p: -len(p[0]))
    for slug, name in names:
        message = re.sub(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", lambda _m, n=name: n, message)
    return message


def _form_messages(form: forms.Form, where: str) -> list[str]:
    messages = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        place = where + (f", {label.lower()}" if label else "")
        messages += [f"{place} : {error}" for error in errors]
    return messages


class TitresIssueForm(forms.Form):
    """« Émettre les titres cochés »: the issue date (the ticked shares and their amounts are
    read by the view, one field per row)."""

    issued_on = forms.DateField(
        label="Date d'émission",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date d'émission des titres."},
    )


class TitreSettingsForm(forms.Form):
    imputation = forms.CharField(
        label="Imputation des titres",
        max_length=60,
        required=False,
        help_text="Ex. 7478//934213. Vide : 7478 et la fonction de votre ligne budgétaire.",
    )
    payment_days = forms.IntegerField(
        label="Délai de paiement (jours)",
        min_value=1,
        max_value=365,
        help_text="Un titre non soldé après ce délai est « en retard ».",
    )


class CollectionImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier d'encaissements (.csv, .xlsx ou PES_Retour .xml)",
        help_text="Colonnes numero_titre, date, montant ; 1 Mo et 5 000 lignes au plus.",
    )

    def clean_file(self):
        from financing.collection_returns import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"Fichier trop volumineux : {MAX_BYTES // 1024} Ko au plus."
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xml")):
            raise forms.ValidationError(
                "Format non reconnu : déposez un fichier .csv, .xlsx ou .xml (PES_Retour)."
            )
        return upload
