from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from iscg import views
from iscg.forms import LoginForm

admin.site.site_header = "ISCG — administration"
admin.site.site_title = "ISCG"
admin.site.index_title = "Back-office"

urlpatterns = [
    path("", include("home.urls")),
    # Before Django's own "login/", for the French message of a wrong password.
    path(
        "comptes/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    # Before Django's own: the completed reset also lifts the lock after failed logins.
    path(
        "comptes/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("comptes/", include("django.contrib.auth.urls")),
    path("comptes/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "comptes/invitations/<int:pk>/revoquer/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("comptes/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("comptes/notifications/", views.notice_preferences, name="notice_preferences"),
    path("taches/", views.task_failures, name="task_failures"),
    path("taches/<uuid:pk>/relancer/", views.task_restart, name="task_restart"),
    path("imports/<uuid:token>/", views.import_job, name="import_job"),
    path("echeances/", include("conventions.deadline_urls")),
    # Before conventions.urls, whose "<reference>/" would otherwise catch "nouvelle/".
    path("conventions/", include("conventions.wizard")),
    path("conventions/", include("conventions.urls")),
    path("financement/", include("financing.urls")),
    path("bilans/", include("reporting.urls")),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("admin/", admin.site.urls),
]
