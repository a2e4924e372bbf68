"""Spreadsheet import/export of parties and posts (django-import-export, CSV and XLSX).

Rows name their organisation and parties by slug; an import runs in one transaction, so one bad
row writes nothing (IMPORT_EXPORT_USE_TRANSACTIONS).
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from conventions.models import Party, Post
from iscg.models import Organisation


class PartyInOrganisationWidget(widgets.ForeignKeyWidget):
    """A party given by its slug, looked up in the row's organisation (slugs repeat across them)."""

    def __init__(self, **kwargs):
        super().__init__(Party, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        organisation = row.get("organisation") if row else None
        try:
            return Party.objects.get(slug=value, organisation__slug=organisation)
        except Party.DoesNotExist as exc:
            raise ValueError(
                f"Partie « {value} » inconnue dans l'organisation « {organisation} »."
            ) from exc


class OrganisationWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Organisation, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Organisation.DoesNotExist as exc:
            raise ValueError(f"Organisation « {value} » inconnue.") from exc


class FullCleanMixin:
    """Run the model's validation on every row so imported data obey the same rules as forms,
    and roll the whole import back when any row is invalid (nothing half-written)."""

    def import_data(self, dataset, *args, **kwargs):
        kwargs.setdefault("use_transactions", True)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            instance.full_clean(
                validate_unique=validate_unique, validate_constraints=validate_unique
            )
        except ValidationError as exc:
            errors = dict(import_validation_errors or {})
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            raise ValidationError(errors) from exc


class PartyResource(FullCleanMixin, resources.ModelResource):
    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=OrganisationWidget()
    )

    class Meta:
        model = Party
        fields = (
            "organisation",
            "slug",
            "kind",
            "name",
            "short_name",
            "siret",
            "rna",
            "address",
            "notes",
        )
        import_id_fields = ("organisation", "slug")
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True


class PostResource(FullCleanMixin, resources.ModelResource):
    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=OrganisationWidget()
    )
    employer = fields.Field(
        attribute="employer", column_name="employer", widget=PartyInOrganisationWidget()
    )

    class Meta:
        model = Post
        fields = (
            "organisation",
            "slug",
            "name",
            "kind",
            "employer",
            "hierarchical_authority",
            "functional_authority",
            "working_time_pct",
            "weekly_hours",
            "territory_text",
            "communes_count",
            "first_year",
            "start_date",
        )
        import_id_fields = ("organisation", "slug")
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
