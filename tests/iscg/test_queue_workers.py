"""Several workers on the PostgreSQL queue (production's setup): 200 tasks, none done twice,
none lost, even when a worker is killed in the middle of a task (its task is retried by the
other once the killed one stops beating). Real processes (``manage.py worker``) on the test
database; skipped on SQLite, whose test database lives in this process's memory."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from iscg.models import EmailLog
from tests.iscg import queue_tasks

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _worker(name: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"]
        + ["--interval", "0.1", "--worker-id", name, "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé : {what}")
        time.sleep(0.1)


def test_two_workers_share_the_queue_and_a_killed_worker_loses_nothing():
    if connection.vendor != "postgresql":
        pytest.skip("plusieurs travailleurs : PostgreSQL (la base de test SQLite est en mémoire)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "TASK_HEARTBEAT_SECONDS": "0.5",
        "TASK_STALE_SECONDS": "2",
        "TASK_DAILY_HOUR": "24",  # no daily task in this test
        "DEBUG": "true",
    }
    slow = queue_tasks.record.using(priority=10).enqueue(n=-1, pause=4)  # taken first
    for n in range(200):
        queue_tasks.record.enqueue(n=n)
    workers = {name: _worker(name, env) for name in ("premier", "second")}
    try:

        def slow_claimed() -> bool:
            return DBTaskResult.objects.get(id=slow.id).status == TaskResultStatus.RUNNING

        _wait(slow_claimed, 60, "la tâche lente n'a pas démarré")
        killed = DBTaskResult.objects.get(id=slow.id).worker_ids[-1]
        workers[killed].send_signal(signal.SIGKILL)
        workers[killed].wait(10)
        survivor = next(name for name in workers if name != killed)

        def all_done() -> bool:
            return DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 201

        _wait(all_done, 120, "les 201 tâches ne sont pas toutes faites")
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(10)
    keys = set(EmailLog.objects.values_list("key", flat=True))
    assert keys == {f"record:{n}" for n in range(-1, 200)}  # each side effect once, none lost
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    assert DBTaskResult.objects.get(id=slow.id).worker_ids == [killed, survivor]
    ran_by = {w for r in DBTaskResult.objects.all() for w in r.worker_ids}
    assert ran_by == {"premier", "second"}  # both workers took tasks
