"""Every admin changelist and add page answers 200 for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
# Our own models (third-party logs such as axes' access attempts have no add page by design).
#: Rows that only the services create (share lines follow from their plan; collection returns
#: and their collections are read by the worker; signature requests are opened by
#: sending to signature): no add page.
SERVICE_OWNED = {
    ("financing", "shareline"),
    ("financing", "collection"),
    ("financing", "collectionimport"),
    ("conventions", "signaturerequest"),
}
OUR_MODEL_ADMINS = [
    pair
    for pair in MODEL_ADMINS
    if pair[0] in {"iscg", "conventions", "financing", "reporting"} and pair not in SERVICE_OWNED
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(admin=True))
    return client


@pytest.mark.parametrize(("app_label", "model_name"), MODEL_ADMINS)
def test_changelist_answers_200(admin_client, app_label, model_name):
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), OUR_MODEL_ADMINS)
def test_add_page_answers_200(admin_client, app_label, model_name):
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert response.status_code == 200


def test_admin_is_in_french(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "Bienvenue" in response.text or "Administration" in response.text


# --------------------------------------------------------------------------- no back doors


def _change_form_data(response) -> dict:
    """What the admin change form posts back unchanged: its fields and its inlines'."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += list(formset.forms)
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
    for form in forms:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            widget = bound.field.widget
            if hasattr(widget, "widgets"):  # split date and time
                parts = widget.decompress(value) if not isinstance(value, list) else value
                for index, part in enumerate(parts):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else part
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def _post_change(client, obj, **changes):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {**_change_form_data(page), **changes, "_save": "Enregistrer"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
    return response


def test_the_admin_cannot_set_a_conventions_status_text_or_frozen_text(admin_client):
    from conventions.models import ConventionStatus
    from tests.factories import ConventionFactory

    convention = ConventionFactory(status=ConventionStatus.DRAFT, text={})
    _post_change(
        admin_client,
        convention,
        status=ConventionStatus.SIGNED,
        text='{"title": "détourné"}',
        text_frozen_at_0="2023-01-01",
        text_frozen_at_1="10:00:00",
        title="Titre changé",
    )
    assert convention.title == "Titre changé"  # the form is saved: what is not owned changes
    assert convention.status == ConventionStatus.DRAFT
    assert convention.text == {} and convention.text_frozen_at is None


def test_the_admin_cannot_set_a_plan_its_actual_costs_or_its_share_lines(admin_client):
    from decimal import Decimal

    from financing.models import FinancingPlan, PlanYear, ShareLine
    from tests.access import build_world

    world = build_world()
    plan = FinancingPlan.objects.create(convention=world.c1, post=world.post, data={"v": 1})
    year = PlanYear.objects.create(plan=plan, year=2023, months=12, cost=Decimal("1000"))
    _post_change(
        admin_client,
        plan,
        data='{"hacked": true}',
        months_by_hand="on",
        notes="Une remarque",
        **{"years-0-actual_cost": "5000", "years-0-cost": "9"},
    )
    year.refresh_from_db()
    assert plan.notes == "Une remarque"
    assert plan.data == {"v": 1} and plan.months_by_hand is False
    assert year.actual_cost is None and year.cost == Decimal("1000")
    line = ShareLine.objects.create(
        plan=plan,
        convention=world.c1,
        post=world.post,
        organisation=world.org,
        year=2023,
        party=world.party,
        amount=Decimal("1000"),
    )
    _post_change(admin_client, line, amount="1", as_written="2", is_remainder="on")
    assert line.amount == Decimal("1000") and line.as_written is None and not line.is_remainder
    add = admin_client.get(reverse("admin:financing_shareline_add"))
    assert add.status_code == 403


def test_the_admin_cannot_set_a_bilans_status_or_timestamps(admin_client):
    from reporting.models import BilanStatus
    from tests.factories import BilanFactory

    bilan = BilanFactory()
    _post_change(
        admin_client,
        bilan,
        status=BilanStatus.VALIDATED,
        submitted_at_0="2023-01-01",
        submitted_at_1="10:00:00",
        reviewed_at_0="2023-01-02",
        reviewed_at_1="10:00:00",
        review_comment="validé en douce",
        comment="Constats anonymes.",
    )
    assert bilan.comment == "Constats anonymes."
    assert bilan.status == BilanStatus.DRAFT
    assert bilan.submitted_at is None and bilan.reviewed_at is None and bilan.review_comment == ""
