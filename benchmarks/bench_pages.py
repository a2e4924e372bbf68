"""Server time of the main pages on the demo data (Django test client, SQLite in a temp dir).

Prints, per page, the median and p95 of repeated requests and the number of SQL queries.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

configure("iscg-bench-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from iscg.models import User  # noqa: E402

REPEAT = 30


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    client.get(url)  # warm caches
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return statistics.median(times), p95, len(ctx.captured_queries), response.status_code


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    pages = {
        "liste des conventions": "/conventions/",
        "page d'une convention": "/conventions/PDC2023-A08/",
        "tableau de financement 2023": "/financement/2023/",
        "bilans 2022": "/bilans/2022/",
    }
    for label, url in pages.items():
        median, p95, queries, status = measure(client, url)
        if status != 200:
            print(f"{label:<32} {url:<28} HTTP {status} (page absente)")
            continue
        print(
            f"{label:<32} {url:<28} médiane {median:6.1f} ms  p95 {p95:6.1f} ms  {queries:3d} requêtes SQL"
        )


if __name__ == "__main__":
    main()
