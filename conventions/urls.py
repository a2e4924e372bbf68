from django.urls import path

from conventions import views
from financing import views as financing_views

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("postes/", views.post_list, name="post_list"),
    path("postes/<int:pk>/", views.post_detail, name="post_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    path("<str:reference>/", views.convention_detail, name="detail"),
    path("<str:reference>/financement/", financing_views.plan, name="plan"),
    path("<str:reference>/financement/apercu/", financing_views.plan_preview, name="plan_preview"),
]
