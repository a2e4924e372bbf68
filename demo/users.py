"""Demo accounts: one per role, and one partner per party of the demo conventions.

All share DEMO_PASSWORD, printed by `load_demo`. Never run against production data.
"""

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from conventions.models import Party, Post
from iscg.models import Organisation, Role, User

DEMO_PASSWORD = "demo-iscg-2026"
DEMO_DOMAIN = "demo.iscg.fr"
GESTIONNAIRE_EMAIL = f"gestionnaire@{DEMO_DOMAIN}"
COORDINATEUR_EMAIL = f"coordinateur@{DEMO_DOMAIN}"
INTERVENANT_EMAIL = f"intervenant@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
MAIN_ORGANISATION = "pas-de-calais"
INTERVENANT_POST = "isg_ternois"


def partner_email(party: Party) -> str:
    return f"partenaire.{party.organisation.slug}.{party.slug.replace('_', '-')}@{DEMO_DOMAIN}"


class DemoPassword:
    """DEMO_PASSWORD hashed once for all the demo accounts of a load, and each stored hash
    checked once: with Argon2 (the settings' hasher) hashing it for each of the 40 accounts
    took most of ``load_demo`` (13 of 15 s on a busy machine), on every ``make run``.

    The accounts then share one hash; their password is public anyway."""

    def __init__(self) -> None:
        self._hash: str | None = None
        self._checked: dict[str, bool] = {}

    @property
    def hash(self) -> str:
        if self._hash is None:
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def matches(self, encoded: str) -> bool:
        """The stored hash is DEMO_PASSWORD's, with the current hasher and its settings (as
        ``User.check_password`` would upgrade it otherwise)."""
        if encoded not in self._checked:
            outdated: list[str] = []
            correct = check_password(DEMO_PASSWORD, encoded, setter=outdated.append)
            self._checked[encoded] = correct and not outdated
        return self._checked[encoded]


def _upsert(email: str, password: DemoPassword, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if not created:
        for key, value in fields.items():
            setattr(user, key, value)
    if created or not password.matches(user.password):
        user.password = password.hash
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def create_demo_users() -> int:
    """Idempotent: users are keyed by e-mail and brought back to their demo state."""
    organisation = Organisation.objects.get(slug=MAIN_ORGANISATION)
    password = DemoPassword()
    count = 0
    _upsert(
        ADMIN_EMAIL,
        password,
        first_name="Admin",
        last_name="Démo",
        is_staff=True,
        is_superuser=True,
    )
    _upsert(
        GESTIONNAIRE_EMAIL,
        password,
        first_name="Gaëlle",
        last_name="Gestion",
        role=Role.GESTIONNAIRE,
        organisation=organisation,
    )
    _upsert(
        COORDINATEUR_EMAIL,
        password,
        first_name="Colin",
        last_name="Coordination",
        role=Role.COORDINATEUR,
        organisation=organisation,
    )
    post = Post.objects.get(organisation=organisation, slug=INTERVENANT_POST)
    _upsert(
        INTERVENANT_EMAIL,
        password,
        first_name="Inès",
        last_name="Intervenante",
        role=Role.INTERVENANT,
        organisation=organisation,
        post=post,
    )
    count += 4
    for org in Organisation.objects.exclude(pk=organisation.pk):
        _upsert(
            f"gestionnaire.{org.slug}@{DEMO_DOMAIN}",
            password,
            first_name="Gestion",
            last_name=org.name,
            role=Role.GESTIONNAIRE,
            organisation=org,
        )
        count += 1
    parties = (
        Party.objects.filter(conventions__isnull=False).select_related("organisation").distinct()
    )
    for party in parties:
        _upsert(
            partner_email(party),
            password,
            first_name="Partenaire",
            last_name=party.short_name or party.name,
            role=Role.PARTENAIRE,
            organisation=party.organisation,
            party=party,
        )
        count += 1
    return count


def demo_logins_text() -> str:
    return (
        "Connexion de démonstration :\n"
        f"  gestionnaire : {GESTIONNAIRE_EMAIL} / mot de passe : {DEMO_PASSWORD}\n"
        f"  autres comptes (même mot de passe) : {COORDINATEUR_EMAIL}, {INTERVENANT_EMAIL}, "
        f"{ADMIN_EMAIL} (back-office),\n"
        f"  et un partenaire par partie, ex. partenaire.pas-de-calais.epci-cc-ternois@{DEMO_DOMAIN}\n"
        "  (liste complète : python manage.py list_demo_users)\n"
        "  À voir : le renouvellement en brouillon PDC2024-A10 (gestionnaire ci-dessus) et l'avenant\n"
        f"  signé d'exemple DIJON2022-AV1 (compte gestionnaire.dijon@{DEMO_DOMAIN})"
    )
