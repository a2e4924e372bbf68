"""Bilans d'activité: one per post and year, statistics only (never a person's identity).

The figures' rules live in ``reporting/rules.py`` (pure functions); the workflow (brouillon →
transmis → validé / renvoyé) in ``reporting/services.py``; reads for the pages in
``reporting/selectors.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from iscg.perms import organisation_scope
from reporting import rules

# The 0–100 range is checked by reporting.rules (one French message naming the figure, run by
# clean()) and by a database constraint; field validators would say it a second time.
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "null": True,
    "blank": True,
}
COMMENT_HELP = (
    "Constats qualitatifs de l'année. Aucune donnée nominative : ni nom, ni adresse, ni date de "
    "naissance, ni détail permettant de reconnaître une personne."
)


def count(label: str, help_text: str = "") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True, help_text=help_text)


class BilanStatus(models.TextChoices):
    DRAFT = "brouillon", "Brouillon"
    SUBMITTED = "transmis", "Transmis"
    VALIDATED = "valide", "Validé"
    RETURNED = "renvoye", "Renvoyé"


#: Statuses in which the intervenant or the gestionnaire may still change the figures.
EDITABLE_STATUSES = (BilanStatus.DRAFT, BilanStatus.RETURNED)
#: Statuses counted in the dashboards (the coordinators have the bilan in hand).
TRANSMITTED_STATUSES = (BilanStatus.SUBMITTED, BilanStatus.VALIDATED)


class BilanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one rule for every list, page and export of bilans.

        Gestionnaire/coordinateur: their organisation's posts (all for a national coordinator or
        an administrator); intervenant: its own post's; partenaire: none.
        """
        scope = organisation_scope(user)
        if scope.everything:
            return self.all()
        if scope.organisation_id:
            return self.filter(post__organisation_id=scope.organisation_id)
        if scope.post_id:
            return self.filter(post_id=scope.post_id)
        return self.none()

    def transmitted(self):
        return self.filter(status__in=TRANSMITTED_STATUSES)

    def with_activity(self):
        """Bilans with figures (a year without bilan only carries its reason)."""
        return self.filter(no_report_reason="")


