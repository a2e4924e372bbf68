from django.urls import include, path

from conventions import bulk_views, signing_views, transmission_views, verify_views, views
from conventions import document_views as docs
from conventions import ending_views as ending
from conventions import office_views as office
from conventions import reference_views as ref
from conventions import text_views as text

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("brouillons-supprimes/", views.deleted_drafts, name="deleted_drafts"),
    path("lot/", bulk_views.bulk_action, name="bulk"),
    path("e-mails/", views.email_log, name="email_log"),
    path("lot/archives/<uuid:token>/", bulk_views.prepared, name="prepared"),
    path("lot/archives/<uuid:token>/fichier/", bulk_views.prepared_file, name="prepared_file"),
    path("postes/", views.post_list, name="post_list"),
    path("postes/<int:pk>/", views.post_detail, name="post_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    # Reference data a gestionnaire keeps (conventions/reference_views.py).
    path("postes/nouveau/", ref.post_form, name="post_create"),
    path("postes/<int:pk>/modifier/", ref.post_form, name="post_edit"),
    path("postes/importer/", ref.post_import, name="post_import"),
    path("parties/nouvelle/", ref.party_form, name="party_create"),
    path("parties/<int:pk>/modifier/", ref.party_form, name="party_edit"),
    path("parties/importer/", ref.party_import, name="party_import"),
    path(
        "parties/<int:party_pk>/representants/nouveau/",
        ref.representative_form,
        name="representative_create",
    ),
    path(
        "parties/<int:party_pk>/representants/<int:pk>/modifier/",
        ref.representative_form,
        name="representative_edit",
    ),
    path("deliberations/", ref.deliberation_list, name="deliberation_list"),
    path("deliberations/nouvelle/", ref.deliberation_form, name="deliberation_create"),
    path("deliberations/<int:pk>/modifier/", ref.deliberation_form, name="deliberation_edit"),
    path("modeles/", docs.template_list, name="template_list"),
    path("modeles/installer/", docs.template_install, name="template_install"),
    path("modeles/<int:pk>/", docs.template_detail, name="template_detail"),
    path("modeles/<int:pk>/modifier/", text.template_edit, name="template_edit"),
    path("modeles/<int:pk>/modifier/<slug:part>/", text.template_part, name="template_part"),
    path("modeles/<int:pk>/copier/", docs.template_copy, name="template_copy"),
    path("modeles/<int:pk>/versions/", text.template_versions, name="template_versions"),
    path(
        "modeles/<int:pk>/versions/<int:number>/retablir/",
        text.template_restore,
        name="template_restore",
    ),
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
    path("verifier/", verify_views.verify_pdf, name="verify_pdf"),
    path("<str:reference>/", views.convention_detail, name="detail"),
    path("<str:reference>/pdf/", docs.convention_pdf, name="pdf"),
    path("<str:reference>/documents/<int:number>/", docs.document_download, name="document"),
    # The text as ODT/DOCX, and a text sent back in one of them (conventions/office_views.py).
    path("<str:reference>/odt/", office.office_download, {"file_format": "odt"}, name="odt"),
    path("<str:reference>/docx/", office.office_download, {"file_format": "docx"}, name="docx"),
    path("<str:reference>/texte/retour/", office.returned_upload, name="returned_upload"),
    path("<str:reference>/texte/retour/<int:pk>/", office.returned_text, name="returned_text"),
    path(
        "<str:reference>/texte/retour/<int:pk>/reprendre/",
        office.returned_take,
        name="returned_take",
    ),
    path("<str:reference>/texte/", text.convention_text, name="text"),
    path("<str:reference>/texte/partie/<slug:part>/", text.convention_text_part, name="text_part"),
    path(
        "<str:reference>/texte/modele/",
        text.convention_text_from_template,
        name="text_from_template",
    ),
    path(
        "<str:reference>/texte/versions/",
        text.convention_text_versions_page,
        name="text_versions",
    ),
    path(
        "<str:reference>/texte/versions/<int:number>/retablir/",
        text.convention_text_restore,
        name="text_restore",
    ),
    path("<str:reference>/signatures/", docs.signatures, name="signatures"),
    path(
        "<str:reference>/transmission/",
        transmission_views.transmission_page,
        name="transmission",
    ),
    path(
        "<str:reference>/transmission/<int:pk>/paquet/",
        transmission_views.transmission_package,
        name="transmission_package",
    ),
    path("<str:reference>/signatures/envoyer/", docs.send_confirm, name="send_confirm"),
    path("<str:reference>/signer/", signing_views.sign, name="sign"),
    path(
        "<str:reference>/signatures/<int:party_pk>/confirmer/",
        docs.sign_confirm,
        name="sign_confirm",
    ),
    path("<str:reference>/abandonner/", views.convention_abandon, name="abandon"),
    path("<str:reference>/supprimer/", views.convention_delete, name="delete"),
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
