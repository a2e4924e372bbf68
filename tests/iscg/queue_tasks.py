"""Tasks used by the queue's tests (importable by a worker process: ``tests.iscg.queue_tasks``)."""

import time

from django.tasks import task

from iscg.models import EmailLog


@task()
def always_fails(*, label: str) -> None:
    raise RuntimeError(f"échec voulu : {label}")


@task()
def record(*, n: int, pause: float = 0.0) -> int:
    """A side effect that cannot happen twice (a unique key): a task run twice fails loudly."""
    time.sleep(pause)
    EmailLog.objects.create(key=f"record:{n}", to=[], subject=f"tâche {n}", body="")
    return n
