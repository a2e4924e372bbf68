"""A transmitted or validated bilan has its date of transmission. (A validated bilan taken
from a document may lack its review date: the page says "date non enregistrée".)"""

from django.db import migrations, models
from django.db.models import F, Q


def date_statuses(apps, schema_editor):
    """Bilans recorded as transmitted without that date (imported): dated when last changed."""
    Bilan = apps.get_model("reporting", "Bilan")
    Bilan.objects.filter(status__in=["transmis", "valide"], submitted_at__isnull=True).update(
        submitted_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_percent_range_in_rules"),
    ]

    operations = [
        migrations.RunPython(date_statuses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="bilan",
            constraint=models.CheckConstraint(
                condition=~Q(status__in=["transmis", "valide"]) | Q(submitted_at__isnull=False),
                name="bilan_submitted_has_its_date",
                violation_error_message="Un bilan transmis ou validé a sa date de transmission.",
            ),
        ),
    ]
