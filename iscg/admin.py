from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from iscg.models import Invitation, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "party", "budget_line"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["party"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "organisation",
        "party",
        "post",
        "is_active",
    ]
    list_filter = ["role", "organisation", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["organisation", "party", "post"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name"]}),
        ("Rôle", {"fields": ["role", "organisation", "is_national", "party", "post"]}),
        (
            "Droits",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "role",
                    "organisation",
                    "party",
                    "post",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "role",
        "organisation",
        "party",
        "post",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    list_filter = ["role", "organisation"]
    search_fields = ["email"]
    # Used, replaced and withdrawn through the services (iscg.services), which keep the history.
    readonly_fields = ["token_hash", "created_at", "used_at", "user", "revoked_at", "revoked_by"]
    autocomplete_fields = ["party", "post", "organisation"]
