"""Managing organisations and users.

Every business object belongs to one managing organisation (usually a Conseil départemental);
a user belongs to one organisation and has one role that decides what it may see.
"""

import secrets
import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Organisation(models.Model):
    """A managing organisation: owns posts, parties and conventions; data never mix across them."""

    name = models.CharField("nom", max_length=200, unique=True)
    slug = models.SlugField("identifiant", max_length=60, unique=True)
    party = models.ForeignKey(
        "conventions.Party",
        verbose_name="partie représentant l'organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="La partie (souvent le Département) qui représente l'organisation dans ses conventions.",
    )
    budget_line = models.CharField(
        "imputation budgétaire", max_length=60, blank=True, help_text="Ex. 6568//934213"
    )
    # Transmission of the signed acts to the contrôle de légalité (@ctes): conventions.actes.
    actes_department = models.CharField(
        "code du département (@ctes)",
        max_length=3,
        blank=True,
        help_text="Trois caractères, ex. 062 : le département de la préfecture destinataire.",
    )
    actes_classification = models.CharField(
        "classification par défaut (@ctes)",
        max_length=20,
        default="7.5",
        help_text="Matière et sous-matière, ex. 7.5 (subventions) ou 8.2 (aide sociale).",
    )
    actes_required = models.BooleanField(
        "actes exécutoires après transmission",
        default=False,
        help_text=(
            "Une convention signée n'est exécutoire qu'une fois l'accusé de réception de la "
            "préfecture reçu."
        ),
    )

    class Meta:
        verbose_name = "organisation gestionnaire"
        verbose_name_plural = "organisations gestionnaires"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    GESTIONNAIRE = "gestionnaire", "Gestionnaire"
    COORDINATEUR = "coordinateur", "Coordinateur"
    PARTENAIRE = "partenaire", "Partenaire"
    INTERVENANT = "intervenant", "Intervenant"


class NoticeKind(models.TextChoices):
    """The optional e-mail notices, each of which a user may turn off (« Mes notifications »).
    An e-mail queued without a kind (an invitation, a signature request to a signatory, a
    password reset) is always sent."""

    CONVENTION_SIGNED = "convention_signee", "Convention signée par toutes les parties"
    TITRE_ISSUED = "titre_emis", "Titre de recettes émis"
    BILAN_DUE = "bilan_echeance", "Bilan d'activité bientôt dû ou en retard"
    BILAN_DECISION = "bilan_decision", "Bilan validé ou renvoyé pour correction"
    DEADLINES = "rappel_echeances", "Rappels des échéances des conventions"


#: Who each optional notice may reach: the kinds a role is offered on its preferences page.
NOTICE_KINDS_BY_ROLE = {
    Role.GESTIONNAIRE: [
        NoticeKind.CONVENTION_SIGNED,
        NoticeKind.BILAN_DUE,
        NoticeKind.BILAN_DECISION,
        NoticeKind.DEADLINES,
    ],
    Role.COORDINATEUR: [],
    Role.PARTENAIRE: [NoticeKind.CONVENTION_SIGNED, NoticeKind.TITRE_ISSUED],
    Role.INTERVENANT: [NoticeKind.BILAN_DUE, NoticeKind.BILAN_DECISION],
}


def notice_kinds_for(role: str) -> list[NoticeKind]:
    """The optional notices a user of ``role`` may receive, hence choose (none for no role)."""
    return list(NOTICE_KINDS_BY_ROLE.get(role, []))


def normalize_email(email: str) -> str:
    """How an address is stored and matched (login, invitations, password reset): without
    surrounding spaces, in lower case."""
    return (email or "").strip().lower()


def new_calendar_key() -> str:
    return secrets.token_urlsafe(16)


