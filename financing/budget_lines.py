"""The organisation's budget line for a year (imputation, crédits de paiement, disponible):
the annual table checks the year's participations against it. A gestionnaire enters or
corrects it from that check; every change is kept in the history."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from financing.models import BudgetLine
from iscg import concurrency, history

FIELDS = ("imputation", "operation_code", "label", "credits", "available")


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = list(FIELDS)
        help_texts = {
            "imputation": "Ex. 6568//934213",
            "available": "Ce qui reste à engager sur les crédits de paiement.",
        }

    def __init__(self, *args, organisation, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.instance.year = year
        for name in ("credits", "available"):
            self.fields[name].widget.attrs.update({"class": "money", "min": 0, "step": "0.01"})


def line_version(line: BudgetLine | None) -> str:
    """The version token of the year's line as a form loads it (a line not entered yet has
    one too: two first entries of the same year do not overwrite each other)."""
    return concurrency.token(concurrency.row_state(line) if line else None)


def year_line(organisation, year: int) -> BudgetLine | None:
    """The line the annual check reads for ``year`` (``financing.selectors.annual_table``)."""
    return BudgetLine.objects.filter(organisation=organisation, year=year).first()


@transaction.atomic
def budget_line_save(
    *, organisation, year: int, values: dict[str, Any], by, version: str | None = None
) -> BudgetLine:
    """Create or change ``organisation``'s budget line for ``year``; the disponible never
    exceeds the credits (French message, nothing saved). ``version``: the token of the line
    as the form loaded it (``iscg.concurrency``; empty: there was none); when it has been
    saved since, ``EditConflict`` and nothing is written."""
    line = concurrency.locked(
        BudgetLine.objects.filter(organisation=organisation, year=year),
        version,
        state=lambda line: concurrency.row_state(line) if line else None,
        conflict=lambda line: concurrency.conflict_for(
            line,
            f"la ligne budgétaire {year}",
            differences=concurrency.field_differences(line, values, FIELDS) if line else [],
        ),
        missing_ok=True,
    )
    line = line or BudgetLine(organisation=organisation, year=year)
    for name in FIELDS:
        if name in values:
            value = values[name]
            setattr(
                line, name, "" if value is None and name in ("operation_code", "label") else value
            )
    credits, available = Decimal(line.credits or 0), Decimal(line.available or 0)
    if available > credits:
        raise ValidationError(
            {"available": "Le disponible ne peut dépasser les crédits de paiement."}
        )
    line.full_clean()
    history.attribute(line, by=by)
    line.save()
    return line
