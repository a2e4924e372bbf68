"""How cost grows with the data: pages, engine and import at 1, 10 and 100 organisations of 15 posts
over 10 years (issue 8). Each size gets a fresh SQLite database, or with a PostgreSQL
DATABASE_URL a bench database of its own on that server (demo.benchenv: created, then dropped;
never DATABASE_URL's own data). Prints median and p95 server time (Django test client) and SQL
query counts per page, then checks that the counts are flat across sizes (exit 1 otherwise).

Run: ``.venv/bin/python benchmarks/bench_scale.py [sizes…]`` (default: 1 10 100).
"""

import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402
from iscg.formatting import count_words  # noqa: E402

configure("iscg-bench-scale-", database="scale.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

REPEAT = 20
POSTS, YEARS = 15, 10
#: SQL query counts per page, one per size (flat: the same whatever the data).
QUERIES: dict[str, list[int]] = {}


def timed(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return (
        statistics.median(times),
        times[max(0, int(len(times) * 0.95) - 1)],
        len(ctx.captured_queries),
    )


def reset_database() -> None:
    call_command("flush", interactive=False, verbosity=0)


def bench_size(organisations: int) -> None:
    from conventions.models import Convention
    from demo.dataset import generate_dataset
    from financing import engine
    from financing.models import FinancingPlan
    from iscg.models import Organisation, Role, User

    reset_database()
    start = time.perf_counter()
    counts = generate_dataset(organisations, POSTS, YEARS, last_year=2026)
    built = time.perf_counter() - start
    print(
        f"\n## {count_words(organisations, 'organisation')} : {counts['posts']} postes, {counts['conventions']} conventions, "
        f"{counts['share_lines']} parts, {counts['bilans']} bilans (construits en {built:.1f} s)"
    )
    org = Organisation.objects.get(slug="banc-000")
    gestionnaire = User.objects.create_user(
        f"g{organisations}@bench.fr", role=Role.GESTIONNAIRE, organisation=org
    )
    coordinator = User.objects.filter(email="bench.local@example.fr").first()
    client = Client()
    client.force_login(gestionnaire)
    reference = (
        Convention.objects.filter(organisation=org)
        .order_by("reference")
        .values_list("reference", flat=True)[0]
    )
    pages = [
        ("liste des conventions", "/conventions/"),
        ("page d'une convention", f"/conventions/{reference}/"),
        ("tableau de financement 2026", "/financement/2026/"),
    ]
    for label, url in pages:
        median, p95, queries = timed(client, url)
        QUERIES.setdefault(label, []).append(queries)
        print(f"{label:<34} médiane {median:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} requêtes")
    client.force_login(coordinator)
    median, p95, queries = timed(client, "/bilans/2025/")
    QUERIES.setdefault("tableau de bord des bilans 2025", []).append(queries)
    print(
        f"{'tableau de bord des bilans 2025':<34} médiane {median:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} requêtes"
    )
    plans = [
        engine.parse_plan(data) for data in FinancingPlan.objects.values_list("data", flat=True)
    ]
    start = time.perf_counter()
    for plan in plans:
        engine.compute_plan(plan)
    print(
        f"{'moteur de financement':<34} {len(plans)} plans en {(time.perf_counter() - start) * 1000:.0f} ms"
    )


def _watch_progress(job_id: int):
    """What the job's page reads while the worker imports: the job's ``done`` every 0.5 s,
    from another thread (its own database connection)."""
    import threading

    from django.db import connection as thread_connection

    from iscg.models import ImportJob

    class Watcher(threading.Thread):
        def __init__(self):
            super().__init__(daemon=True)
            self.values: list[int] = []
            self.stopped = threading.Event()

        def run(self):
            try:
                while not self.stopped.wait(0.5):
                    done = ImportJob.objects.filter(pk=job_id).values_list("done", flat=True)
                    value = next(iter(done), None)
                    if value is not None and (not self.values or value != self.values[-1]):
                        self.values.append(value)
            finally:
                thread_connection.close()

        def stop(self):
            self.stopped.set()
            self.join()

    watcher = Watcher()
    watcher.start()
    return watcher


def bench_import(rows: int = 10_000) -> None:
    """The import of ``rows`` lines of bilans as a gestionnaire does it: the request that
    deposits the file (it only stores it and queues the job: target < 200 ms), then the
    worker's job (``iscg.imports.run``: every row checked, all written in one transaction)."""
    from conventions.models import Party, Post
    from iscg import imports
    from iscg.models import ImportJob, Organisation, Role, User
    from reporting.imports import COLUMNS

    reset_database()
    org = Organisation.objects.create(name="Import", slug="import")
    employer = Party.objects.create(organisation=org, slug="emp", kind="epci", name="EPCI")
    posts = Post.objects.bulk_create(
        Post(organisation=org, slug=f"poste-{i}", name=f"Poste {i}", kind="ISC", employer=employer)
        for i in range(rows // YEARS)
    )
    user = User.objects.create_user("import@bench.fr", role=Role.GESTIONNAIRE, organisation=org)
    header = [
        "poste",
        "annee",
        "saisines_femmes",
        "saisines_hommes",
        "saisines_enfants",
        "saisines_total",
    ]
    assert all(column in COLUMNS for column in header)
    out = io.StringIO()
    out.write(";".join(header) + "\r\n")
    for post in posts:
        for year in range(2017, 2017 + YEARS):
            out.write(f"{post.slug};{year};10;5;2;17\r\n")
    content = out.getvalue().encode("utf-8")
    client = Client()
    client.force_login(user)
    client.get("/bilans/import/")  # warm: the first request of a process loads its modules
    deposits = []
    for _ in range(3):
        upload = io.BytesIO(content)
        upload.name = "bilans.csv"
        start = time.perf_counter()
        response = client.post("/bilans/import/", {"file": upload})
        deposits.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    deposit = statistics.median(deposits)
    first, *others = ImportJob.objects.order_by("pk")
    ImportJob.objects.filter(pk__in=[o.pk for o in others]).delete()
    job = first
    seen = _watch_progress(job.pk)
    start = time.perf_counter()
    imports.run(job.pk)
    elapsed = time.perf_counter() - start
    seen.stop()
    job.refresh_from_db()
    result = job.result
    status = (
        "ok"
        if job.status == "termine"
        else f"{job.get_status_display()} : {(result.get('errors') or [job.error])[0]}"
    )
    print(f"progression lue par la page pendant l'import (lignes vérifiées) : {seen.values}")
    print(
        f"\n## import de {rows} lignes de bilans (CSV) : dépôt (requête, médiane de 3) {deposit * 1000:.0f} ms ; "
        f"import par le travailleur {elapsed:.1f} s — {result.get('created', 0)} créées, {status}"
    )


def flat_queries(queries: dict[str, list[int]]) -> list[str]:
    """The pages whose query count changes with the size of the data."""
    return [label for label, counts in queries.items() if len(set(counts)) > 1]


def main() -> int:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    if sys.argv[1:] == ["import"]:  # the import alone: python benchmarks/bench_scale.py import
        bench_import()
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1, 10, 100]
    print(f"Base : {connection.vendor} ({connection.settings_dict['NAME']})")
    for size in sizes:
        bench_size(size)
    bench_import()
    print(f"\n## requêtes SQL par page à {', '.join(map(str, sizes))} organisations")
    for label, counts in QUERIES.items():
        print(f"{label:<34} {' / '.join(map(str, counts))}")
    growing = flat_queries(QUERIES)
    print(
        "nombre de requêtes constant quelle que soit la taille : "
        + ("oui" if not growing else "NON (" + ", ".join(growing) + ")")
    )
    return 1 if growing else 0


if __name__ == "__main__":
    sys.exit(main())
