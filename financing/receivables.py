"""Receivables: every titre de recettes issued and not yet (fully) collected, with its age and
whether it is late. ``age_days`` and ``is_late`` are the rules, pure; ``outstanding_titres``
reads them for a scope of share lines (the user's ``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F

from financing.models import Payment, PaymentKind
from financing.titres import ZERO, due_date, payment_days_for


def age_days(issued_on: date | None, today: date) -> int | None:
    """Days since the titre was issued (None when its issue date is unknown).

    >>> age_days(date(2023, 10, 2), date(2023, 11, 1))
    30
    """
    return None if issued_on is None else (today - issued_on).days


def is_late(due: date | None, outstanding: Decimal, today: date) -> bool:
    """« En retard »: something is still to collect after the due date."""
    return due is not None and outstanding > 0 and today > due


@dataclass
class Receivable:
    titre: Payment
    due: date | None
    age: int | None
    late: bool

    @property
    def outstanding(self) -> Decimal:
        return self.titre.amount_issued - self.titre.amount_received

    @property
    def line(self):
        return self.titre.share_line


def outstanding_queryset(lines):
    """The active titres of these share lines with something still to collect (annotated
    ``outstanding``)."""
    money = DecimalField(max_digits=12, decimal_places=2)
    return (
        Payment.objects.active()
        .filter(kind=PaymentKind.TITRE, share_line__in=lines)
        .annotate(outstanding=ExpressionWrapper(F("amount_issued") - F("amount_received"), money))
        .filter(outstanding__gt=0)
    )


def receivables(payments, today: date, *, days_by_organisation: dict | None = None):
    """Each titre (a queryset from ``outstanding_queryset``, filtered) with its due date, age
    and lateness, oldest first; and the exact total outstanding."""
    days_by_organisation = days_by_organisation or {}
    rows = []
    for titre in payments.select_related(
        "share_line__party",
        "share_line__post",
        "share_line__convention",
        "share_line__organisation",
    ).order_by("issued_on", "number", "pk"):
        organisation = titre.share_line.organisation
        if organisation.pk not in days_by_organisation:
            days_by_organisation[organisation.pk] = payment_days_for(organisation)
        due = due_date(titre.issued_on, titre.due_on, days_by_organisation[organisation.pk])
        outstanding = titre.amount_issued - titre.amount_received
        rows.append(
            Receivable(
                titre, due, age_days(titre.issued_on, today), is_late(due, outstanding, today)
            )
        )
    total = sum((row.outstanding for row in rows), ZERO)
    return rows, total