class Bilan(models.Model):
    """The activity of one post for one year, entered by its intervenant or a gestionnaire."""

    post = models.ForeignKey(
        "conventions.Post", verbose_name="poste", on_delete=models.PROTECT, related_name="bilans"
    )
    year = models.PositiveIntegerField(
        "année", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        "état", max_length=12, choices=BilanStatus.choices, default=BilanStatus.DRAFT
    )
    no_report_reason = models.TextField(
        "motif de l'absence de bilan",
        blank=True,
        help_text="Si le poste ne peut pas produire de bilan pour l'année, "
        "ex. « absence de l'intervenante depuis juin 2022 ». Laisser vide sinon.",
    )

    # Saisines by sex and age.
    referrals_women = count("saisines : femmes")
    referrals_men = count("saisines : hommes")
    referrals_children = count("saisines : enfants")
    referrals_total = count("saisines : total")
    referrals_not_split = models.BooleanField(
        "saisines non ventilées",
        default=False,
        help_text="Cocher si la répartition femmes / hommes / enfants n'est pas connue en entier.",
    )
    # Saisines by public.
    public_victims = count("public : victimes")
    public_suspects = count("public : mis en cause")
    public_other = count("public : hors champ pénal")
    public_not_split = models.BooleanField("public non ventilé", default=False)
    # Saisines by origin.
    origin_services = count("origine : services de police ou de gendarmerie")
    origin_main_courante = count("origine : main courante (démarche spontanée)")
    origin_partners = count("origine : partenaires")
    origin_own_request = count("origine : demande de la personne")
    origin_not_split = models.BooleanField("origine non ventilée", default=False)
    # Entretiens.
    interviews_in_person = count("entretiens physiques")
    interviews_phone = count("entretiens téléphoniques")
    interviews_total = count("entretiens : total", "Physiques + téléphoniques.")
    interviews_with_partners = count(
        "dont entretiens avec des partenaires",
        "Partie des entretiens ci-dessus menée auprès des partenaires (non ajoutée au total).",
    )
    interviews_not_split = models.BooleanField("entretiens non ventilés", default=False)

    vif_pct = models.DecimalField(
        "part des violences intrafamiliales (%)",
        help_text="Entre 0 et 100.",
        **PERCENT,
    )
    known_to_social_services = count(
        "personnes déjà connues d'un service social", "Parmi les saisines."
    )
    problems = models.JSONField(
        "principales problématiques (nombre de saisines)", default=dict, blank=True
    )
    orientations = models.JSONField("orientations (nombre de saisines)", default=dict, blank=True)
    epci_count = count("nombre d'EPCI couverts")
    communes_count = count("nombre de communes couvertes")
    comment = models.TextField("commentaire qualitatif", blank=True, help_text=COMMENT_HELP)

    # Workflow.
    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="transmis par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("validé ou renvoyé le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="validé ou renvoyé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField("commentaire du coordinateur", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    history = HistoricalRecords()

    objects = BilanQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan d'activité"
        verbose_name_plural = "bilans d'activité"
        ordering = ["-year", "post__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "year"],
                name="bilan_unique_per_post_and_year",
                violation_error_message="Ce poste a déjà un bilan pour cette année.",
            ),
            models.CheckConstraint(
                condition=Q(vif_pct__isnull=True) | Q(vif_pct__gte=0, vif_pct__lte=100),
                name="bilan_vif_pct_range",
                violation_error_message="La part de VIF est comprise entre 0 et 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(no_report_reason="") | Q(referrals_total__isnull=True),
                name="bilan_no_figures_without_report",
                violation_error_message="Une année sans bilan ne porte aucun chiffre.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[BilanStatus.SUBMITTED, BilanStatus.VALIDATED])
                | Q(submitted_at__isnull=False),
                name="bilan_submitted_has_its_date",
                violation_error_message="Un bilan transmis ou validé a sa date de transmission.",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="bilan_year_status")]

    def __str__(self) -> str:
        return f"Bilan {self.year} — {self.post}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:bilan_detail", args=[self.pk])

    def figures(self) -> dict:
        """The values the rules read (reporting/rules.py)."""
        names = [*rules.COUNT_FIELDS, *(b.flag for b in rules.BREAKDOWNS)]
        names += ["problems", "orientations", "comment", "no_report_reason"]
        return {name: getattr(self, name) for name in names}

    def clean(self) -> None:
        """The rules on the figures. A draft (or a bilan sent back) is kept with its
        inconsistencies (``rules.Issue.inconsistency``: they only stop its sending); a bilan
        transmitted or validated has none."""
        super().clean()
        errors: dict[str, list[str]] = {}
        issues = rules.bilan_issues(self.figures())
        if self.is_editable:
            issues = rules.blocking(issues)
        for issue in issues:
            errors.setdefault(issue.field or "__all__", []).append(issue.message)
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_transmitted(self) -> bool:
        return self.status in TRANSMITTED_STATUSES

    @property
    def has_no_report(self) -> bool:
        return bool(self.no_report_reason.strip())

    def problem_rows(self) -> list[tuple[str, int]]:
        return [
            (label, self.problems[key])
            for key, label in rules.PROBLEMS.items()
            if self.problems.get(key) is not None
        ]

    def orientation_rows(self) -> list[tuple[str, int]]:
        return [
            (label, self.orientations[key])
            for key, label in rules.ORIENTATIONS.items()
            if self.orientations.get(key) is not None
        ]


class PartKind(models.TextChoices):
    MONTH = "mois", "Mois"
    QUARTER = "trimestre", "Trimestre"
    UNIT = "unite", "Unité d'accueil"


