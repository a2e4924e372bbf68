"""A convention's financing plan, mounted by conventions.urls under /conventions/<reference>/
financement/ (so its names stay ``conventions:plan`` and ``conventions:plan_preview``)."""

from django.urls import path

from financing import views

urlpatterns = [
    path("", views.plan, name="plan"),
    path("apercu/", views.plan_preview, name="plan_preview"),
    path("appliquer/", views.plan_apply, name="plan_apply"),
]
