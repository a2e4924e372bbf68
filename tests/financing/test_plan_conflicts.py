"""Optimistic locking of the plan editor (issue 18, lost updates): two gestionnaires save the
plan of the same post from the same loaded page; the second gets the conflict page (409) with
both plans in words, and the first plan stays as saved (demo data, PDC2023-A13)."""

import json
from html import unescape

import pytest
from django.urls import reverse

from demo.users import GESTIONNAIRE_EMAIL
from financing.models import FinancingPlan, PlanDraft
from iscg.models import User
from tests.conflicts import refused_as_stale
from tests.factories import UserFactory
from tests.financing.test_views import guided_post, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data", "a13_as_draft")]

A13 = "PDC2023-A13"
URL = reverse("conventions:plan", args=[A13])


@pytest.fixture
def first(client):
    client.force_login(User.objects.get(email=GESTIONNAIRE_EMAIL))
    return client


@pytest.fixture
def second():
    from django.test import Client

    demo = User.objects.get(email=GESTIONNAIRE_EMAIL)
    other = UserFactory(
        gestionnaire=True, organisation=demo.organisation, first_name="Bruno", last_name="Rival"
    )
    client = Client()
    client.force_login(other)
    return client


def _loaded(client, **changes) -> dict:
    """The guided editor as a page shows it, with its version token, some fields changed."""
    data = guided_post(client, A13, **changes)
    data["version"] = client.get(URL).context["version"]
    return data


def _state_2023_etat() -> int:
    plan = FinancingPlan.objects.get(convention__reference=A13)
    return plan.lines.get(year=2023, party__slug="etat_62").amount


def test_the_second_save_from_the_same_page_gets_the_conflict_page(first, second):
    mine = _loaded(first, **{"part-0-amount": "15000"})
    theirs = _loaded(second, **{"part-0-amount": "12000"})
    assert mine["version"] == theirs["version"]
    assert second.post(URL, theirs).status_code == 302
    saved = snapshot(A13)
    refused = first.post(URL, mine)
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "Quelqu'un a enregistré entre-temps" in html
    assert "le plan de financement du poste" in html
    assert "Bruno Rival" in html
    flat = " ".join(html.replace("\u202f", " ").replace("\u00a0", " ").split())
    assert "État : 12 000 € par an" in flat  # what the other saved
    assert "État : 15 000 € par an" in flat  # what this one tried to save
    assert snapshot(A13) == saved  # nothing written: the plan, its lines, their history
    assert _state_2023_etat() == 4000  # 12 000 € a year for four months


def test_a_fresh_page_saves(first):
    first.post(URL, _loaded(first, **{"part-0-amount": "12000"}))
    response = first.post(URL, _loaded(first, **{"part-0-amount": "15000"}))
    assert response.status_code == 302
    assert _state_2023_etat() == 5000


def test_a_draft_saved_in_between_is_not_overwritten_by_the_plan(first, second):
    mine = _loaded(first, **{"part-0-amount": "15000"})
    draft = _loaded(second, **{"part-0-amount": "1", "action": "brouillon"})
    assert second.post(URL, draft).status_code == 302
    assert first.post(URL, mine).status_code == 409
    assert PlanDraft.objects.get(convention__reference=A13).data["part-0-amount"] == "1"
    assert "version" not in PlanDraft.objects.get(convention__reference=A13).data


def test_a_stale_draft_or_its_abandon_is_refused(first, second):
    stale = first.get(URL).context["version"]
    assert second.post(URL, _loaded(second, **{"part-0-amount": "12000"})).status_code == 302
    draft = _loaded(first, **{"part-0-amount": "1", "action": "brouillon"})
    assert first.post(URL, {**draft, "version": stale}).status_code == 409
    assert not PlanDraft.objects.filter(convention__reference=A13).exists()
    assert (
        second.post(
            URL, _loaded(second, **{"part-0-amount": "2", "action": "brouillon"})
        ).status_code
        == 302
    )
    abandon = {"mode": "guided", "action": "abandonner_brouillon", "version": stale}
    assert first.post(URL, abandon).status_code == 409
    assert PlanDraft.objects.filter(convention__reference=A13).exists()


def test_an_import_over_a_newer_plan_is_refused(first, second):
    stale = first.get(URL).context["version"]
    exported = first.get(URL + "?exporter=1").content.decode()
    assert second.post(URL, _loaded(second, **{"part-0-amount": "12000"})).status_code == 302
    before = snapshot(A13)
    refused = first.post(URL, {"mode": "json", "plan": exported, "version": stale})
    assert refused.status_code == 409
    assert snapshot(A13) == before
    assert json.loads(exported) != FinancingPlan.objects.get(convention__reference=A13).data


def test_a_save_without_the_version_is_refused_as_a_stale_page(first):
    """A page from before the locking (or a script) does not say what it loaded: refused,
    whatever it posts (the plan, a draft), and nothing is written."""
    data = _loaded(first, **{"part-0-amount": "15000"})
    del data["version"]
    before = snapshot(A13)
    refused_as_stale(first.post(URL, data), "le plan de financement du poste")
    refused_as_stale(first.post(URL, {**data, "action": "brouillon"}))
    assert first.post(URL, {**data, "version": ""}).status_code == 409  # an empty one too
    assert snapshot(A13) == before
    assert not PlanDraft.objects.filter(convention__reference=A13).exists()
    assert first.post(URL, _loaded(first, **{"part-0-amount": "15000"})).status_code == 302
