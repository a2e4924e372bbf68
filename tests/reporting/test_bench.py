"""The dashboard benchmark runs on a tiny generated dataset and leaves nothing behind."""

import pytest

from demo.bench import bench_dashboard
from reporting.models import Bilan

pytestmark = pytest.mark.django_db


def test_bench_dashboard_small_and_rolled_back():
    results = bench_dashboard(organisations=2, posts_per_org=3, years=2, repeat=2)
    assert results["posts"] == 6
    assert results["bilans"] == 12
    assert results["national_page_queries"] == results["organisation_page_queries"] + 1
    assert results["national_page_ms"] > 0
    for label in ("national", "organisation"):
        assert results[f"{label}_page_p95_ms"] >= results[f"{label}_page_ms"]
        assert 0 < results[f"{label}_sql_ms"] <= results[f"{label}_page_ms"]
        assert results[f"{label}_ratio"] >= 1
    assert not Bilan.objects.exists()
