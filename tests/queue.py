"""The task queue run by the tests themselves (the ``run_tasks`` fixture, the browser
journeys' downloads)."""


def run_queue(max_tasks: int | None = None) -> int:
    """Run what the queue holds, in this process and this test's transaction, as a worker in
    batch mode would (``manage.py worker --batch``); returns how many tasks ran. Tasks a task
    enqueues run too (up to ``max_tasks``); tasks scheduled for later (a retry's backoff) stay queued. The worker's
    closing of old connections is left out: it would close the test's open transaction."""
    from django_tasks_db.management.commands import db_worker

    from iscg.management.commands.worker import Worker

    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda: None
    try:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id="tests",
            excluded_queue_names=[],
        )
        worker.housekeep = False
        worker.run()
        return worker._run_tasks
    finally:
        db_worker.close_old_connections = original


def import_through_page(client, url: str, data: dict):
    """Deposit a spreadsheet on an import page as a user does: the page stores it and answers
    with the job's page (HTTP 302, nothing imported yet); the worker runs (in this process);
    returns the job's page, which then shows the outcome."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    location = response["Location"]
    assert location.startswith("/imports/"), location
    assert "Fichier déposé" in client.get(location).content.decode()
    run_queue()
    return client.get(location)
