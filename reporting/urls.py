"""Activity reports (bilans)."""

from django.urls import path

import iscg.converters  # noqa: F401  (registers <year:…>)
from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.current_year, name="current_year"),
    path("<year:year>/", views.dashboard, name="dashboard"),
    path("<year:year>/tableau.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("<year:year>/tableau.csv", views.dashboard_csv, name="dashboard_csv"),
    path("<year:year>/tableau.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("liste/", views.bilan_list, name="bilan_list"),
    path("bilan/<int:pk>/", views.bilan_detail, name="bilan_detail"),
    path("bilan/<int:pk>/modifier/", views.bilan_edit, name="bilan_edit"),
    path("bilan/<int:pk>/transmettre/", views.bilan_submit, name="bilan_submit"),
    path("bilan/<int:pk>/examiner/", views.bilan_review, name="bilan_review"),
    path("poste/<int:post_pk>/<year:year>/saisir/", views.bilan_create, name="bilan_create"),
    path("poste/<int:post_pk>/<year:year>/comite.pdf", views.committee_pack, name="committee_pack"),
    path("import/", views.import_bilans, name="import"),
    path("import/modele.csv", views.import_template, name="import_template"),
]