class UserManager(BaseUserManager):
    """Users log in by e-mail; there is no separate user name."""

    use_in_migrations = True

    def get_by_natural_key(self, username: str | None):
        """The login: the address as typed, whatever its case (addresses are stored in
        lower case, a database constraint holds it)."""
        return self.get(email=normalize_email(username or ""))

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None
    email = models.EmailField("adresse e-mail", unique=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    is_national = models.BooleanField(
        "coordination nationale",
        default=False,
        help_text="Un coordinateur national voit toutes les organisations.",
    )
    party = models.ForeignKey(
        "conventions.Party",
        verbose_name="partie (partenaire)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    post = models.ForeignKey(
        "conventions.Post",
        verbose_name="poste (intervenant)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    #: The optional notices (``NoticeKind`` values) the user turned off; empty = all on, so a
    #: kind added later reaches everyone until they turn it off.
    muted_notices = models.JSONField("avis désactivés", default=list, blank=True)
    #: Part of the calendar feed's signed link (``conventions.calendar.feed_token``): a new key
    #: (« Régénérer le lien », or any change of the password) kills every link given before.
    #: Empty for accounts older than the key: their first link stays valid until then.
    calendar_key = models.CharField(
        "clé du lien d'agenda", max_length=32, blank=True, default="", editable=False
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        constraints = [
            # Stored in lower case, so that the unique index is case-insensitive and the login
            # finds « Gestion@X.fr » (migration 0008 lowercased the older addresses).
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="user_email_lower_case",
                violation_error_message="L'adresse e-mail doit être enregistrée en minuscules.",
            )
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        # ``_password`` is set by set_password() and cleared by Django once saved; a hash
        # upgraded at login does not set it: only a real change of the password renews the key.
        if self._password is not None:
            self.calendar_key = new_calendar_key()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "password" in update_fields:
                kwargs["update_fields"] = {*update_fields, "calendar_key"}
        super().save(*args, **kwargs)

    def receives(self, kind: str | None) -> bool:
        """Whether the user wants the notices of ``kind`` (always, for a mandatory e-mail)."""
        return not kind or kind not in (self.muted_notices or [])

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)
        errors = {}
        if self.role == Role.PARTENAIRE and not self.party_id:
            errors["party"] = "Un partenaire doit être rattaché à une partie."
        if self.role == Role.INTERVENANT and not self.post_id:
            errors["post"] = "Un intervenant doit être rattaché à un poste."
        if self.role in (Role.GESTIONNAIRE, Role.COORDINATEUR) and not (
            self.organisation_id or self.is_national
        ):
            errors["organisation"] = "Ce rôle exige une organisation."
        if self.is_national and self.role != Role.COORDINATEUR:
            errors["is_national"] = "Seul un coordinateur peut être national."
        if errors:
            raise ValidationError(errors)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither used nor withdrawn (expired ones included): at most one per address and
        organisation (a database constraint)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use link, valid 7 days, that lets a partner or an intervenant set a password.

    Only the SHA-256 of the token is stored: a database dump does not give working links.
    """

    email = models.EmailField("adresse e-mail")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    party = models.ForeignKey(
        "conventions.Party", verbose_name="partie", null=True, blank=True, on_delete=models.CASCADE
    )
    post = models.ForeignKey(
        "conventions.Post", verbose_name="poste", null=True, blank=True, on_delete=models.CASCADE
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, verbose_name="invité par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisée le", null=True, blank=True)
    user = models.ForeignKey(
        User,
        verbose_name="compte créé",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: Withdrawn (« Révoquer ») or replaced by a newer invitation to the same address: its link
    #: no longer works. Who and why are in the history.
    revoked_at = models.DateTimeField("retirée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name="retirée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=(
                    "Une invitation est déjà en attente pour cette adresse dans votre organisation."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def state(self) -> str:
        """« en attente », « utilisée », « retirée » or « expirée », as the page shows it."""
        if self.used_at is not None:
            return "utilisée"
        if self.revoked_at is not None:
            return "retirée"
        if self.expires_at <= timezone.now():
            return "expirée"
        return "en attente"


class EmailLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The e-mails a user may list: its organisation's (every one for an administrator or
        a national coordinator); partners and intervenants none (``iscg.perms.organisation_scope``)."""
        from iscg.perms import organisation_scope

        scope = organisation_scope(user)
        if scope.everything:
            return self.all()
        if scope.organisation_id:
            return self.filter(organisation_id=scope.organisation_id)
        return self.none()


class EmailLog(models.Model):
    """One e-mail the product sends, recorded when it is queued and marked when it leaves: the
    ``key`` makes a retried task send it once (``iscg.tasks.send_email``), and the log says what
    was sent to whom and when (per convention by ``reference``)."""

    key = models.CharField("clé", max_length=200, unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", null=True, blank=True, on_delete=models.CASCADE
    )
    reference = models.CharField("convention", max_length=100, blank=True, db_index=True)
    to = models.JSONField("destinataires", default=list)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField("texte")
    html = models.TextField("HTML", blank=True)
    #: The message carries a personal link (an invitation): once sent, links are masked in the
    #: log, so the database never keeps a usable token.
    personal = models.BooleanField("lien personnel", default=False)
    queued_at = models.DateTimeField("mis en file le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    objects = EmailLogQuerySet.as_manager()

    class Meta:
        verbose_name = "e-mail envoyé"
        verbose_name_plural = "e-mails envoyés"
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class WorkerHeartbeat(models.Model):
    """A worker's sign of life: a task left « en cours » by a worker that stopped beating is
    put back in the queue (``iscg.queue.requeue_stale``)."""

    worker_id = models.CharField("travailleur", max_length=64, primary_key=True)
    started_at = models.DateTimeField("démarré le", auto_now_add=True)
    last_seen = models.DateTimeField("vu le")

    class Meta:
        verbose_name = "travailleur"
        verbose_name_plural = "travailleurs"

    def __str__(self) -> str:
        return self.worker_id


class DailyRun(models.Model):
    """A daily task enqueued for a day: the unique pair lets several workers share the schedule
    without running it twice."""

    task_path = models.CharField("tâche", max_length=200)
    day = models.DateField("jour")

    class Meta:
        verbose_name = "tâche quotidienne"
        verbose_name_plural = "tâches quotidiennes"
        constraints = [
            models.UniqueConstraint(fields=["task_path", "day"], name="daily_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.day})"


class PreparedFile(models.Model):
    """A file the worker prepares for one user (a PDF rendered from HTML decided in the
    request, a ZIP of conventions): the request that asks for it only records this row and
    queues ``iscg.tasks.prepare_file``; the task records its progress (``done`` of ``total``)
    here, where the waiting page reads it, and stores the file. Only its ``user`` reaches it
    (``iscg.downloads``)."""

    class Status(models.TextChoices):
        PENDING = "en_preparation", "en préparation"
        READY = "pret", "prêt"
        FAILED = "echec", "échec"

    token = models.UUIDField("jeton", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name="demandé par", on_delete=models.CASCADE, related_name="prepared_files"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", null=True, blank=True, on_delete=models.CASCADE
    )
    #: What makes the file: one of ``iscg.downloads.BUILDERS`` (set by code, never by a user).
    builder = models.CharField("préparation", max_length=100)
    #: What it is made from (a hash of its HTML, of the conventions chosen): the same request
    #: for the same content reuses the file instead of preparing it again.
    key = models.CharField("clé", max_length=64)
    label = models.CharField("document", max_length=200)
    filename = models.CharField("nom du fichier", max_length=200)
    content_type = models.CharField("type", max_length=100)
    source = models.TextField("source", blank=True)
    params = models.JSONField("paramètres", default=dict, blank=True)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("total", default=1)
    error = models.TextField("erreur", blank=True)
    file = models.FileField("fichier", upload_to="prepared/%Y/%m/", blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    finished_at = models.DateTimeField("prêt le", null=True, blank=True)

    class Meta:
        verbose_name = "fichier préparé"
        verbose_name_plural = "fichiers préparés"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "builder", "key"], name="prepared_file_once_per_content"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


class ImportJob(models.Model):
    """A spreadsheet a user deposited for an import (parties, posts, bilans): the request only
    checks its size and type, stores it here and queues ``iscg.tasks.run_import``; the worker
    runs the import, all or nothing, recording its progress (``done`` of ``total`` rows) and
    then its outcome (rows created and updated, or the French errors, nothing written). Only
    its ``user`` and the gestionnaires of its ``organisation`` reach it (``iscg.imports``)."""

    class Status(models.TextChoices):
        PENDING = "en_attente", "en attente"
        RUNNING = "en_cours", "en cours"
        DONE = "termine", "terminé"
        REFUSED = "refuse", "refusé"
        FAILED = "echec", "échec"

    token = models.UUIDField("jeton", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name="déposé par", on_delete=models.CASCADE, related_name="import_jobs"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    #: What reads the file: one of ``iscg.imports.IMPORTERS`` (set by code, never by a user).
    importer = models.CharField("import", max_length=100)
    label = models.CharField("intitulé", max_length=200)
    filename = models.CharField("fichier", max_length=255)
    content = models.BinaryField("contenu")
    #: Where the page links: the list the rows go to, the form to deposit another file.
    params = models.JSONField("paramètres", default=dict, blank=True)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField("lignes traitées", default=0)
    total = models.PositiveIntegerField("lignes", default=0)
    #: The outcome: ``created``, ``updated``, ``summary`` (French), ``errors`` (French, the
    #: first ``iscg.imports.MAX_ERRORS_KEPT``) and ``error_count``.
    result = models.JSONField("compte rendu", default=dict, blank=True)
    #: Why the import stopped (a crash, a lost worker), in French.
    error = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "import de tableur"
        verbose_name_plural = "imports de tableurs"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.label} — {self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
