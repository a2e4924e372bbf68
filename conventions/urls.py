from django.urls import include, path

from conventions import bulk_views, views
from conventions import document_views as docs
from conventions import ending_views as ending

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("lot/", bulk_views.bulk_action, name="bulk"),
    path("postes/", views.post_list, name="post_list"),
    path("postes/<int:pk>/", views.post_detail, name="post_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    path("modeles/", docs.template_list, name="template_list"),
    path("modeles/<int:pk>/", docs.template_detail, name="template_detail"),
    path("modeles/<int:pk>/modifier/", docs.template_edit, name="template_edit"),
    path("modeles/<int:pk>/apercu/", docs.template_preview, name="template_preview"),
    path("modeles/<int:pk>/copier/", docs.template_copy, name="template_copy"),
    path("deliberations/<int:pk>/zip/", docs.deliberation_zip, name="deliberation_zip"),
    path(
        "deliberations/<int:pk>/zip/progression/",
        docs.deliberation_zip_progress,
        name="deliberation_zip_progress",
    ),
    path(
        "deliberations/<int:pk>/zip/telecharger/",
        docs.deliberation_zip_download,
        name="deliberation_zip_download",
    ),
    path("<str:reference>/", views.convention_detail, name="detail"),
    path("<str:reference>/pdf/", docs.convention_pdf, name="pdf"),
    path("<str:reference>/documents/<int:number>/", docs.document_download, name="document"),
    path("<str:reference>/texte/", docs.convention_text, name="text"),
    path("<str:reference>/texte/apercu/", docs.convention_text_preview, name="text_preview"),
    path("<str:reference>/signatures/", docs.signatures, name="signatures"),
    path("<str:reference>/abandonner/", views.convention_abandon, name="abandon"),
    path("<str:reference>/copie-signee/", docs.signed_copy, name="signed_copy"),
    path(
        "<str:reference>/copie-signee/deposer/",
        docs.signed_copy_upload,
        name="signed_copy_upload",
    ),
    path("<str:reference>/denoncer/", ending.convention_denounce, name="denounce"),
    path("<str:reference>/resilier/", ending.convention_terminate, name="terminate"),
    path("<str:reference>/fin/lettre/", ending.termination_letter, name="termination_letter"),
    # A convention's financing plan: its views and URLs belong to financing.
    path("<str:reference>/financement/", include("financing.plan_urls")),
]
