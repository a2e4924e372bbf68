from django.contrib import admin
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from financing.models import BudgetLine, FinancingPlan, Payment, PlanYear, ShareLine


class PlanYearInline(admin.TabularInline):
    model = PlanYear
    extra = 0
    readonly_fields = ["year", "months", "cost"]
    fields = ["year", "months", "cost", "actual_cost"]


@admin.register(FinancingPlan)
class FinancingPlanAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "post", "months_by_hand", "computed_at"]
    search_fields = ["convention__reference", "post__name"]
    autocomplete_fields = ["convention", "post"]
    readonly_fields = ["computed_at"]
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
    ]


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