class BilanPart(models.Model):
    """A month, a quarter or a host unit of a bilan; together they add up to the year."""

    bilan = models.ForeignKey(
        Bilan, verbose_name="bilan", on_delete=models.CASCADE, related_name="parts"
    )
    kind = models.CharField("ventilation", max_length=10, choices=PartKind.choices)
    number = models.PositiveSmallIntegerField(
        "numéro", null=True, blank=True, help_text="Mois (1 à 12) ou trimestre (1 à 4)."
    )
    label = models.CharField(
        "unité", max_length=120, blank=True, help_text="Pour une ventilation par unité d'accueil."
    )
    referrals_women = count("saisines : femmes")
    referrals_men = count("saisines : hommes")
    referrals_children = count("saisines : enfants")
    referrals_total = count("saisines : total")
    referrals_not_split = models.BooleanField("saisines non ventilées", default=False)
    interviews_total = count("entretiens")
    vif_pct = models.DecimalField("part des VIF (%)", **PERCENT)
    epci_count = count("nombre d'EPCI couverts")
    communes_count = count("nombre de communes couvertes")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "part du bilan"
        verbose_name_plural = "parts du bilan (mois, trimestres ou unités)"
        ordering = ["bilan", "kind", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bilan", "kind", "number", "label"],
                name="bilanpart_unique",
                violation_error_message="Cette part figure déjà dans le bilan.",
            ),
            models.CheckConstraint(
                condition=Q(vif_pct__isnull=True) | Q(vif_pct__gte=0, vif_pct__lte=100),
                name="bilanpart_vif_pct_range",
                violation_error_message="La part de VIF est comprise entre 0 et 100 %.",
            ),
        ]

    def __str__(self) -> str:
        return rules.part_label(self.kind, self.number, self.label)

    def clean(self) -> None:
        """A unit's name is free text: never a person's (``rules.personal_data_issues``)."""
        super().clean()
        issues = rules.personal_data_issues(self.label, "label")
        if issues:
            raise ValidationError({"label": [issue.message for issue in issues]})

    def figures(self) -> dict:
        return {
            "kind": self.kind,
            "number": self.number,
            "label": self.label,
            "referrals_women": self.referrals_women,
            "referrals_men": self.referrals_men,
            "referrals_children": self.referrals_children,
            "referrals_total": self.referrals_total,
            "referrals_not_split": self.referrals_not_split,
            "interviews_total": self.interviews_total,
            "vif_pct": self.vif_pct,
        }


class ReportDeadline(models.Model):
    """When a convention wants the bilan of year N (default: 31 January N+1, without this row)."""

    convention = models.OneToOneField(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="report_deadline",
    )
    month = models.PositiveSmallIntegerField(
        "mois de l'année N+1", validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        "jour", validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    as_written = models.CharField(
        "clause de la convention",
        max_length=255,
        blank=True,
        help_text="Ex. « le bilan est transmis avant le 31 mars de l'année suivante ».",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "échéance du bilan"
        verbose_name_plural = "échéances des bilans"
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12) & Q(day__gte=1, day__lte=31),
                name="reportdeadline_valid_day",
                violation_error_message="Indiquez un jour (1 à 31) et un mois (1 à 12).",
            )
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference} : bilan dû le {self.day:02d}/{self.month:02d} de N+1"


class BilanReminder(models.Model):
    """A « bilan bientôt dû » or « bilan en retard » notice of a post's bilan, recorded on the
    day it was sent (``reporting.reminders``): the first goes once, the late ones a week apart
    (``rules.reminder_due``), whoever receives them."""

    class Kind(models.TextChoices):
        DUE_SOON = rules.DUE_SOON, "bientôt dû"
        LATE = rules.LATE, "en retard"

    post = models.ForeignKey(
        "conventions.Post", verbose_name="poste", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveIntegerField("année du bilan")
    kind = models.CharField("avis", max_length=8, choices=Kind.choices)
    day = models.DateField("envoyé le")

    class Meta:
        verbose_name = "rappel de bilan"
        verbose_name_plural = "rappels de bilans"
        constraints = [
            models.UniqueConstraint(
                fields=["post", "year", "kind", "day"], name="bilan_reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.year} {self.kind} ({self.day})"
