from django.apps import AppConfig


class IscgConfig(AppConfig):
    name = "iscg"
    verbose_name = "Organisations et comptes"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.tasks.signals import task_finished

        from iscg import checks, queue  # noqa: F401 — checks registers the project's checks

        def retry(sender, task_result, **kwargs):
            queue.retry_failed(task_result)

        task_finished.connect(retry, weak=False, dispatch_uid="iscg.queue.retry_failed")

        from iscg.middleware import note_login

        user_logged_in.connect(note_login, dispatch_uid="iscg.middleware.note_login")
