"""Parties, posts and conventions: who signs, what is funded, for how long."""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conventions import rules
from conventions.validators import (
    REFERENCE_MAX_LENGTH,
    REFERENCE_TAKEN,
    normalize_reference,
    validate_convention_reference,
    validate_rna,
    validate_siret,
)
from iscg.formatting import format_date_long, format_datetime_long
from iscg.perms import organisation_scope


class OrganisationQuerySet(models.QuerySet):
    def for_organisation(self, organisation):
        return self.filter(organisation=organisation)

    def _visible(self, user, *, own: str):
        """The user's scope (``iscg.perms.organisation_scope``) as a filter: every row, the
        organisation's rows, or the one row ``own`` names (``party_id`` or ``post_id``)."""
        scope = organisation_scope(user)
        if scope.everything:
            return self.all()
        if scope.organisation_id:
            return self.filter(organisation_id=scope.organisation_id)
        own_id = getattr(scope, own)
        if own_id:
            return self.filter(pk=own_id)
        return self.none()


# --------------------------------------------------------------------------- parties


class PartyKind(models.TextChoices):
    ETAT = "etat", "État"
    POLICE = "police", "Police nationale"
    GENDARMERIE = "gendarmerie", "Gendarmerie nationale"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    CCAS_CIAS = "ccas_cias", "CCAS / CIAS"
    ASSOCIATION = "association", "Association"
    CAF = "caf", "Caisse d'allocations familiales (CAF)"
    ARS = "ars", "Agence régionale de santé (ARS)"
    MSA = "msa", "Mutualité sociale agricole (MSA)"
    REGION = "region", "Région"
    BAILLEUR = "bailleur", "Bailleur social"
    PARQUET = "parquet", "Parquet"
    OTHER = "autre", "Autre"


class PartyQuerySet(OrganisationQuerySet):
    def visible_to(self, user):
        """Staff see their organisation's parties; a partner sees its own party only."""
        return self._visible(user, own="party_id")


