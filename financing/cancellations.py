"""Titres de recettes issued beyond what is due: after a dénonciation or a résiliation, the
shares of the months from its date of effect are no longer due (``services.plan_truncate``), and
the titres already issued for them have to be cancelled ("Titres à annuler")."""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Prefetch

from financing.models import Payment, ShareLine


def beyond_due(due: Decimal, issued: Sequence[Decimal]) -> list[int]:
    """Indexes of the titres (in the order they were issued) that take the total issued beyond
    ``due``: each of them, once reached, is to be cancelled (and reissued for what is due).

    >>> beyond_due(Decimal("3750"), [Decimal("2000"), Decimal("2000"), Decimal("1000")])
    [1, 2]
    """
    total = Decimal(0)
    found = []
    for index, amount in enumerate(issued):
        total += amount
        if total > due:
            found.append(index)
    return found


def payments_to_cancel(lines: Iterable[ShareLine]) -> list[Payment]:
    """The titres de recettes (or subsidy payments) of these shares issued beyond each share's
    amount now due."""
    if hasattr(lines, "prefetch_related"):
        lines = lines.select_related("party", "convention").prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.active().order_by("issued_on", "pk"),
                to_attr="titres",
            )
        )
    found = []
    for line in lines:
        titres = getattr(line, "titres", None)
        if titres is None:
            titres = list(line.payments.active().order_by("issued_on", "pk"))
        for index in beyond_due(line.amount, [t.amount_issued for t in titres]):
            found.append(titres[index])
    return found


def titres_to_cancel(convention) -> list[Payment]:
    """Titres issued beyond what is due on a convention and its avenants (two queries)."""
    lines = ShareLine.objects.filter(
        convention__in=[convention.pk, *convention.amendments.values_list("pk", flat=True)]
    ).order_by("year", "convention__reference", "pk")
    return payments_to_cancel(lines)
