"""Back-office for bilans: history, parts inline, deadlines per convention."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reporting.models import Bilan, BilanPart, ReportDeadline


class BilanPartInline(admin.TabularInline):
    model = BilanPart
    extra = 0


@admin.register(Bilan)
class BilanAdmin(SimpleHistoryAdmin):
    list_display = ["post", "year", "status", "referrals_total", "vif_pct", "submitted_at"]
    list_filter = ["year", "status", "post__organisation", "post__kind"]
    search_fields = ["post__name", "post__slug"]
    autocomplete_fields = ["post"]
    #: The workflow is the services' (submit, validate, return): shown, never set here.
    readonly_fields = [
        "status",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "review_comment",
        "created_at",
        "updated_at",
    ]
    inlines = [BilanPartInline]


@admin.register(ReportDeadline)
class ReportDeadlineAdmin(SimpleHistoryAdmin):
    list_display = ["convention", "day", "month", "as_written"]
    search_fields = ["convention__reference"]
    autocomplete_fields = ["convention"]
