"""Writes run in one transaction, reads in none (issue 18: a read-only page held SQLite's write
lock, and every other request failed with "database is locked")."""

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from iscg.middleware import AtomicWritesMiddleware
from iscg.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)  # no test transaction around the request


def _run(method: str, view):
    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    request = getattr(RequestFactory(), method.lower())("/")
    return middleware.process_view(request, view, (), {})


def _seen(into: list):
    def view(request):
        into.append(connection.in_atomic_block)
        return HttpResponse("ok")

    return view


def test_a_read_holds_no_transaction():
    seen: list = []
    assert _run("GET", _seen(seen)) is None  # Django then calls the view itself
    _seen(seen)(None)
    assert seen == [False]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_runs_in_one_transaction(method):
    seen: list = []
    response = _run(method, _seen(seen))
    assert response.status_code == 200 and seen == [True]


def test_a_write_that_fails_leaves_nothing():
    def view(request):
        Organisation.objects.create(name="À moitié", slug="moitie")
        raise RuntimeError("panne au milieu")

    with pytest.raises(RuntimeError):
        _run("POST", view)
    assert not Organisation.objects.filter(slug="moitie").exists()


def test_a_view_marked_non_atomic_is_left_alone():
    seen: list = []
    view = transaction.non_atomic_requests(_seen(seen))
    assert _run("POST", view) is None


def test_a_page_read_end_to_end_writes_nothing_held(client):
    """A real GET through every middleware: the login page answers with no transaction open."""
    response = client.get("/comptes/login/")
    assert response.status_code == 200
    assert not connection.in_atomic_block
