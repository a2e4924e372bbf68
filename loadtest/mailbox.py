"""The load test's mailbox (``loadtest.settings`` only): every e-mail the task worker sends is
dropped, except the one-time signing codes, written to ``LOADTEST_MAILBOX/<address>/<reference>``
where locust reads them as the signer would read the e-mail. Never in production settings."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

CODE = re.compile(r"Votre code pour signer la convention (\S+) : (\d{6})")


def code_path(mailbox: str | os.PathLike, address: str, reference: str) -> Path:
    return Path(mailbox) / address / reference


class CodeMailbox(BaseEmailBackend):
    def __init__(self, *, directory: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.directory = directory or os.environ["LOADTEST_MAILBOX"]

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            found = CODE.search(message.body or "")
            if not found:
                continue
            reference, code = found.groups()
            for address in message.to:
                path = code_path(self.directory, address, reference)
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(".tmp")
                partial.write_text(code, encoding="ascii")
                partial.replace(path)  # whole or absent: locust never reads half a code
        return len(email_messages)
