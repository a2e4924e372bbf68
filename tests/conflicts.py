"""Helpers of the optimistic locking tests (issue 18): the token a page's form carries, and a
second browser logged in."""

import re

from django.test import Client

_VERSION = re.compile(r'name="version" value="([0-9a-f]*)"')


def version_of(response) -> str:
    """The version token (``iscg.concurrency``) the page's form carries."""
    match = _VERSION.search(response.content.decode())
    assert match, "the form carries no version token"
    return match[1]


def logged_in(user) -> Client:
    """A browser of its own (its own session), logged in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
