from django.contrib import admin
from django.urls import include, path

from iscg import views

admin.site.site_header = "ISCG — administration"
admin.site.site_title = "ISCG"
admin.site.index_title = "Back-office"

urlpatterns = [
    path("", views.home, name="home"),
    path("comptes/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
