from django.core.management.base import BaseCommand

from demo.users import DEMO_DOMAIN, DEMO_PASSWORD
from iscg.models import User


class Command(BaseCommand):
    help = "Liste les comptes de démonstration (rôle, rattachement, e-mail)."

    def handle(self, *args, **options):
        users = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").select_related(
            "organisation", "party", "post"
        )
        for user in users.order_by("role", "email"):
            scope = user.party or user.post or user.organisation or "toutes les organisations"
            role = user.get_role_display() or "administrateur"
            self.stdout.write(f"{role:<13} {user.email:<70} {scope}")
        self.stdout.write(f"\nMot de passe commun : {DEMO_PASSWORD}")
