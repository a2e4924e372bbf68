"""The demo bilans: Pas-de-Calais 2022 (Annexe 1) and Aubervilliers 2012, loaded once."""

from datetime import date
from decimal import Decimal

import pytest

from demo.load import load_demo
from reporting import selectors
from reporting.models import Bilan, BilanPart
from reporting.rules import bilan_issues
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator():
    from iscg.models import Organisation

    return UserFactory(
        coordinateur=True, organisation=Organisation.objects.get(slug="pas-de-calais")
    )


@pytest.fixture
def demo(demo_data):
    """The shared demo (tests/conftest.py)."""


def test_dashboard_2022_totals(demo, coordinator):
    board = selectors.dashboard(coordinator, 2022, selectors.Filters(), today=date(2023, 7, 3))
    assert board.totals.referrals == 2731
    assert board.totals.women == 1804
    assert board.totals.men == 522
    assert board.totals.children == 405
    assert board.totals.bilans == 10
    assert board.totals.vif_share == Decimal("64.03")
    reasons = {row.post.slug: row.bilan.no_report_reason for row in board.with_reason}
    assert reasons == {
        "isc_boulonnais": "L'absence de l'intervenante sociale depuis juin 2022 ne permet pas "
        "de faire un bilan annuel.",
        "isg_boulonnais": "L'absence de l'intervenante sociale depuis août 2022 ne permet pas "
        "de faire un bilan annuel.",
    }
    # The ISC Lensois post is in the rapport but has no row in Annexe 1: shown as not received.
    assert [row.post.slug for row in board.not_received] == ["isc_lensois"]
    # Osartis Marquion starts in September 2023: not expected for 2022.
    assert "isg_osartis_marquion" not in {row.post.slug for row in board.rows}


def test_dashboard_page_shows_the_totals_and_reasons(demo, client, coordinator):
    client.force_login(coordinator)
    response = client.get("/bilans/2022/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2\u00a0731" in html
    assert "1\u00a0804" in html
    assert "depuis juin 2022 ne permet pas de faire un bilan annuel" in html
    assert "depuis août 2022 ne permet pas de faire un bilan annuel" in html


def test_arras_post_keeps_its_two_rows_as_units(demo):
    bilan = Bilan.objects.get(post__slug="iscg_arrageois_cua", year=2022)
    assert bilan.referrals_total == 336
    assert bilan.vif_pct == Decimal("60.98")
    parts = list(bilan.parts.order_by("label").values_list("label", "referrals_total"))
    assert parts == [("Commissariat", 222), ("Gendarmerie", 114)]


def test_demo_bilans_obey_the_rules(demo):
    for bilan in Bilan.objects.all():
        assert bilan_issues(bilan.figures(), complete=True) == [], bilan


def test_aubervilliers_2012(demo):
    bilan = Bilan.objects.get(post__organisation__slug="aubervilliers", year=2012)
    assert bilan.referrals_total == 323
    assert (bilan.public_victims, bilan.public_suspects, bilan.public_other) == (84, 44, 195)
    assert bilan.referrals_women is None


def test_loading_twice_changes_nothing(demo):
    before = (
        list(Bilan.objects.order_by("pk").values()),
        Bilan.history.count(),
        BilanPart.history.count(),
    )
    load_demo()
    after = (
        list(Bilan.objects.order_by("pk").values()),
        Bilan.history.count(),
        BilanPart.history.count(),
    )
    assert before == after
