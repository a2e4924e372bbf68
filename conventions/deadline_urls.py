"""Deadline URLs, mounted at /echeances/ without a namespace (their names predate the move)."""

from django.urls import path

from conventions import deadline_views as views

urlpatterns = [
    path("", views.deadlines, name="deadlines"),
    path("calendrier.ics", views.deadlines_ics, name="deadlines_ics"),
    path("flux/<str:token>.ics", views.deadlines_feed, name="deadlines_feed"),
    path("flux/regenerer/", views.deadlines_feed_regenerate, name="deadlines_feed_regenerate"),
]
