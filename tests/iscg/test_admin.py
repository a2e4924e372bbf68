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
OUR_MODEL_ADMINS = [
    pair for pair in MODEL_ADMINS if pair[0] in {"iscg", "conventions", "financing", "reporting"}
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