class Party(models.Model):
    """A body that signs, funds, employs or directs an ISCG post."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="parties",
    )
    slug = models.SlugField(
        "identifiant",
        max_length=80,
        help_text="Identifiant court utilisé dans les plans de financement (ex. etat_62).",
    )
    kind = models.CharField("nature", max_length=20, choices=PartyKind.choices)
    name = models.CharField("dénomination officielle", max_length=255)
    short_name = models.CharField("nom court", max_length=120, blank=True)
    siret = models.CharField(
        "SIRET", max_length=14, blank=True, validators=[validate_siret], help_text="14 chiffres."
    )
    rna = models.CharField(
        "numéro RNA",
        max_length=10,
        blank=True,
        validators=[validate_rna],
        help_text="Associations : W suivi de 9 chiffres (répertoire national des associations).",
    )
    address = models.TextField("adresse", blank=True)
    notes = models.TextField("remarques", blank=True)
    history = HistoricalRecords()

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = "partie"
        verbose_name_plural = "parties"
        ordering = ["organisation", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"],
                name="party_unique_slug_per_organisation",
                violation_error_message="Cet identifiant de partie existe déjà dans l'organisation.",
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("conventions:party_detail", args=[self.pk])

    def current_representative(self, on: date | None = None):
        on = on or date.today()
        return (
            self.representatives.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("-valid_from")
            .first()
        )


class Representative(models.Model):
    """The person through whom a party acts, for a period ("par délégation, le Vice-Président")."""

    party = models.ForeignKey(
        Party, verbose_name="partie", on_delete=models.CASCADE, related_name="representatives"
    )
    name = models.CharField("nom", max_length=160, blank=True)
    title = models.CharField("qualité", max_length=255)
    delegation = models.CharField(
        "délégation",
        max_length=255,
        blank=True,
        help_text="Ex. « par délégation, le Vice-Président »",
    )
    valid_from = models.DateField("en fonction du", null=True, blank=True)
    valid_to = models.DateField("jusqu'au", null=True, blank=True)
    email = models.EmailField(
        "adresse e-mail",
        blank=True,
        help_text="Sans compte partenaire pour sa partie, la demande de signature électronique "
        "lui est envoyée avec une invitation à créer son compte.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "représentant"
        verbose_name_plural = "représentants"
        ordering = ["party", "-valid_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="representative_dates_in_order",
                violation_error_message="La fin de fonction précède son début.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}" if self.name else self.title

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "La fin de fonction précède son début."})

    @property
    def signature_line(self) -> str:
        """ "Le Préfet du Pas-de-Calais, Jacques BILLANT" with the delegation when there is one."""
        parts = [self.delegation, self.title, self.name]
        return ", ".join(p for p in parts if p)


class Deliberation(models.Model):
    """The act of a party's body that authorises it to sign (body, date, number, subject)."""

    party = models.ForeignKey(
        Party, verbose_name="partie", on_delete=models.CASCADE, related_name="deliberations"
    )
    body = models.CharField("instance", max_length=200)
    date = models.DateField("date")
    number = models.CharField("numéro", max_length=60, blank=True)
    subject = models.TextField("objet", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "délibération"
        verbose_name_plural = "délibérations"
        ordering = ["-date"]

    def __str__(self) -> str:
        number = f" n° {self.number}" if self.number else ""
        return f"{self.body}{number} du {format_date_long(self.date)}"


# --------------------------------------------------------------------------- posts


class PostKind(models.TextChoices):
    ISC = "ISC", "ISC — commissariat"
    ISG = "ISG", "ISG — gendarmerie"
    ISCG = "ISCG", "ISCG — commissariat et gendarmerie"


class PostQuerySet(OrganisationQuerySet):
    def visible_to(self, user):
        """Staff see their organisation's posts; an intervenant sees its own post only."""
        return self._visible(user, own="post_id")


class Post(models.Model):
    """One ISCG position: where it is based, who employs it, what territory it covers."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="posts",
    )
    slug = models.SlugField("identifiant", max_length=80)
    name = models.CharField("intitulé", max_length=200)
    kind = models.CharField("type", max_length=4, choices=PostKind.choices)
    employer = models.ForeignKey(
        Party,
        verbose_name="employeur",
        on_delete=models.PROTECT,
        related_name="employed_posts",
        help_text="Paie le salaire ; exerce l'autorité hiérarchique.",
    )
    hierarchical_authority = models.CharField("autorité hiérarchique", max_length=255, blank=True)
    functional_authority = models.CharField("autorité fonctionnelle", max_length=255, blank=True)
    working_time_pct = models.DecimalField(
        "temps de travail (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    weekly_hours = models.DecimalField(
        "heures hebdomadaires", max_digits=4, decimal_places=1, null=True, blank=True
    )
    working_time_text = models.CharField("temps de travail (texte)", max_length=255, blank=True)
    territory_text = models.TextField("territoire couvert", blank=True)
    epcis = models.ManyToManyField(
        Party,
        verbose_name="EPCI couverts",
        blank=True,
        related_name="covered_by_posts",
        limit_choices_to={"kind": PartyKind.EPCI},
    )
    communes_count = models.PositiveIntegerField("nombre de communes", null=True, blank=True)
    communes = models.TextField("communes couvertes", blank=True, help_text="Une par ligne.")
    first_year = models.PositiveIntegerField(
        "première année de service",
        null=True,
        blank=True,
        help_text="Sert aux barèmes dégressifs (rang 1 = première année).",
    )
    start_date = models.DateField(
        "premier jour de service",
        null=True,
        blank=True,
        help_text=(
            "Date de création du poste : compte les mois financés, et les années de service "
            "des barèmes dégressifs (« 80 % la première année »)."
        ),
    )
    end_date = models.DateField(
        "dernier jour de service",
        null=True,
        blank=True,
        help_text="Fin du poste (suppression) : les mois qui suivent ne sont plus financés.",
    )
    notes = models.TextField("remarques", blank=True)
    history = HistoricalRecords()

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "poste"
        verbose_name_plural = "postes"
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"],
                name="post_unique_slug_per_organisation",
                violation_error_message="Cet identifiant de poste existe déjà dans l'organisation.",
            ),
            models.CheckConstraint(
                condition=Q(working_time_pct__isnull=True)
                | Q(working_time_pct__gte=0, working_time_pct__lte=100),
                name="post_working_time_pct_range",
                violation_error_message="Le temps de travail est compris entre 0 et 100 %.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("conventions:post_detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.employer_id
            and self.organisation_id
            and self.employer.organisation_id != self.organisation_id
        ):
            raise ValidationError(
                {"employer": "L'employeur doit appartenir à la même organisation."}
            )
        # The post's page checks the units it sends instead of those saved (it may fix them).
        if self.pk and not getattr(self, "units_checked_elsewhere", False):
            error = rules.time_shares_error(self.units.values_list("time_share", flat=True))
            if error:
                raise ValidationError(error)


class UnitKind(models.TextChoices):
    COMMISSARIAT = "commissariat", "Commissariat"
    COMPAGNIE = "compagnie_gendarmerie", "Compagnie de gendarmerie"
    COB = "communaute_de_brigades", "Communauté de brigades"
    BRIGADE = "brigade_gendarmerie", "Brigade de gendarmerie"
    OTHER = "autre", "Autre"


class HostUnit(models.Model):
    """A police or gendarmerie unit where the post works, with its share of the post's time."""

    post = models.ForeignKey(
        Post, verbose_name="poste", on_delete=models.CASCADE, related_name="units"
    )
    name = models.CharField("unité", max_length=200)
    kind = models.CharField("type d'unité", max_length=30, choices=UnitKind.choices)
    parent_party = models.ForeignKey(
        Party,
        verbose_name="rattachée à",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    time_share = models.DecimalField(
        "part du temps (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "unité d'accueil"
        verbose_name_plural = "unités d'accueil"
        ordering = ["post", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_share__isnull=True) | Q(time_share__gte=0, time_share__lte=100),
                name="hostunit_time_share_range",
                violation_error_message="La part de temps est comprise entre 0 et 100 %.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostHolder(models.Model):
    """Who held the post, and when (a staff member, not a person served: no data of the public)."""

    post = models.ForeignKey(
        Post, verbose_name="poste", on_delete=models.CASCADE, related_name="holders"
    )
    name = models.CharField("titulaire", max_length=160)
    start = models.DateField("prise de poste")
    end = models.DateField("fin", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "titulaire"
        verbose_name_plural = "titulaires"
        ordering = ["post", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="postholder_dates_in_order",
                violation_error_message="La fin précède la prise de poste.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostAbsence(models.Model):
    """An absence or vacancy of the post; it reduces the months funded (DOMAIN §8)."""

    post = models.ForeignKey(
        Post, verbose_name="poste", on_delete=models.CASCADE, related_name="absences"
    )
    start = models.DateField("début")
    end = models.DateField("fin", null=True, blank=True)
    reason = models.CharField("motif", max_length=255)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "absence ou vacance"
        verbose_name_plural = "absences et vacances"
        ordering = ["post", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="postabsence_dates_in_order",
                violation_error_message="La fin de l'absence précède son début.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} (depuis le {format_date_long(self.start)})"

    def clean(self) -> None:
        if self.end and self.end < self.start:
            raise ValidationError({"end": "La fin de l'absence précède son début."})


# --------------------------------------------------------------------------- conventions


class ConventionKind(models.TextChoices):
    PARTENARIAT = "partenariat", "Convention de partenariat"
    PARTENARIAT_TRIENNAL = "partenariat_triennal", "Convention triennale de partenariat"
    FINANCEMENT = "financement", "Convention de financement"
    MISE_A_DISPOSITION = "mise_a_disposition", "Convention de mise à disposition"
    OBJECTIFS = "objectifs", "Convention d'objectifs"
    AVENANT = "avenant", "Avenant"


class ConventionStatus(models.TextChoices):
    DRAFT = "brouillon", "Brouillon"
    TO_SIGN = "a_signer", "À signer"
    SIGNED = "signee", "Signée"
    IN_FORCE = "en_vigueur", "En vigueur"
    EXPIRED = "expiree", "Expirée"
    TERMINATED = "resiliee", "Résiliée"
    RENEWED = "renouvelee", "Renouvelée"
    ABANDONED = "abandonnee", "Abandonnée"


DRAFT_STATUSES = (ConventionStatus.DRAFT, ConventionStatus.TO_SIGN)
#: Acts whose plan counts in what is due (financing/effective.py): signed, whatever came after.
SIGNED_STATUSES = (
    ConventionStatus.SIGNED,
    ConventionStatus.IN_FORCE,
    ConventionStatus.EXPIRED,
    ConventionStatus.TERMINATED,
    ConventionStatus.RENEWED,
)
#: Acts whose text no longer changes (sent to signature, or signed): each has ``text_frozen_at``.
FROZEN_TEXT_STATUSES = (ConventionStatus.TO_SIGN, *SIGNED_STATUSES)
#: Acts still being drafted or signed: shown as "prévisionnel", never in the totals due.
FORECAST_STATUSES = DRAFT_STATUSES


class TerminationKind(models.TextChoices):
    DENONCIATION = "denonciation", "Dénonciation"
    RESILIATION = "resiliation", "Résiliation"


#: What the list filter "statut" offers: every status a convention can read (rules.status_on).
STATUS_FILTER_CHOICES = list(rules.STATUS_LABELS.items())
#: A filter on "en vigueur" also returns those in force that are due for renewal.
STATUS_FILTER_INCLUDES = {rules.IN_FORCE: {rules.IN_FORCE, rules.TO_RENEW}}


class ConventionQuerySet(OrganisationQuerySet):
    def not_drafts(self):
        """Signed acts (whatever came after): never a draft, an act awaiting signature or an
        abandoned draft."""
        return self.filter(status__in=SIGNED_STATUSES)

    def with_signed_renewal(self):
        """Annotate ``has_signed_renewal``, which ``Convention.current_status`` reads (no query
        per row in lists)."""
        signed_renewals = Convention.objects.filter(
            renews=OuterRef("pk"), status__in=SIGNED_STATUSES
        )
        return self.annotate(has_signed_renewal=Exists(signed_renewals))

    def _status_rows(self):
        """One query: what ``rules.status_on`` and ``rules.in_force_during`` need, per row."""
        return self.with_signed_renewal().values_list(
            "pk",
            "status",
            "start_date",
            "notification_date",
            "end_date",
            "duration_months",
            "termination_effective_date",
            "has_signed_renewal",
        )

    def having_status(self, statuses, *, today: date | None = None):
        """The conventions that read one of ``statuses`` on ``today`` (default: today), as
        ``current_status`` computes it — without the daily command having run.

        The computed end (written, or start/notification plus a duration) is not expressible
        in portable SQL, so the rows' dates are read in one query and filtered in Python; the
        result is a queryset (``pk__in``), at a fixed number of queries."""
        today = today or timezone.localdate()
        wanted = set(statuses)
        keep = []
        for pk, stored, start, notified, end, months, effect, renewed in self._status_rows():
            status = rules.status_on(
                stored=stored,
                today=today,
                start=start or notified,
                end=_computed_end(start or notified, end, months),
                termination_effective=effect,
                renewed=renewed,
            )
            if status in wanted:
                keep.append(pk)
        return self.filter(pk__in=keep)

    def in_force_during(self, year: int):
        """The conventions that apply on some day of ``year``, by the same computed end as the
        convention's page (durations and notification dates included, a résiliation's date of
        effect too); conventions without dates are kept. Fixed query count (see
        ``having_status``)."""
        keep = [
            pk
            for pk, _stored, start, notified, end, months, effect, _renewed in self._status_rows()
            if rules.in_force_during(
                year,
                start=start or notified,
                end=_computed_end(start or notified, end, months),
                termination_effective=effect,
            )
        ]
        return self.filter(pk__in=keep)

    def visible_to(self, user):
        """The one place that says which conventions a user may see (lists, pages, downloads).

        Gestionnaire/coordinateur: their organisation's (all for a national coordinator);
        partenaire: the signed ones its party is a party to, and those awaiting its party's
        signature (to read and sign them), never drafts; intervenant: its post's.
        """
        scope = organisation_scope(user)
        if scope.everything:
            return self.all()
        if scope.organisation_id:
            return self.filter(organisation_id=scope.organisation_id)
        if scope.party_id:
            # One filter(): the party and its signatory flag are read on the same membership.
            return self.filter(
                Q(memberships__party_id=scope.party_id)
                & (
                    Q(status__in=SIGNED_STATUSES)
                    | Q(status=ConventionStatus.TO_SIGN, memberships__is_signatory=True)
                )
            ).distinct()
        if scope.post_id:
            return self.filter(posts=scope.post_id).distinct()
        return self.none()


def _computed_end(start: date | None, end: date | None, months: int | None) -> date | None:
    if end:
        return end
    if start and months:
        return rules.end_from_duration(start, months)
    return None


class Convention(models.Model):
    """The signed multi-party agreement that sets up or funds one or more posts."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="conventions",
    )
    reference = models.CharField(
        "référence",
        max_length=REFERENCE_MAX_LENGTH,
        db_index=True,
        validators=[validate_convention_reference],
        help_text="Unique dans l'organisation, ex. PDC2023-A08 : lettres, chiffres, tiret, "
        "tiret bas et point.",
    )
    title = models.CharField("intitulé", max_length=500)
    kind = models.CharField("nature", max_length=30, choices=ConventionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="convention modifiée (avenant)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    renews = models.ForeignKey(
        "self",
        verbose_name="renouvelle la convention",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewals",
    )
    posts = models.ManyToManyField(
        Post, verbose_name="postes", related_name="conventions", blank=True
    )
    parties = models.ManyToManyField(
        Party, through="ConventionParty", related_name="conventions", verbose_name="parties"
    )
    deliberations = models.ManyToManyField(
        Deliberation, verbose_name="délibérations autorisant la signature", blank=True
    )
    start_date = models.DateField("date de début", null=True, blank=True)
    end_date = models.DateField("date de fin", null=True, blank=True)
    duration_months = models.PositiveIntegerField(
        "durée (mois)",
        null=True,
        blank=True,
        help_text="Quand la fin n'est pas datée : durée comptée du début ou de la notification.",
    )
    notification_date = models.DateField("date de notification", null=True, blank=True)
    duration_text = models.CharField("durée (texte)", max_length=255, blank=True)
    renewal_rule = models.TextField("renouvellement", blank=True)
    notice_months = models.PositiveSmallIntegerField("préavis (mois)", default=3)
    notice_text = models.TextField("dénonciation / résiliation", blank=True)
    signature_place = models.CharField("lieu de signature", max_length=120, blank=True)
    signature_date = models.DateField("date de signature", null=True, blank=True)
    original_copies = models.PositiveSmallIntegerField(
        "exemplaires originaux", null=True, blank=True
    )
    competent_court = models.CharField("juridiction compétente", max_length=255, blank=True)
    legal_basis = models.TextField("visas", blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    notes = models.TextField("remarques", blank=True)
    amendment_number = models.PositiveSmallIntegerField(
        "avenant n°", null=True, blank=True, help_text="Numéro de l'avenant pour sa convention."
    )
    abandoned_at = models.DateTimeField("abandonnée le", null=True, blank=True)
    abandon_reason = models.TextField("motif de l'abandon", blank=True)
    termination_kind = models.CharField(
        "fin anticipée", max_length=20, choices=TerminationKind.choices, blank=True
    )
    termination_notice_date = models.DateField("notifiée le", null=True, blank=True)
    termination_effective_date = models.DateField("date d'effet de la fin", null=True, blank=True)
    termination_reason = models.TextField("motif de la fin", blank=True)
    template_version = models.ForeignKey(
        "TemplateVersion",
        verbose_name="rédigée d'après le modèle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conventions",
    )
    text = models.JSONField(
        "texte",
        default=dict,
        blank=True,
        help_text="Intitulé, parties, préambule, articles et formule finale, copiés du modèle.",
    )
    text_frozen_at = models.DateTimeField("texte figé le", null=True, blank=True)
    unknown_values = models.JSONField(
        "valeurs que l'acte ne précise pas",
        default=list,
        blank=True,
        help_text=(
            "Noms de variables (« convention.date_signature ») ou « representant:<partie> » "
            "dont l'acte source ne donne pas la valeur : le document écrit « (non précisé "
            "dans l'acte) » au lieu d'un blanc."
        ),
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    history = HistoricalRecords()

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["reference"]
        constraints = [
            # Per organisation (another organisation's references are never revealed), without
            # case: « pdc2023-a08 » is « PDC2023-A08 ».
            models.UniqueConstraint(
                models.F("organisation"),
                Lower("reference"),
                name="convention_unique_reference_per_organisation",
                violation_error_message=REFERENCE_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="convention_end_after_start",
                violation_error_message="La date de fin précède la date de début.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="avenant") | Q(parent__isnull=False),
                name="convention_avenant_has_parent",
                violation_error_message="Un avenant doit désigner la convention qu'il modifie.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FROZEN_TEXT_STATUSES) | Q(text_frozen_at__isnull=False),
                name="convention_frozen_text_when_sent",
                violation_error_message="Une convention à signer ou signée a un texte figé : "
                "indiquez quand il l'a été (envoi à la signature).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("conventions:detail", args=[self.reference])

    def clean(self) -> None:
        # Stored as compared: NFC (the validator checked the same form).
        self.reference = normalize_reference(self.reference or "")
        errors: dict[str, str] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "La date de fin précède la date de début."
        if self.kind == ConventionKind.AVENANT and not self.parent_id:
            errors["parent"] = "Un avenant doit désigner la convention qu'il modifie."
        if self.kind != ConventionKind.AVENANT and self.parent_id:
            errors["parent"] = "Seul un avenant modifie une autre convention."
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "Une convention ne peut pas être son propre avenant."
        if self.end_date and self.duration_months:
            expected = rules.end_from_duration(
                self.effective_start_date or self.end_date, self.duration_months
            )
            if self.effective_start_date and expected != self.end_date:
                errors["duration_months"] = (
                    f"La durée de {self.duration_months} mois mène au "
                    f"{format_date_long(expected)}, pas au {format_date_long(self.end_date)} : "
                    "indiquez l'une ou l'autre."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def effective_start_date(self) -> date | None:
        """The start date, or the notification date for "trois ans à compter de sa notification"."""
        return self.start_date or self.notification_date

    @property
    def computed_end_date(self) -> date | None:
        """The end date as written, else the start (or notification) plus the duration."""
        return _computed_end(self.effective_start_date, self.end_date, self.duration_months)

    @property
    def has_renewal_signed(self) -> bool:
        """Whether a signed renewal exists (annotated by ``with_signed_renewal`` in lists)."""
        annotated = getattr(self, "has_signed_renewal", None)
        if annotated is not None:
            return annotated
        if not self.pk or self.status not in SIGNED_STATUSES:
            return False
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("renewals")
        if prefetched is not None:
            found = any(r.status in SIGNED_STATUSES for r in prefetched)
        else:
            found = Convention.objects.filter(renews=self, status__in=SIGNED_STATUSES).exists()
        self.has_signed_renewal = found
        return found

    def status_on(self, today: date) -> str:
        """The status this convention reads on ``today`` (``rules.status_on``)."""
        return rules.status_on(
            stored=self.status,
            today=today,
            start=self.effective_start_date,
            end=self.computed_end_date,
            termination_effective=self.termination_effective_date,
            renewed=self.has_renewal_signed if self.status in SIGNED_STATUSES else False,
        )

    @property
    def current_status(self) -> str:
        """The status shown everywhere: derived from the stored state and today's date, so it
        is never stale (``convention_statuses_update`` only persists it)."""
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        """The French label of ``current_status`` (lists, pages, exports, messages)."""
        return rules.STATUS_LABELS.get(self.current_status, self.current_status)

    @property
    def is_terminated(self) -> bool:
        """A dénonciation or a résiliation is recorded (its date of effect may be ahead)."""
        return bool(self.termination_kind)

    @property
    def notice_deadline(self) -> date | None:
        """Last day to send the notice of dénonciation so that the convention ends at its term."""
        end = self.computed_end_date
        if end is None:
            return None
        return rules.notice_deadline(end, self.notice_months)

    @property
    def is_draft(self) -> bool:
        return self.status in DRAFT_STATUSES

    @property
    def is_text_editable(self) -> bool:
        """Only a draft's text changes; from "à signer" on, it is frozen."""
        return self.status == ConventionStatus.DRAFT and self.text_frozen_at is None

    @property
    def signed_copy(self):
        """The scanned signed copy: the convention's reference document once uploaded."""
        return self.documents.filter(kind="copie_signee").order_by("-number").first()


class ConventionRole(models.TextChoices):
    SIGNATAIRE = "signataire", "Signataire"
    FINANCEUR = "financeur", "Financeur"
    EMPLOYEUR = "employeur", "Employeur"
    AUTORITE_FONCTIONNELLE = "autorite_fonctionnelle", "Autorité fonctionnelle"
    AUTORITE_HIERARCHIQUE = "autorite_hierarchique", "Autorité hiérarchique"
    BENEFICIAIRE = "beneficiaire", "Bénéficiaire"
    DESTINATAIRE_BILAN = "destinataire_bilan", "Destinataire du bilan"


class ConventionParty(models.Model):
    """A party to a convention, its roles and the representative who signs for it."""

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="memberships"
    )
    party = models.ForeignKey(
        Party, verbose_name="partie", on_delete=models.PROTECT, related_name="memberships"
    )
    order = models.PositiveSmallIntegerField("ordre", default=0)
    is_signatory = models.BooleanField("signataire", default=True)
    is_funder = models.BooleanField("financeur", default=False)
    is_employer = models.BooleanField("employeur", default=False)
    is_functional_authority = models.BooleanField("autorité fonctionnelle", default=False)
    is_hierarchical_authority = models.BooleanField("autorité hiérarchique", default=False)
    is_beneficiary = models.BooleanField("bénéficiaire", default=False)
    receives_report = models.BooleanField("destinataire du bilan", default=False)
    representative = models.ForeignKey(
        Representative,
        verbose_name="représentant signataire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    wording = models.TextField("désignation dans l'acte", blank=True)
    signed_on = models.DateField("signée le", null=True, blank=True)
    signatory_name = models.CharField("nom du signataire", max_length=160, blank=True)
    signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signature enregistrée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signature_recorded_at = models.DateTimeField("signature enregistrée le", null=True, blank=True)
    history = HistoricalRecords()

    ROLE_FIELDS = {
        ConventionRole.SIGNATAIRE: "is_signatory",
        ConventionRole.FINANCEUR: "is_funder",
        ConventionRole.EMPLOYEUR: "is_employer",
        ConventionRole.AUTORITE_FONCTIONNELLE: "is_functional_authority",
        ConventionRole.AUTORITE_HIERARCHIQUE: "is_hierarchical_authority",
        ConventionRole.BENEFICIAIRE: "is_beneficiary",
        ConventionRole.DESTINATAIRE_BILAN: "receives_report",
    }

    class Meta:
        verbose_name = "partie à la convention"
        verbose_name_plural = "parties à la convention"
        ordering = ["convention", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "party"],
                name="conventionparty_unique",
                violation_error_message="Cette partie figure déjà dans la convention.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} ({', '.join(str(r.label) for r in self.roles)})"

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None

    @property
    def roles(self) -> list[ConventionRole]:
        return [role for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]

    def clean(self) -> None:
        if (
            self.representative_id
            and self.party_id
            and self.representative.party_id != self.party_id
        ):
            raise ValidationError(
                {
                    "representative": (
                        f"{self.representative} ne représente pas {self.party} : "
                        "choisissez un représentant de cette partie."
                    )
                }
            )
        if self.is_signatory is False and not self.roles:
            raise ValidationError("Indiquez au moins un rôle pour cette partie.")


# --------------------------------------------------------------------------- documents


def document_upload_to(instance, filename: str) -> str:
    """Every stored document gets a random name: nothing of the uploaded name reaches the disk."""
    return f"conventions/documents/{uuid.uuid4().hex}.pdf"


class DocumentTemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see the shared templates and their organisation's (all for national staff)."""
        scope = organisation_scope(user)
        if scope.everything:
            return self.all()
        if scope.organisation_id:
            return self.filter(
                Q(organisation__isnull=True) | Q(organisation_id=scope.organisation_id)
            )
        return self.none()


class DocumentTemplate(models.Model):
    """A model text for conventions of one kind; its content lives in numbered versions."""

    organisation = models.ForeignKey(
        "iscg.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_templates",
        help_text="Vide : modèle commun à toutes les organisations.",
    )
    slug = models.SlugField("identifiant", max_length=80)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=30, choices=ConventionKind.choices)
    description = models.TextField("description", blank=True)
    source = models.CharField("texte d'origine", max_length=255, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = DocumentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "modèle de convention"
        verbose_name_plural = "modèles de convention"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"],
                name="documenttemplate_unique_slug_per_organisation",
                violation_error_message="Cet identifiant de modèle existe déjà.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(organisation__isnull=True),
                name="documenttemplate_unique_shared_slug",
                violation_error_message="Cet identifiant de modèle commun existe déjà.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("conventions:template_detail", args=[self.pk])

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """One frozen state of a template; editing a template adds a version, never rewrites one."""

    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name="modèle",
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField("version")
    title = models.TextField("intitulé du document")
    parties_block = models.TextField("bloc des parties", blank=True)
    preamble = models.TextField("préambule", blank=True)
    articles = models.JSONField("articles", default=list, blank=True)
    closing = models.TextField("formule finale", blank=True)
    note = models.CharField("motif de la modification", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "version de modèle"
        verbose_name_plural = "versions de modèle"
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"],
                name="templateversion_unique_number",
                violation_error_message="Ce numéro de version existe déjà pour ce modèle.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} — version {self.number}"

    def as_text(self) -> dict:
        """The parts a convention copies when it is drafted from this version."""
        return {
            "title": self.title,
            "parties_block": self.parties_block,
            "preamble": self.preamble,
            "articles": [
                {"title": a.get("title", ""), "body": a.get("body", "")} for a in self.articles
            ],
            "closing": self.closing,
        }


class DocumentKind(models.TextChoices):
    GENERATED = "genere", "Document généré"
    SIGNED_COPY = "copie_signee", "Copie signée"


class DocumentVersion(models.Model):
    """A stored PDF of a convention: generated from its text, or the scanned signed copy."""

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="documents",
    )
    number = models.PositiveIntegerField("version")
    kind = models.CharField("nature", max_length=20, choices=DocumentKind.choices)
    #: Empty while a generated version waits for its PDF (rendered after the transaction that
    #: decided it commits: ``services.document_version_render``).
    file = models.FileField("fichier", upload_to=document_upload_to, max_length=255, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    pages = models.PositiveIntegerField("pages", null=True, blank=True)
    input_hash = models.CharField(
        "empreinte du texte rendu",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Un texte inchangé redonne ce document au lieu d'un nouveau rendu.",
    )
    template_version = models.ForeignKey(
        TemplateVersion,
        verbose_name="version du modèle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    is_frozen = models.BooleanField(
        "texte envoyé à la signature",
        default=False,
        help_text="Le texte de la convention tel qu'il a été envoyé à la signature.",
    )
    is_sealed = models.BooleanField(
        "scellé",
        default=False,
        help_text="Le PDF final porte le sceau électronique de l'organisation (appliqué à son "
        "rendu, une seule fois).",
    )
    original_name = models.CharField("nom du fichier déposé", max_length=255, blank=True)
    warning = models.CharField("avertissement", max_length=500, blank=True)
    html = models.TextField(
        "HTML du document",
        blank=True,
        help_text="Ce que le PDF d'une version générée rend, décidé avant son rendu.",
    )
    signed_html = models.TextField(
        "HTML du texte signé",
        blank=True,
        help_text="Pour un texte envoyé à la signature : le même texte sans « PROJET ».",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "version de document"
        verbose_name_plural = "versions de document"
        ordering = ["convention", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"],
                name="documentversion_unique_number",
                violation_error_message="Ce numéro de version existe déjà pour cette convention.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference} — {self.get_kind_display()} v{self.number}"

    @property
    def is_rendered(self) -> bool:
        """Whether the version's PDF is stored (a generated one waits for its render)."""
        return bool(self.file)

    @property
    def filename(self) -> str:
        suffix = "signee" if self.kind == DocumentKind.SIGNED_COPY else f"v{self.number}"
        return f"{self.convention.reference}-{suffix}.pdf"


class DocumentDownload(models.Model):
    """Who downloaded which stored document, and when."""

    document = models.ForeignKey(
        DocumentVersion,
        verbose_name="document",
        on_delete=models.CASCADE,
        related_name="downloads",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_label = models.CharField("utilisateur (au moment du téléchargement)", max_length=255)
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "téléchargement"
        verbose_name_plural = "téléchargements"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_label} — {self.document} — {format_datetime_long(self.at)}"


# --------------------------------------------------------------------------- @ctes transmission


def transmission_upload_to(instance, filename: str) -> str:
    return (
        f"actes/{instance.convention.organisation.slug}/{instance.convention.reference}/{filename}"
    )


class TransmissionStatus(models.TextChoices):
    PREPARING = "preparation", "Paquet en préparation"
    READY = "pret", "Paquet prêt"
    SENDING = "envoi", "Envoi à Pastell en cours"
    SENT = "transmis", "Transmis, en attente de l'accusé de réception"
    ACKNOWLEDGED = "acquitte", "Accusé de réception reçu"
    ERROR = "erreur", "Erreur"


class Transmission(models.Model):
    """The transmission of a signed convention or avenant to the contrôle de légalité (@ctes):
    its package (conventions.actes), then, when Pastell is configured, the document created
    there and the state read back until the préfecture's acknowledgement (AR)."""

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="transmissions",
    )
    number = models.CharField("numéro de l'acte", max_length=15)
    classification = models.CharField("classification", max_length=20)
    decision_date = models.DateField("date de la décision")
    subject = models.CharField("objet", max_length=499)
    status = models.CharField(
        "état",
        max_length=20,
        choices=TransmissionStatus.choices,
        default=TransmissionStatus.PREPARING,
    )
    package = models.FileField(
        "paquet", upload_to=transmission_upload_to, max_length=255, blank=True
    )
    package_name = models.CharField("nom du paquet", max_length=120, blank=True)
    pastell_id = models.CharField("identifiant Pastell", max_length=60, blank=True)
    pastell_state = models.CharField("état dans Pastell", max_length=200, blank=True)
    acknowledged_on = models.DateField("accusé de réception le", null=True, blank=True)
    error = models.TextField("erreur", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="préparée par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("préparée le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "transmission au contrôle de légalité"
        verbose_name_plural = "transmissions au contrôle de légalité"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.convention.reference} — {self.get_status_display()}"


class OfficeFormat(models.TextChoices):
    ODT = "odt", "OpenDocument (.odt)"
    DOCX = "docx", "Word (.docx)"


def office_upload_to(instance, filename: str) -> str:
    """A random name, like the PDFs: nothing of a convention's reference reaches the disk."""
    return f"conventions/office/{uuid.uuid4().hex}.{instance.format}"


class OfficeDocument(models.Model):
    """A stored version's text as a word processor file (ODT or DOCX), written by the worker
    from the version's HTML (``conventions.office``, task ``render_office_document``)."""

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name="version du document",
        on_delete=models.CASCADE,
        related_name="office_files",
    )
    format = models.CharField("format", max_length=4, choices=OfficeFormat.choices)
    #: Empty until the worker has written it.
    file = models.FileField("fichier", upload_to=office_upload_to, max_length=255, blank=True)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    requested_at = models.DateTimeField("demandé le", default=timezone.now)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "document de traitement de texte"
        verbose_name_plural = "documents de traitement de texte"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "format"], name="officedocument_unique_format"
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def filename(self) -> str:
        """The PDF's name with the format's extension (« PDC2023-A13-v2.odt »)."""
        return self.version.filename.rsplit(".", 1)[0] + "." + self.format


class ReturnedText(models.Model):
    """A convention's text sent back as ODT or DOCX (a partner's legal service proposing
    changes), read into plain text part by part (``conventions.office.read_upload``); the file
    itself is not kept. Compared with the draft, its changes taken one by one."""

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="returned_texts",
    )
    format = models.CharField("format", max_length=4, choices=OfficeFormat.choices)
    original_name = models.CharField("nom du fichier déposé", max_length=255, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    #: title, parties_block, preamble, articles [{title, body}], closing: plain text.
    text = models.JSONField("texte lu")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "texte renvoyé"
        verbose_name_plural = "textes renvoyés"
        ordering = ["convention", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.convention.reference} — {self.original_name or self.get_format_display()}"


# --------------------------------------------------------------------------- electronic signature


class SignatureRequestState(models.TextChoices):
    PENDING = "en_attente", "En attente"
    OPEN = "ouverte", "Ouverte"
    SIGNED = "signee", "Signée"
    REFUSED = "refusee", "Refusée"
    EXPIRED = "expiree", "Expirée"
    WITHDRAWN = "retiree", "Retirée"


class SignatureMethod(models.TextChoices):
    ELECTRONIC = "electronique", "électronique (code à usage unique par e-mail)"
    PAPER = "manuscrite", "manuscrite"


class SignatureRequest(models.Model):
    """One signatory party's request to sign a convention sent to signature (``round``: each
    sending opens a new circuit; the older ones stay as they ended). Its rules are in
    ``conventions.signing``; its writes in ``conventions.signing_services``."""

    convention = models.ForeignKey(
        Convention,
        verbose_name="convention",
        on_delete=models.CASCADE,
        related_name="signature_requests",
    )
    party = models.ForeignKey(
        Party, verbose_name="partie", on_delete=models.PROTECT, related_name="signature_requests"
    )
    document = models.ForeignKey(
        DocumentVersion,
        verbose_name="document à signer",
        null=True,
        on_delete=models.PROTECT,
        related_name="signature_requests",
    )
    round = models.PositiveIntegerField("envoi n°", default=1)
    position = models.PositiveSmallIntegerField(
        "rang", default=1, help_text="Même rang pour toutes : elles signent en même temps."
    )
    state = models.CharField(
        "état",
        max_length=20,
        choices=SignatureRequestState.choices,
        default=SignatureRequestState.PENDING,
    )
    expires_on = models.DateField("expire après le")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="envoyée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    opened_at = models.DateTimeField("ouverte le", null=True, blank=True)
    notified_at = models.DateTimeField("signataire prévenu le", null=True, blank=True)
    notified_to = models.CharField("prévenu à", max_length=500, blank=True)
    reminded_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    # The signature (electronic: the partner; paper: recorded by the gestionnaire)
    method = models.CharField("méthode", max_length=20, choices=SignatureMethod.choices, blank=True)
    signed_at = models.DateTimeField("signée le", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="signée par (compte)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signer_name = models.CharField("nom du signataire", max_length=160, blank=True)
    signer_capacity = models.CharField("en tant que", max_length=500, blank=True)
    consent_text = models.TextField("consentement exprimé", blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=500, blank=True)
    document_sha256 = models.CharField(
        "empreinte SHA-256 du document signé", max_length=64, blank=True
    )
    refused_at = models.DateTimeField("refusée le", null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)
    # The one-time code (its hash only), its tries and how many were sent
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField("code envoyé le", null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField("essais du code", default=0)
    codes_sent = models.PositiveSmallIntegerField("codes envoyés", default=0)
    history = HistoricalRecords(excluded_fields=["code_hash"])

    class Meta:
        verbose_name = "demande de signature"
        verbose_name_plural = "demandes de signature"
        ordering = ["convention", "-round", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "round", "party"],
                name="signaturerequest_one_per_party_and_round",
                violation_error_message="Cette partie a déjà une demande pour cet envoi.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference} — {self.party} ({self.get_state_display()})"
