"""The constraints that migration 0009 prepared the rows for (in their own transaction:
PostgreSQL refuses to alter a table with updates pending in the same one)."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("iscg", "0009_lowercase_addresses_close_duplicate_invitations"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_at__isnull", True), ("used_at__isnull", True)),
                fields=("organisation", "email"),
                name="invitation_one_open_per_email",
                violation_error_message="Une invitation est déjà en attente pour cette adresse dans votre organisation.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="user_email_lower_case",
                violation_error_message="L'adresse e-mail doit être enregistrée en minuscules.",
            ),
        ),
    ]
