"""The deliberation ZIP through the task queue (issue 16): the web request that starts it, the
page's poll, and the ZIP of the demo's largest deliberation (15 conventions) prepared by one and
by two workers.

Run: ``.venv/bin/python benchmarks/bench_queue.py`` (``make bench`` runs it). Prints:

* the POST that asks for the archive (median of 10; it renders nothing, target < 200 ms);
* the progress poll (median of 20: one row read, no convention's document recomputed);
* the archive from the POST to its file stored, with every PDF to render, by one then two
  workers (``manage.py worker`` processes beside this one, as ``make run`` starts one): each
  missing PDF is its own render task, so two workers share them. Each figure is the second of
  two runs (the first loads the fonts in each worker).
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

tmp = configure("iscg-bench-queue-")
# The final version of a signed convention is sealed by the worker: a throw-away certificate.
os.environ.setdefault("SEAL_PKCS12_PATH", f"{tmp}/seal.p12")

STARTS = 10
POLLS = 20
TIMEOUT = 300


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms"


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django_tasks_db.models import DBTaskResult

    from conventions.models import Deliberation, DocumentKind, DocumentVersion
    from iscg.models import PreparedFile, User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from django.conf import settings

    from conventions import sealing

    sealing.make_certificate(
        settings.SEAL_PKCS12_PATH,
        settings.SEAL_PKCS12_PASSWORD,
        organisation="Département du Pas-de-Calais",
    )

    deliberation = (
        Deliberation.objects.annotate(n=Count("convention", distinct=True)).order_by("-n").first()
    )
    conventions = list(deliberation.convention_set.all())
    client = Client()
    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    page = f"/conventions/deliberations/{deliberation.pk}/zip/"
    step = f"{page}progression/"
    htmx = {"HTTP_HX_REQUEST": "true"}
    print(f"délibération {deliberation.number or deliberation.pk} : {len(conventions)} conventions")

    def reset(unrender: bool) -> None:
        DBTaskResult.objects.all().delete()
        for prepared in PreparedFile.objects.all():
            if prepared.file.name:
                prepared.file.storage.delete(prepared.file.name)
        PreparedFile.objects.all().delete()
        if unrender:  # every PDF to render again
            DocumentVersion.objects.filter(
                convention__in=conventions, kind=DocumentKind.GENERATED
            ).update(file="")

    client.get(page)
    starts = []
    for _ in range(STARTS):
        reset(unrender=False)
        rendered = DocumentVersion.objects.exclude(file="").count()
        start = time.perf_counter()
        response = client.post(step, **htmx)
        starts.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        assert DocumentVersion.objects.exclude(file="").count() == rendered  # nothing rendered
    print(
        f"requête qui lance l'archive : {median_ms(starts)} (médiane de {STARTS}), cible < 200 ms"
    )
    polls = []
    for _ in range(POLLS):
        start = time.perf_counter()
        client.get(step, **htmx)
        polls.append(time.perf_counter() - start)
    print(f"suivi de l'avancement (toutes les 2 s) : {median_ms(polls)} (médiane de {POLLS})")

    for count in (1, 2):
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval", "0.05"],
                cwd=ROOT,
                env=os.environ,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        try:
            times = []
            for _run in range(2):
                reset(unrender=True)
                start = time.perf_counter()
                client.post(step, **htmx)
                while True:
                    prepared = PreparedFile.objects.get()
                    if prepared.status != PreparedFile.Status.PENDING:
                        break
                    if time.perf_counter() - start > TIMEOUT:
                        raise SystemExit("archive non prête à temps")
                    time.sleep(0.05)
                times.append(time.perf_counter() - start)
                assert prepared.status == PreparedFile.Status.READY, prepared.error
            label = "1 travailleur" if count == 1 else f"{count} travailleurs"
            print(
                f"archive de {len(conventions)} conventions, tous les PDF à produire, {label} : "
                f"{times[1]:.1f} s (premier passage, polices à charger : {times[0]:.1f} s)"
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)


if __name__ == "__main__":
    main()
