"""Helpers of the optimistic locking tests (issue 18): the token a page's form carries, and a
second browser logged in."""

import re

from django.test import Client

_VERSION = re.compile(r'name="version" value="([0-9a-f]*)"')


def page_version(response) -> str | None:
    """The version token (``iscg.concurrency``) the page's form carries, if any."""
    match = _VERSION.search(response.content.decode(errors="replace"))
    return match[1] if match else None


def version_of(response) -> str:
    """The version token the page's form carries (there must be one)."""
    found = page_version(response)
    assert found is not None, "the form carries no version token"
    return found


def logged_in(user) -> Client:
    """A browser of its own (its own session), logged in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def post_loaded(client, url: str, data: dict | None = None, **extra):
    """POST ``data`` to an edit form as its page sends it: with the version token the page
    carries when loaded now (a GET of ``url`` first)."""
    return client.post(url, {**(data or {}), "version": version_of(client.get(url))}, **extra)


def refused_as_stale(response, *shown: str) -> str:
    """The conflict page (409) of a POST that carried no version: « page périmée »."""
    from html import unescape

    assert response.status_code == 409, response.status_code
    html = unescape(response.content.decode())
    assert "Page périmée : rechargez-la" in html
    assert "Votre enregistrement n'a pas été fait" in html and "Rien n'a été modifié" in html
    assert "Recharger la page" in html
    for text in shown:
        assert text in html, text
    return html
