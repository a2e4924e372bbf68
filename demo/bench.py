"""Benchmark of the bilans dashboard on a national-size generated dataset.

``bench_dashboard()`` needs a configured Django with a migrated database: it generates
``organisations × posts_per_org`` posts with ``years`` bilans each (bulk inserts), times the
dashboard for a national coordinator (its first view: one row per organisation) and for one
organisation's coordinator (the table of its posts): the selectors alone, the full page through the
test client (median and p95), the page's SQL replayed alone (the same statements and parameters
on a bare cursor, the floor the page cannot go under) and the ratio of the two, and the CSV export
(every post); then rolls everything back.

Stand-alone: ``.venv/bin/python -m demo.bench [organisations posts years repeat]``
(temporary SQLite database).
"""

import math
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal


def _timings(function, repeat: int) -> tuple[list[float], object]:
    """Durations in milliseconds of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _timed(function, repeat: int) -> tuple[float, object]:
    """Median duration in milliseconds of ``repeat`` calls, and the last result."""
    times, result = _timings(function, repeat)
    return statistics.median(times), result


def percentile(times: list[float], rank: int) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(len(ordered) * rank / 100) - 1)]


def page_statements(client, url: str) -> list[tuple[str, object]]:
    """The SELECT statements (SQL and parameters) the database runs for one request of ``url``."""
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return statements


def replay(statements) -> None:
    """Run the statements on a bare cursor and fetch every row: the SQL alone, no ORM."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


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
            reviewed_at = datetime(year + 1, 1, 31, 12, tzinfo=UTC)  # due by 31 January N+1
            if (index + year) % 29 == 0:
                bilans.append(
                    Bilan(
                        post=post,
                        year=year,
                        status=BilanStatus.VALIDATED,
                        submitted_at=reviewed_at,
                        reviewed_at=reviewed_at,
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
                    submitted_at=reviewed_at,
                    reviewed_at=reviewed_at if year < last_year else None,
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
    organisations: int = 100, posts_per_org: int = 15, years: int = 10, repeat: int = 20
) -> dict:
    """Generate the dataset, time the dashboard, roll back. Returns timings in milliseconds and
    query counts (the page's SELECT statements, as replayed for the SQL alone)."""
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
                lambda user=user, label=label: selectors.dashboard(
                    user,
                    last_year,
                    selectors.Filters(),
                    by_organisation=label == "national",
                ),
                repeat,
            )
            results[f"{label}_selectors_ms"] = round(elapsed, 1)
            client = Client()
            client.force_login(user)
            url = f"/bilans/{last_year}/"
            client.get(url)  # warm-up
            times, response = _timings(lambda url=url, c=client: c.get(url), repeat)
            assert response.status_code == 200, response.status_code
            statements = page_statements(client, url)
            replay(statements)  # warm-up
            sql_times, _ = _timings(lambda s=statements: replay(s), repeat)
            page_ms, sql_ms = statistics.median(times), statistics.median(sql_times)
            results[f"{label}_page_ms"] = round(page_ms, 1)
            results[f"{label}_page_p95_ms"] = round(percentile(times, 95), 1)
            results[f"{label}_page_queries"] = len(statements)
            results[f"{label}_sql_ms"] = round(sql_ms, 1)
            results[f"{label}_sql_p95_ms"] = round(percentile(sql_times, 95), 1)
            results[f"{label}_ratio"] = round(page_ms / sql_ms, 1) if sql_ms else None
            csv_url = f"/bilans/{last_year}/tableau.csv"
            client.get(csv_url)  # warm-up
            elapsed, response = _timed(lambda c=client, u=csv_url: c.get(u), repeat)
            assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as queries:
                client.get(csv_url)
            results[f"{label}_csv_ms"] = round(elapsed, 1)
            results[f"{label}_csv_queries"] = len(queries.captured_queries)
        transaction.set_rollback(True)
    return results


def main() -> None:  # pragma: no cover - command line entry point
    from demo.benchenv import configure

    configure("iscg-bench-bilans-")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    args = [int(a) for a in sys.argv[1:5]]
    results = bench_dashboard(*args)
    print(
        f"bilans : {results['posts']} postes, {results['bilans']} bilans "
        f"(génération {results['generate_ms']} ms)"
    )
    for label, name in (
        ("national", "coordination nationale (par organisation)"),
        ("organisation", "une organisation (par poste)"),
    ):
        print(
            f"tableau de bord {name} : page médiane {results[f'{label}_page_ms']} ms, "
            f"p95 {results[f'{label}_page_p95_ms']} ms ({results[f'{label}_page_queries']} "
            f"requêtes) ; SQL seul médiane {results[f'{label}_sql_ms']} ms, "
            f"p95 {results[f'{label}_sql_p95_ms']} ms ; rapport page / SQL "
            f"{results[f'{label}_ratio']} ; sélecteurs {results[f'{label}_selectors_ms']} ms ; "
            f"CSV (tous les postes) {results[f'{label}_csv_ms']} ms "
            f"({results[f'{label}_csv_queries']} requêtes)"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
