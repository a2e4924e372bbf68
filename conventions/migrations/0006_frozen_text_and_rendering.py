"""Documents decided first and rendered after commit (a version's HTML kept on its row, its
file filled in later); a convention to sign or signed has its frozen text's date."""

from django.db import migrations, models
from django.db.models import F, Q

import conventions.models

FROZEN_TEXT_STATUSES = ("a_signer", "signee", "en_vigueur", "expiree", "resiliee", "renouvelee")


def date_frozen_texts(apps, schema_editor):
    """Acts recorded as to sign or signed without the date their text was frozen (imported):
    frozen when they were last changed, the best the database knows."""
    Convention = apps.get_model("conventions", "Convention")
    Convention.objects.filter(
        status__in=FROZEN_TEXT_STATUSES, text_frozen_at__isnull=True
    ).update(text_frozen_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('conventions', '0005_c_unknown_values'),
    ]

    operations = [
        migrations.RunPython(date_frozen_texts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="convention",
            constraint=models.CheckConstraint(
                condition=~Q(status__in=FROZEN_TEXT_STATUSES) | Q(text_frozen_at__isnull=False),
                name="convention_frozen_text_when_sent",
                violation_error_message="Une convention à signer ou signée a un texte figé : "
                "indiquez quand il l'a été (envoi à la signature).",
            ),
        ),
        migrations.AddField(
            model_name='documentversion',
            name='html',
            field=models.TextField(blank=True, help_text="Ce que le PDF d'une version générée rend, décidé avant son rendu.", verbose_name='HTML du document'),
        ),
        migrations.AddField(
            model_name='documentversion',
            name='signed_html',
            field=models.TextField(blank=True, help_text='Pour un texte envoyé à la signature : le même texte sans « PROJET ».', verbose_name='HTML du texte signé'),
        ),
        migrations.AlterField(
            model_name='documentversion',
            name='file',
            field=models.FileField(blank=True, max_length=255, upload_to=conventions.models.document_upload_to, verbose_name='fichier'),
        ),
        migrations.AlterField(
            model_name='documentversion',
            name='sha256',
            field=models.CharField(blank=True, max_length=64, verbose_name='empreinte SHA-256'),
        ),
        migrations.AlterField(
            model_name='documentversion',
            name='size',
            field=models.PositiveIntegerField(default=0, verbose_name='taille (octets)'),
        ),
    ]
