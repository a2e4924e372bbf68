"""Transactions for the requests that write, and only for them.

Django's ``ATOMIC_REQUESTS`` wraps every view in a transaction, reads included: on SQLite, whose
transactions take the write lock at BEGIN (``transaction_mode`` IMMEDIATE, so that concurrent
writers wait instead of failing), one slow page then blocked every other request, login
included (the red team's "database is locked" for 10 minutes). Here a POST, PUT, PATCH or
DELETE runs its view in one transaction, as ATOMIC_REQUESTS did (all or nothing); a GET or HEAD
runs in autocommit and holds no lock. A view marked ``transaction.non_atomic_requests`` is left
alone, as Django does. A GET that writes does so through its service's own ``atomic``.
A write refused because somebody saved in between (``iscg.concurrency.EditConflict``) is
rolled back and answered with the conflict page (409).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import DEFAULT_DB_ALIAS, transaction
from django.shortcuts import render

from iscg import concurrency

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AtomicWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None
        if DEFAULT_DB_ALIAS in getattr(view_func, "_non_atomic_requests", set()):
            return None
        try:
            with transaction.atomic():
                response = view_func(request, *view_args, **view_kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()  # a template response reads inside, too
        except concurrency.EditConflict as conflict:
            # Somebody saved in between (optimistic locking): everything rolled back, the
            # conflict page shows both versions.
            return concurrency.conflict_response(request, conflict)
        return response


class IdleSessionMiddleware:
    """Close a signed-in session left unused for ``SESSION_IDLE_HOURS`` (8 by default): its
    next request logs out and sends to the login page with a French message. The time of the
    last request is written at most once a minute, so that reads do not write the session."""

    KEY = "iscg_last_seen"
    RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            idle = settings.SESSION_IDLE_HOURS * 3600
            if isinstance(last, int) and now - last > idle:
                logout(request)
                messages.info(
                    request,
                    f"Votre session a été fermée après {settings.SESSION_IDLE_HOURS:g} heures "
                    "sans activité : connectez-vous à nouveau.",
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(last, int) or now - last >= self.RESOLUTION:
                request.session[self.KEY] = now
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the address or a form (``?q=%00``) is refused with the French « Requête
    incorrecte » page (400) before any view reads it: PostgreSQL cannot store nor compare text
    holding one, and no field of the product may hold it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            return render(request, "400.html", status=400)
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def note_login(sender, request, user, **kwargs) -> None:
    """At login the session is written anyway: its first request need not write it again."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionMiddleware.KEY] = int(time.time())
