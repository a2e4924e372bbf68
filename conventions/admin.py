"""Back-office for administrators: every model, with inlines, search, filters and history."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from conventions import rules
from conventions.forms import ReferenceField
from conventions.models import (
    Convention,
    ConventionParty,
    Deliberation,
    DocumentTemplate,
    DocumentVersion,
    HostUnit,
    Party,
    Post,
    PostAbsence,
    PostHolder,
    Representative,
    SignatureRequest,
    TemplateVersion,
)
from conventions.resources import PartyResource, PostResource
from iscg.formatting import count_words, format_date_long


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0


class DeliberationInline(admin.TabularInline):
    model = Deliberation
    extra = 0


class DocumentVersionInline(admin.TabularInline):
    """Stored PDFs (generated or signed copies): a record, never edited here."""

    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = ["number", "kind", "is_frozen", "pages", "sha256", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class TemplateVersionInline(admin.TabularInline):
    """Versions are added by editing the template in the application, never rewritten."""

    model = TemplateVersion
    extra = 0
    can_delete = False
    fields = ["number", "note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "source"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "slug", "source"]
    inlines = [TemplateVersionInline]


@admin.register(Party)
class PartyAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [PartyResource]
    list_display = ["name", "short_name", "kind", "organisation", "siret"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "short_name", "slug", "siret", "rna"]
    inlines = [RepresentativeInline, DeliberationInline]
    prepopulated_fields = {"slug": ["short_name"]}


class HostUnitFormSet(forms.models.BaseInlineFormSet):
    """The units' time shares must add up to 100 % (or all be left empty)."""

    def clean(self):
        super().clean()
        shares = [
            form.cleaned_data.get("time_share")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        error = rules.time_shares_error(shares)
        if error:
            raise ValidationError(error)


class HostUnitInline(admin.TabularInline):
    model = HostUnit
    formset = HostUnitFormSet
    extra = 0
    autocomplete_fields = ["parent_party"]


class PostHolderInline(admin.TabularInline):
    model = PostHolder
    extra = 0


class PostAbsenceInline(admin.TabularInline):
    model = PostAbsence
    extra = 0


@admin.register(Post)
class PostAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [PostResource]
    list_display = [
        "name",
        "kind",
        "employer",
        "organisation",
        "working_time_pct",
        "communes_count",
    ]
    list_filter = ["organisation", "kind"]
    search_fields = ["name", "slug", "employer__name", "territory_text"]
    autocomplete_fields = ["employer", "epcis"]
    inlines = [HostUnitInline, PostHolderInline, PostAbsenceInline]


class ConventionPartyInline(admin.TabularInline):
    model = ConventionParty
    extra = 0
    autocomplete_fields = ["party"]
    fields = [
        "order",
        "party",
        "is_signatory",
        "is_funder",
        "is_employer",
        "is_functional_authority",
        "is_hierarchical_authority",
        "is_beneficiary",
        "receives_report",
        "representative",
    ]


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin):
    list_display = [
        "reference",
        "title",
        "kind",
        "status",
        "start_date",
        "end_display",
        "notice_display",
        "organisation",
    ]
    list_filter = ["organisation", "kind", "status"]
    search_fields = ["reference", "title", "posts__name", "parties__name"]
    autocomplete_fields = ["posts", "parent", "renews"]
    filter_horizontal = ["deliberations"]
    #: Owned by the services (sending to signature, signing, withdrawal, the daily statuses):
    #: shown, never set here.
    readonly_fields = [
        "status",
        "text_frozen_at",
        "text_display",
        "end_display",
        "notice_display",
        "created_at",
        "updated_at",
    ]
    inlines = [ConventionPartyInline, DocumentVersionInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The reference is checked and normalised as in the wizard (conventions.validators).
        if db_field.name == "reference":
            return ReferenceField()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organisation",
                    "reference",
                    "title",
                    "kind",
                    "status",
                    "parent",
                    "renews",
                    "posts",
                ]
            },
        ),
        (
            "Durée",
            {
                "fields": [
                    "start_date",
                    "end_date",
                    "duration_months",
                    "notification_date",
                    "duration_text",
                    "end_display",
                    "renewal_rule",
                    "notice_months",
                    "notice_text",
                    "notice_display",
                ]
            },
        ),
        (
            "Signature",
            {
                "fields": [
                    "signature_place",
                    "signature_date",
                    "original_copies",
                    "competent_court",
                    "legal_basis",
                    "deliberations",
                    "unknown_values",
                ]
            },
        ),
        ("Texte", {"fields": ["text_frozen_at", "text_display"]}),
        ("Suivi", {"fields": ["notes", "created_at", "updated_at"]}),
    ]

    @admin.display(description="texte")
    def text_display(self, obj):
        """The text is written in the application (editor, templates), frozen by the services."""
        if not obj.pk or not obj.text:
            return "—"
        count = len(obj.text.get("articles", []))
        return f"{count_words(count, 'article')} ; modifiable dans l'application"

    @admin.display(description="fin (calculée)")
    def end_display(self, obj):
        return format_date_long(obj.computed_end_date) if obj.pk else "—"

    @admin.display(description="dernier jour pour dénoncer")
    def notice_display(self, obj):
        return format_date_long(obj.notice_deadline) if obj.pk else "—"


@admin.register(Representative)
class RepresentativeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "title", "party", "valid_from", "valid_to"]
    search_fields = ["name", "title", "party__name"]
    autocomplete_fields = ["party"]


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "party", "date", "number"]
    search_fields = ["body", "number", "subject", "party__name"]
    list_filter = ["party__organisation"]
    autocomplete_fields = ["party"]


@admin.register(HostUnit)
class HostUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "post", "time_share"]
    list_filter = ["kind"]
    search_fields = ["name", "post__name"]
    autocomplete_fields = ["post", "parent_party"]


@admin.register(PostAbsence)
class PostAbsenceAdmin(admin.ModelAdmin):
    list_display = ["post", "start", "end", "reason"]
    search_fields = ["post__name", "reason"]
    autocomplete_fields = ["post"]


@admin.register(PostHolder)
class PostHolderAdmin(admin.ModelAdmin):
    list_display = ["name", "post", "start", "end"]
    search_fields = ["name", "post__name"]
    autocomplete_fields = ["post"]


@admin.register(ConventionParty)
class ConventionPartyAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "party", "is_signatory", "is_funder", "is_employer"]
    search_fields = ["convention__reference", "party__name"]
    autocomplete_fields = ["convention", "party", "representative"]


@admin.register(SignatureRequest)
class SignatureRequestAdmin(SimpleHistoryAdmin):
    """The signature requests and their trail, to read: only the circuit writes them
    (``conventions.signing_services``); the one-time code's hash is never shown."""

    list_display = ["convention", "party", "round", "position", "state", "expires_on", "signed_at"]
    list_filter = ["state", "method"]
    search_fields = ["convention__reference", "party__name", "signer_name"]
    exclude = ["code_hash"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "code_hash"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
