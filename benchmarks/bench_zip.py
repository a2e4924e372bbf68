"""The deliberation ZIP by real workers: one, then two ``manage.py worker`` processes.

Run: ``.venv/bin/python benchmarks/bench_zip.py`` (``make bench`` runs it). On a throw-away SQLite
database with the demo, the deliberation with the most conventions (the Pas-de-Calais one of
3 July 2023, 15 conventions), every PDF to render. Prints:

* the web request that starts the preparation (POST of the progress fragment, as the page's
  button does with htmx): it only queues the task (target < 200 ms), and the progress fragment
  the page then polls;
* the time from that request to the stored archive, with one worker and with two (each worker
  started beforehand and warm: it loads the PDF engine before its first heartbeat). The ZIP task
  decides every document, queues each render as its own task, and renders from the last one
  back; a second worker takes the queued renders from the first one.
"""

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

tmp = configure("iscg-bench-zip-")

RUNS = 2  # per number of workers
POLLS = 10


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.tasks import TaskResultStatus
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from conventions import bundles
    from conventions.models import Convention, Deliberation, DocumentKind, DocumentVersion
    from demo.users import GESTIONNAIRE_EMAIL
    from iscg.formatting import count_words
    from iscg.models import User, WorkerHeartbeat

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if connection.vendor == "sqlite":  # the workers and this process share the file
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")

    user = User.objects.get(email=GESTIONNAIRE_EMAIL)
    deliberation = max(
        Deliberation.objects.all(),
        key=lambda d: Convention.objects.filter(deliberations=d).count(),
    )
    _, conventions = bundles.deliberation_for(user, deliberation.pk)
    # Every document decided once (as the first ZIP would), then each run renders them all.
    decided = [bundles.decided_document(c, user) for c in conventions]
    generated = [d.pk for d in decided if d.kind == DocumentKind.GENERATED]
    print(
        f"délibération {deliberation.number or deliberation.pk} : {len(conventions)} conventions, "
        f"{len(generated)} PDF à rendre à chaque essai (base {connection.vendor})"
    )

    def reset() -> None:
        DBTaskResult.objects.all().delete()
        WorkerHeartbeat.objects.all().delete()
        for version in DocumentVersion.objects.filter(pk__in=generated):
            if version.file:
                version.file.delete(save=False)
        DocumentVersion.objects.filter(pk__in=generated).update(
            file="", sha256="", size=0, pages=None
        )
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "archives", ignore_errors=True)

    client = Client()
    client.force_login(user)
    progress_url = reverse("conventions:deliberation_zip_progress", args=[deliberation.pk])
    client.get(progress_url)  # this process's first request (imports, templates) not timed

    def start_workers(count: int) -> list[subprocess.Popen]:
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "worker"],
                cwd=ROOT,
                env=os.environ,
                stdout=subprocess.DEVNULL,
                stderr=open(Path(tmp) / f"worker-{count}-{n}.log", "a"),  # noqa: SIM115
            )
            for n in range(count)
        ]
        started = time.perf_counter()
        while WorkerHeartbeat.objects.count() < count:  # beating = PDF engine loaded
            if time.perf_counter() - started > 120:
                raise RuntimeError("workers did not start: see worker-*.log in " + tmp)
            time.sleep(0.1)
        return workers

    def stop(workers: list[subprocess.Popen]) -> None:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()

    requests, polls = [], []
    for count in (1, 2):
        durations, shared = [], []
        for _ in range(RUNS):
            reset()
            workers = start_workers(count)
            try:
                start = time.perf_counter()
                response = client.post(progress_url, HTTP_HX_REQUEST="true")
                requests.append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code
                while True:
                    task = DBTaskResult.objects.filter(task_path=bundles.TASK_PATH).first()
                    if task is not None and task.status in (
                        TaskResultStatus.SUCCESSFUL,
                        TaskResultStatus.FAILED,
                    ):
                        break
                    if time.perf_counter() - start > 600:
                        raise RuntimeError("the ZIP was not ready in 10 minutes")
                    time.sleep(0.02)
                durations.append(time.perf_counter() - start)
                assert task.status == TaskResultStatus.SUCCESSFUL, task.exception_class_path
                assert (task.return_value or {}).get("archive"), task.return_value
                for _ in range(POLLS):
                    begin = time.perf_counter()
                    client.get(progress_url, HTTP_HX_REQUEST="true")
                    polls.append(time.perf_counter() - begin)
                # Renders the other worker did while the ZIP task ran (its share of the work).
                zip_worker = task.worker_ids[-1]
                shared.append(
                    sum(
                        1
                        for ids in DBTaskResult.objects.filter(
                            task_path=bundles.RENDER_TASK_PATH,
                            status=TaskResultStatus.SUCCESSFUL,
                            finished_at__lte=task.finished_at,
                        ).values_list("worker_ids", flat=True)
                        if ids and ids[-1] != zip_worker
                    )
                )
            finally:
                stop(workers)
        others = (
            f" ; tâches de rendu prises par l'autre travailleur : {', '.join(map(str, shared))}"
        )
        print(
            f"ZIP de {len(conventions)} conventions, {count_words(count, 'travailleur')} : "
            f"{statistics.median(durations):.2f} s (essais : "
            f"{', '.join(f'{d:.2f}' for d in durations)} s), "
            f"{statistics.median(durations) / len(generated) * 1000:.0f} ms par PDF"
            + (others if count > 1 else "")
        )
    print(
        f"requête qui lance le ZIP (POST {progress_url}) : médiane "
        f"{statistics.median(requests) * 1000:.0f} ms, max {max(requests) * 1000:.0f} ms "
        f"(cible < 200 ms) ; fragment de progression suivi par la page : médiane "
        f"{statistics.median(polls) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
