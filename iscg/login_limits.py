"""Failed logins: one record (django-axes' ``AccessAttempt``), two limits.

- per account: the ``AXES_FAILURE_LIMIT``-th wrong password in a row (6) locks the address for
  ``AXES_COOLOFF_HOURS`` (15 minutes), whatever the network it comes from;
- per network address: ``LOGIN_IP_FAILURE_LIMIT`` failures (20) on any addresses, existing or
  not, within the same cool-off lock that network address (someone trying many accounts).

A successful login clears its account's failures, never the network address's (one valid
account must not reset the count of an address trying others); a completed password reset lifts
the account's lock (``lift_account_lock``). The lockout page says which lock holds.
"""

from typing import Literal

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest

from iscg.models import normalize_email

Lock = Literal["compte", "adresse"]


def lockout_reason(
    *, account_failures: int, address_failures: int, account_limit: int, address_limit: int
) -> Lock | None:
    """Which lock holds (the account's first), or None: pure, the rule of both limits."""
    if account_failures >= account_limit:
        return "compte"
    if address_failures >= address_limit:
        return "adresse"
    return None


def username_of(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The address a login attempt names, as accounts store it: « Cible@X.fr » and
    « cible@x.fr » count as one account (``AXES_USERNAME_CALLABLE``)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field)
    return normalize_email(value) if value else None


def client_ip(request: HttpRequest) -> str | None:
    """The client's network address (``AXES_CLIENT_IP_CALLABLE``): behind
    ``LOGIN_TRUSTED_PROXIES`` reverse proxies (nginx: 1), the entry they appended to
    X-Forwarded-For; else the connection's address. Never an entry the client could write."""
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in chain if part]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")


class LoginAttemptsHandler(AxesDatabaseHandler):
    """axes' database handler with the two limits (``AXES_HANDLER``)."""

    def _counts(self, request: HttpRequest, credentials: dict | None) -> tuple[int, int]:
        threshold = get_cool_off_threshold(request)
        recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
        username = get_client_username(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)

        def total(queryset) -> int:
            return sum(queryset.values_list("failures_since_start", flat=True))

        account = total(recent.filter(username=username)) if username else 0
        address = total(recent.filter(ip_address=ip_address)) if ip_address else 0
        return account, address

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """axes compares this to ``AXES_FAILURE_LIMIT``: the account's failures, or the limit
        itself when the network address is locked. Notes on the request which lock holds, for
        the lockout page."""
        account, address = self._counts(request, credentials)
        limit = settings.AXES_FAILURE_LIMIT
        reason = lockout_reason(
            account_failures=account,
            address_failures=address,
            account_limit=limit,
            address_limit=settings.LOGIN_IP_FAILURE_LIMIT,
        )
        request.login_lockout = reason
        return max(account, limit) if reason else account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login: the account's failures only."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lift_account_lock(email: str) -> int:
    """Forget the failed logins of ``email`` (a password reset completed): the account is
    unlocked; the network addresses' counts lose these failures too."""
    count, _ = AccessAttempt.objects.filter(username=normalize_email(email)).delete()
    return count
