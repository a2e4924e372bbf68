from django.urls import path

import iscg.converters  # noqa: F401  (registers <year:…>)
from financing import budget_views, titre_views, views

app_name = "financing"

urlpatterns = [
    path("", views.current_year, name="current_year"),
    path("mes-financements/", views.my_financing, name="my_financing"),
    path("parties/<int:pk>/", views.party_summary, name="party_summary"),
    path("parts/<int:pk>/titre/", views.payment_add, name="payment_add"),
    path("titres/<int:pk>/annuler/", views.payment_cancel, name="payment_cancel"),
    path("titres/<int:pk>/corriger/", views.payment_correct, name="payment_correct"),
    path("annees/<int:pk>/cout-reel/", views.actual_cost, name="actual_cost"),
    path("<year:year>/", views.annual, name="annual"),
    path("<year:year>/ligne-budgetaire/", budget_views.budget_line_edit, name="budget_line"),
    path("<year:year>/tableau.xlsx", views.annual_xlsx, name="annual_xlsx"),
    path("<year:year>/tableau.pdf", views.annual_pdf, name="annual_pdf"),
    path("<year:year>/donnees-ouvertes/", views.opendata_page, name="opendata"),
    path("<year:year>/subventions.csv", views.opendata_csv, name="opendata_csv"),
    path("<year:year>/titres/", titre_views.titres_to_issue, name="titres"),
    path("<year:year>/titres-a-emettre.csv", titre_views.titres_csv, name="titres_csv"),
    path("<year:year>/titres-emis.csv", titre_views.titres_issued_csv, name="titres_issued_csv"),
    path("<year:year>/titres/archive/", titre_views.titres_zip, name="titres_zip"),
    path(
        "<year:year>/titres/archive/telecharger/",
        titre_views.titres_zip_download,
        name="titres_zip_download",
    ),
    path("titres/reglages/", titre_views.titre_settings, name="titre_settings"),
    path("creances/", titre_views.receivables_list, name="receivables"),
    path("encaissements/", titre_views.collections_import, name="collections_import"),
    path("encaissements/<int:pk>/", titre_views.collection_import, name="collection_import"),
]
