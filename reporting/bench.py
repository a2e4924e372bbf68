"""Benchmark of the bilans dashboard on a national-size generated dataset.

``bench_dashboard()`` needs a configured Django with a migrated database: it generates
``organisations × posts_per_org`` posts with ``years`` bilans each (bulk inserts), times the
dashboard (selectors alone, then the full page and its CSV export through the test client, for a
national coordinator and for one organisation's coordinator), and rolls everything back.

Stand-alone: ``.venv/bin/python -m reporting.bench`` (temporary SQLite database).
"""

import os
import statistics
import sys
import time
from decimal import Decimal


def _timed(function, repeat: int) -> tuple[float, object]:
    """Median duration in milliseconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def generate(organisations: int, posts_per_org: int, years: int, last_year: int) -> dict:
    """Bulk-create the synthetic dataset; return a few of its objects."""
    from conventions.models import Party, PartyKind, Post, PostKind
    from iscg.models import Organisation, Role, User
    from reporting.models import Bilan, BilanStatus

    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Banc d'essai {i:03d}", slug=f"banc-{i:03d}")
        for i in range(organisations)
    )
    kinds = [PartyKind.DEPARTEMENT, PartyKind.EPCI, PartyKind.EPCI, PartyKind.EPCI]
    kinds += [PartyKind.ASSOCIATION]
    parties = Party.objects.bulk_create(
        Party(organisation=org, slug=f"p{j}", kind=kind, name=f"{kind} {j} — {org.slug}")
        for org in orgs
        for j, kind in enumerate(kinds)
    )
    by_org = {}
    for party in parties:
        by_org.setdefault(party.organisation_id, []).append(party)
    post_kinds = [PostKind.ISC, PostKind.ISG, PostKind.ISCG]
    posts = Post.objects.bulk_create(
        Post(
            organisation=org,
            slug=f"poste-{k}",
            name=f"Poste {k} — {org.slug}",
            kind=post_kinds[k % 3],
            employer=by_org[org.pk][[0, 1, 4][k % 3]],
            first_year=last_year - years + 1,
            communes_count=10 + k,
        )
        for org in orgs
        for k in range(posts_per_org)
    )
    through = Post.epcis.through
    through.objects.bulk_create(
        through(post_id=post.pk, party_id=by_org[post.organisation_id][1 + (index + extra) % 3].pk)
        for index, post in enumerate(posts)
        for extra in range(1 + index % 2)
    )
    bilans = []
    for index, post in enumerate(posts):
        for year in range(last_year - years + 1, last_year + 1):
            if (index + year) % 29 == 0:
                bilans.append(
                    Bilan(
                        post=post,
                        year=year,
                        status=BilanStatus.VALIDATED,
                        no_report_reason="Poste vacant.",
                    )
                )
                continue
            women, men, children = 80 + index % 50, 20 + year % 7, 10 + index % 9
            bilans.append(
                Bilan(
                    post=post,
                    year=year,
                    status=BilanStatus.VALIDATED if year < last_year else BilanStatus.SUBMITTED,
                    referrals_women=women,
                    referrals_men=men,
                    referrals_children=children,
                    referrals_total=women + men + children,
                    interviews_total=2 * (women + men + children),
                    vif_pct=Decimal(40 + index % 50),
                    public_victims=women,
                    public_suspects=men,
                    public_other=children,
                )
            )
    Bilan.objects.bulk_create(bilans, batch_size=2000)
    national = User.objects.create_user(
        "bench.national@example.fr", role=Role.COORDINATEUR, is_national=True
    )
    local = User.objects.create_user(
        "bench.local@example.fr", role=Role.COORDINATEUR, organisation=orgs[0]
    )
    return {"posts": len(posts), "bilans": len(bilans), "national": national, "local": local}


def bench_dashboard(
    organisations: int = 100, posts_per_org: int = 15, years: int = 10, repeat: int = 3
) -> dict:
    """Generate the dataset, time the dashboard, roll back. Returns timings in milliseconds."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reporting import selectors

    last_year = 2025
    results: dict = {}
    with transaction.atomic():
        start = time.perf_counter()
        data = generate(organisations, posts_per_org, years, last_year)
        results.update(
            posts=data["posts"],
            bilans=data["bilans"],
            generate_ms=round((time.perf_counter() - start) * 1000),
        )
        for label, user in (("national", data["national"]), ("organisation", data["local"])):
            elapsed, _ = _timed(
                lambda user=user: selectors.dashboard(user, last_year, selectors.Filters()),
                repeat,
            )
            results[f"{label}_selectors_ms"] = round(elapsed, 1)
            client = Client()
            client.force_login(user)
            for page, url in (
                ("page", f"/bilans/{last_year}/"),
                ("csv", f"/bilans/{last_year}/tableau.csv"),
            ):
                client.get(url)  # warm-up
                elapsed, response = _timed(lambda url=url, c=client: c.get(url), repeat)
                assert response.status_code == 200, response.status_code
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                results[f"{label}_{page}_ms"] = round(elapsed, 1)
                results[f"{label}_{page}_queries"] = len(queries.captured_queries)
        transaction.set_rollback(True)
    return results


def main() -> None:  # pragma: no cover - command line entry point
    import tempfile

    tmp = tempfile.mkdtemp(prefix="iscg-bench-bilans-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("MEDIA_ROOT", f"{tmp}/media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "iscg.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    args = [int(a) for a in sys.argv[1:4]]
    results = bench_dashboard(*args)
    print(
        f"bilans : {results['posts']} postes, {results['bilans']} bilans "
        f"(génération {results['generate_ms']} ms)"
    )
    for label, name in (
        ("national", "coordination nationale"),
        ("organisation", "une organisation"),
    ):
        print(
            f"tableau de bord {name} : sélecteurs {results[f'{label}_selectors_ms']} ms, "
            f"page {results[f'{label}_page_ms']} ms ({results[f'{label}_page_queries']} requêtes), "
            f"CSV {results[f'{label}_csv_ms']} ms ({results[f'{label}_csv_queries']} requêtes)"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
