"""The fields and the invitations' history (the rows are prepared by 0009, the constraints
added by 0010: PostgreSQL refuses to index a table with updates pending in one transaction)."""

import django.db.models.deletion
import django.db.models.functions.text
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("conventions", "0013_documentversion_is_sealed"),
        ("iscg", "0007_import_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalInvitation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="adresse e-mail")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("gestionnaire", "Gestionnaire"),
                            ("coordinateur", "Coordinateur"),
                            ("partenaire", "Partenaire"),
                            ("intervenant", "Intervenant"),
                        ],
                        max_length=20,
                        verbose_name="rôle",
                    ),
                ),
                ("token_hash", models.CharField(db_index=True, editable=False, max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="envoyée le"),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expire le")),
                (
                    "used_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="utilisée le"),
                ),
                (
                    "revoked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="retirée le"),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
            ],
            options={
                "verbose_name": "historical invitation",
                "verbose_name_plural": "historical invitations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="invitation",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="retirée le"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="retirée par",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="calendar_key",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=32,
                verbose_name="clé du lien d'agenda",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="invité par",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="iscg.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="party",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="conventions.party",
                verbose_name="partie",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="post",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="conventions.post",
                verbose_name="poste",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="retirée par",
            ),
        ),
        migrations.AddField(
            model_name="historicalinvitation",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="compte créé",
            ),
        ),
    ]
