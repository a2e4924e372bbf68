"""Settings of the load test (scripts/loadtest): production's, served over plain HTTP on
127.0.0.1, login lockouts off (hundreds of logins of the same demo accounts), and the e-mails
of the task worker delivered to the load test's mailbox (``loadtest.mailbox``), from which
locust reads the one-time signing codes. Nothing here exists in production."""

import os

from iscg.settings.production import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
AXES_ENABLED = False
# Server CPU per page, added up at the end of the run (loadtest/cpu.py).
MIDDLEWARE = ["loadtest.cpu.CpuLogMiddleware", *MIDDLEWARE]  # noqa: F405
MAILERS = {
    "default": {
        "BACKEND": "loadtest.mailbox.CodeMailbox",
        "OPTIONS": {"directory": os.environ["LOADTEST_MAILBOX"]},
    }
}
