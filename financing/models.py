"""Financing plans, their computed yearly amounts, recoveries and payments, budget lines.

The plan itself is the engine's JSON document (financing/engine.py); its computed amounts are
stored one row per (year, party) so that lists and totals are queries, not recomputations.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from simple_history.models import HistoricalRecords

from conventions.models import FORECAST_STATUSES, Convention, ConventionStatus
from financing import engine
from financing.effective import effective_pairs, pairs_filter
from iscg.perms import organisation_scope

MONEY = {"max_digits": 12, "decimal_places": 2}


class FinancingPlan(models.Model):
    """The financing plan of one post of a convention, as the engine reads it: a convention
    covering several posts has one plan per post."""

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="financing_plans",
    )
    post = models.ForeignKey(
        "conventions.Post",
        verbose_name="poste",
        on_delete=models.PROTECT,
        related_name="financing_plans",
    )
    data = models.JSONField("plan (JSON)", default=dict)
    months_by_hand = models.BooleanField(
        "mois saisis à la main",
        default=False,
        help_text="Sinon, les mois financés viennent des dates du poste et de ses absences.",
    )
    notes = models.TextField("remarques", blank=True)
    computed_at = models.DateTimeField("calculé le", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "plan de financement"
        verbose_name_plural = "plans de financement"
        ordering = ["convention", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "post"],
                name="financingplan_one_per_post",
                violation_error_message="Ce poste a déjà un plan de financement dans la convention.",
            )
        ]

    def __str__(self) -> str:
        return f"Plan de financement — {self.convention.reference} — {self.post.name}"

    def get_plan(self) -> engine.Plan:
        """The plan as the engine reads it: the only place its JSON is read (PlanError when the
        stored JSON is invalid; ``services`` validated it when saving)."""
        return engine.read_plan(self.data)

    def set_plan(self, plan: engine.Plan) -> None:
        """Store ``plan`` in its JSON form: the only place that JSON is written."""
        self.data = engine.plan_to_dict(plan)

    @property
    def is_locked(self) -> bool:
        """Frozen with the text when the convention is sent to signature: from "À signer" on,
        the plan changes only by withdrawing the signature request, and once signed, through an
        avenant (what is owed is always the plan whose text was signed)."""
        return self.convention.status != ConventionStatus.DRAFT


class PlanDraft(models.Model):
    """A plan being written in the guided editor, saved as typed even when incomplete (the
    forms' values); the plan itself (``FinancingPlan``) changes only when the draft is complete
    and saved as the plan. One draft per convention and post."""

    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="plan_drafts",
    )
    post = models.ForeignKey(
        "conventions.Post",
        verbose_name="poste",
        on_delete=models.CASCADE,
        related_name="plan_drafts",
    )
    data = models.JSONField("saisie en cours", default=dict)
    saved_at = models.DateTimeField("enregistré le", auto_now=True)
    saved_by = models.ForeignKey(
        "iscg.User",
        verbose_name="enregistré par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "brouillon de plan"
        verbose_name_plural = "brouillons de plan"
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "post"],
                name="plandraft_one_per_post",
                violation_error_message="Ce poste a déjà un brouillon de plan dans la convention.",
            )
        ]

    def __str__(self) -> str:
        return f"Brouillon du plan — {self.convention.reference} — {self.post.name}"


class PlanYear(models.Model):
    """One year of a plan as computed: months funded, cost, and the actual cost once closed."""

    plan = models.ForeignKey(
        FinancingPlan, verbose_name="plan", on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveIntegerField("exercice")
    months = models.DecimalField(
        "mois financés",
        max_digits=4,
        decimal_places=2,
        help_text="Un mois entamé compte pour ses jours financés (9,55 mois : du 15 mars).",
    )
    cost = models.DecimalField("coût de l'année", **MONEY)
    actual_cost = models.DecimalField(
        "coût réel constaté", null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "année du plan"
        verbose_name_plural = "années du plan"
        ordering = ["plan", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"],
                name="planyear_unique",
                violation_error_message="Cette année figure déjà dans le plan.",
            ),
            models.CheckConstraint(
                condition=Q(months__gt=0, months__lte=12),
                name="planyear_months_range",
                violation_error_message="Le nombre de mois financés est compris entre 0 et 12.",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0),
                name="planyear_cost_positive",
                violation_error_message="Le coût ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.convention.reference} — {self.year}"


class ShareLineQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(year=year)

    def visible_to(self, user):
        """Staff see their organisation's lines; a partner sees its own party's lines of
        non-draft conventions; an intervenant sees none (financing is not theirs)."""
        scope = organisation_scope(user)
        if scope.party_id:
            return self.filter(
                party_id=scope.party_id, convention__in=Convention.objects.visible_to(user)
            )
        if scope.post_id:
            return self.none()
        return self.filter(convention__in=Convention.objects.visible_to(user))

    def total(self):
        return self.aggregate(total=Sum("amount"))["total"] or 0

    def effective(self, *, years=None):
        """Only the lines that count in what is due: for each post and year, those of the latest
        signed act (financing/effective.py states the rule). ``years`` narrows the lookup."""
        post_ids = self.order_by().values("post_id")
        return self.filter(pairs_filter(effective_pairs(post_ids=post_ids, years=years)))

    def forecast(self):
        """The lines of drafts and acts awaiting signature: "prévisionnel", never due."""
        return self.filter(convention__status__in=FORECAST_STATUSES)


class ShareLine(models.Model):
    """What one party pays for one post in one year, as computed by the engine (stored)."""

    plan = models.ForeignKey(
        FinancingPlan, verbose_name="plan", on_delete=models.CASCADE, related_name="lines"
    )
    convention = models.ForeignKey(
        "conventions.Convention",
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="share_lines",
    )
    post = models.ForeignKey(
        "conventions.Post",
        verbose_name="poste",
        on_delete=models.CASCADE,
        related_name="share_lines",
    )
    organisation = models.ForeignKey(
        "iscg.Organisation", verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveIntegerField("exercice")
    party = models.ForeignKey(
        "conventions.Party",
        verbose_name="partie",
        on_delete=models.PROTECT,
        related_name="share_lines",
    )
    amount = models.DecimalField("montant", validators=[MinValueValidator(0)], **MONEY)
    is_remainder = models.BooleanField("reste à charge", default=False)
    is_employer = models.BooleanField("employeur", default=False)
    as_written = models.DecimalField("montant écrit dans l'acte", null=True, blank=True, **MONEY)
    actual_amount = models.DecimalField(
        "montant sur coût réel",
        null=True,
        blank=True,
        help_text="Recalculé sur le coût réel.",
        **MONEY,
    )
    history = HistoricalRecords()

    objects = ShareLineQuerySet.as_manager()

    class Meta:
        verbose_name = "part de financement"
        verbose_name_plural = "parts de financement"
        ordering = ["year", "post", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "party"],
                name="shareline_unique",
                violation_error_message="Une seule part par partie et par année.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="shareline_amount_positive",
                violation_error_message="Un montant de financement ne peut pas être négatif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} — {self.year} — {self.amount} €"

    @property
    def gap(self):
        """Amount written in the act minus the computed amount (None when nothing was written)."""
        if self.as_written is None:
            return None
        return self.as_written - self.amount


class PaymentKind(models.TextChoices):
    TITRE = "titre_de_recettes", "Titre de recettes"
    SUBVENTION = "subvention", "Versement de subvention"


class PaymentQuerySet(models.QuerySet):
    def active(self):
        """Titres and payments that count: not cancelled."""
        return self.filter(cancelled_at__isnull=True)


class Payment(models.Model):
    """A titre de recettes issued to a co-funder, or a subsidy paid; and what was received."""

    share_line = models.ForeignKey(
        ShareLine, verbose_name="part", on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(
        "nature", max_length=20, choices=PaymentKind.choices, default=PaymentKind.TITRE
    )
    number = models.CharField("numéro", max_length=60, blank=True)
    issued_on = models.DateField("émis le", null=True, blank=True)
    due_on = models.DateField(
        "à payer avant le",
        null=True,
        blank=True,
        help_text="Sans date, l'émission plus le délai de paiement de l'organisation.",
    )
    amount_issued = models.DecimalField("montant émis", validators=[MinValueValidator(0)], **MONEY)
    received_on = models.DateField("encaissé le", null=True, blank=True)
    amount_received = models.DecimalField(
        "montant encaissé", default=0, validators=[MinValueValidator(0)], **MONEY
    )
    notes = models.CharField("remarques", max_length=255, blank=True)
    # A titre is never edited once issued: it is cancelled (reason, who, when), and a correction
    # is a cancellation and a new titre that says which one it corrects.
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="annulé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancellation_reason = models.TextField("motif de l'annulation", blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name="corrige le titre",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    history = HistoricalRecords()

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "titre ou versement"
        verbose_name_plural = "titres et versements"
        ordering = ["share_line", "issued_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_issued__gte=0) & Q(amount_received__gte=0),
                name="payment_amounts_positive",
                violation_error_message="Les montants ne peuvent pas être négatifs.",
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(received_on__gte=models.F("issued_on")),
                name="payment_received_after_issued",
                violation_error_message="L'encaissement précède l'émission.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class BudgetLine(models.Model):
    """The managing organisation's budget line for a year (the deliberation's check)."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    year = models.PositiveIntegerField("exercice")
    operation_code = models.CharField("code opération", max_length=60, blank=True)
    imputation = models.CharField("imputation", max_length=60)
    label = models.CharField("libellé", max_length=200, blank=True)
    credits = models.DecimalField(
        "crédits de paiement (CP)", validators=[MinValueValidator(0)], **MONEY
    )
    available = models.DecimalField("disponible", validators=[MinValueValidator(0)], **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "imputation"],
                name="budgetline_unique",
                violation_error_message="Cette ligne budgétaire existe déjà pour cet exercice.",
            ),
            models.CheckConstraint(
                condition=Q(available__lte=models.F("credits")),
                name="budgetline_available_within_credits",
                violation_error_message="Le disponible ne peut dépasser les crédits de paiement.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.imputation} — {self.year}"


#: A titre's default imputation (recettes): chapter 74, "participations" of other bodies; the
#: function is taken from the organisation's budget line when it has one (6568//934213 →
#: 7478//934213). Configurable per organisation (``TitreSettings``).
DEFAULT_TITRE_NATURE = "7478"
DEFAULT_PAYMENT_DAYS = 30


class TitreSettings(models.Model):
    """How an organisation's titres de recettes are issued: the imputation the finance software
    expects in the export and the delay of payment (their due date)."""

    organisation = models.OneToOneField(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="titre_settings",
    )
    imputation = models.CharField(
        "imputation des titres",
        max_length=60,
        blank=True,
        help_text="Ex. 7478//934213 ; vide : 7478 et la fonction de la ligne budgétaire.",
    )
    payment_days = models.PositiveSmallIntegerField(
        "délai de paiement (jours)",
        default=DEFAULT_PAYMENT_DAYS,
        validators=[MinValueValidator(1)],
        help_text="Un titre non soldé après ce délai est « en retard ».",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réglage des titres de recettes"
        verbose_name_plural = "réglages des titres de recettes"

    def __str__(self) -> str:
        return f"Titres de recettes — {self.organisation}"


class CollectionImportStatus(models.TextChoices):
    PENDING = "en_attente", "En attente"
    DONE = "termine", "Terminé"
    REFUSED = "refuse", "Refusé"


class CollectionImport(models.Model):
    """A file of collection returns (CSV, or PES_Retour XML) deposited by a gestionnaire and
    read by the worker (``financing.collections``): what it marked received and what did not
    match are kept in ``report``."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="collection_imports",
    )
    filename = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    status = models.CharField(
        "état",
        max_length=20,
        choices=CollectionImportStatus.choices,
        default=CollectionImportStatus.PENDING,
    )
    finished_at = models.DateTimeField("traité le", null=True, blank=True)
    report = models.JSONField("compte rendu", default=dict, blank=True)

    class Meta:
        verbose_name = "import d'encaissements"
        verbose_name_plural = "imports d'encaissements"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Encaissements — {self.filename}"


class Collection(models.Model):
    """One collection of a titre (all or part of it), as a return file stated it: kept so
    that the same return imported twice is recognised, never counted twice."""

    payment = models.ForeignKey(
        Payment, verbose_name="titre", on_delete=models.PROTECT, related_name="collections"
    )
    received_on = models.DateField("encaissé le")
    amount = models.DecimalField("montant encaissé", validators=[MinValueValidator(0)], **MONEY)
    source = models.ForeignKey(
        CollectionImport,
        verbose_name="import",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="collections",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "encaissement"
        verbose_name_plural = "encaissements"
        ordering = ["payment", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "received_on", "amount"],
                name="collection_once",
                violation_error_message="Cet encaissement est déjà enregistré.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="collection_amount_positive",
                violation_error_message="Un encaissement est un montant positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment} — {self.received_on} — {self.amount} €"
