"""A plan's size is bounded (issue 18): computing a plan costs years × shares, and an imported
plan of 700 years and 1 500 shares (115 KB) took 36 s in the request."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from financing import engine


def _plan(years: int, shares: int) -> dict:
    return {
        "rounding": "down",
        "first_year": 2000,
        "years": [{"year": 2000 + i, "annual_cost": "30000", "months": 12} for i in range(years)],
        "shares": [{"party": f"p{i}", "rule": "fixed", "amount": "1"} for i in range(shares)]
        + [{"party": "employeur", "rule": "remainder"}],
    }


def test_a_plan_within_the_bounds_is_read():
    plan = engine.read_plan(_plan(engine.MAX_YEARS, engine.MAX_SHARES - 1))
    assert len(plan.years) == 60 and len(plan.shares) == 100


def test_too_many_years_or_shares_are_refused_in_french_before_any_computation():
    with pytest.raises(engine.PlanError, match="Le plan a 61 années : 60 au plus."):
        engine.read_plan(_plan(61, 1))
    with pytest.raises(engine.PlanError, match="Le plan a 1501 parts : 100 au plus."):
        engine.read_plan(_plan(1, 1500))


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_data")
def test_the_plan_page_refuses_an_imported_plan_too_large_and_saves_nothing(client):
    from conventions.models import Convention, ConventionStatus
    from demo.users import GESTIONNAIRE_EMAIL
    from financing.models import FinancingPlan
    from iscg.models import User

    Convention.objects.filter(reference="PDC2023-A13").update(
        status=ConventionStatus.DRAFT, text_frozen_at=None
    )
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    before = FinancingPlan.objects.get(convention__reference="PDC2023-A13").data
    bomb = json.dumps(_plan(700, 1500)).encode()
    upload = SimpleUploadedFile("plan.json", bomb, content_type="application/json")
    url = reverse("conventions:plan", args=["PDC2023-A13"])
    response = client.post(url, {"mode": "json", "fichier": upload})
    assert response.status_code == 400
    assert "Le plan a 1501 parts : 100 au plus." in response.content.decode()
    assert FinancingPlan.objects.get(convention__reference="PDC2023-A13").data == before
