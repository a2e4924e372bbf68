from django.contrib import admin
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from financing.models import (
    BudgetLine,
    Collection,
    CollectionImport,
    FinancingPlan,
    Payment,
    PlanYear,
    ShareLine,
    TitreSettings,
)


class PlanYearInline(admin.TabularInline):
    """Years and their costs are the plan's (financing services), the actual cost is recorded
    on the plan's page (``actual_cost_set``): all shown, none set here."""

    model = PlanYear
    extra = 0
    can_delete = False
    fields = ["year", "months", "cost", "actual_cost"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FinancingPlan)
class FinancingPlanAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "post", "months_by_hand", "computed_at"]
    search_fields = ["convention__reference", "post__name"]
    autocomplete_fields = ["convention", "post"]
    #: The plan is saved through ``financing.services`` (its share lines follow from it).
    readonly_fields = ["convention", "post", "data", "months_by_hand", "computed_at"]
    inlines = [PlanYearInline]


@admin.register(ShareLine)
class ShareLineAdmin(ExportMixin, SimpleHistoryAdmin):
    list_display = ["convention", "post", "year", "party", "amount", "is_remainder", "as_written"]
    list_filter = ["year", "organisation", "is_remainder", "party__kind"]
    search_fields = ["convention__reference", "post__name", "party__name"]
    readonly_fields = [
        "plan",
        "convention",
        "post",
        "organisation",
        "year",
        "party",
        "amount",
        "is_remainder",
        "is_employer",
        "as_written",
    ]

    def has_add_permission(self, request):
        """Share lines follow from their plan (``financing.services``), never typed in."""
        return False


@admin.register(Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = [
        "share_line",
        "kind",
        "number",
        "issued_on",
        "amount_issued",
        "received_on",
        "amount_received",
    ]
    list_filter = ["kind"]
    search_fields = ["number", "share_line__party__name", "share_line__convention__reference"]
    autocomplete_fields = ["share_line"]


@admin.register(BudgetLine)
class BudgetLineAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "year", "imputation", "label", "credits", "available"]
    list_filter = ["organisation", "year"]
    search_fields = ["imputation", "label"]


@admin.register(TitreSettings)
class TitreSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "imputation", "payment_days"]


@admin.register(CollectionImport)
class CollectionImportAdmin(admin.ModelAdmin):
    """Deposited return files are read by the worker (financing.collection_returns): shown,
    never edited here."""

    list_display = ["filename", "organisation", "uploaded_at", "status"]
    list_filter = ["status", "organisation"]
    exclude = ["content"]
    readonly_fields = [
        "organisation",
        "filename",
        "uploaded_by",
        "uploaded_at",
        "status",
        "finished_at",
        "report",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Collection)
class CollectionAdmin(SimpleHistoryAdmin):
    list_display = ["payment", "received_on", "amount", "source"]
    search_fields = ["payment__number"]
    readonly_fields = ["payment", "received_on", "amount", "source"]

    def has_add_permission(self, request):
        return False
