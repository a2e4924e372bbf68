from django import forms

from financing.models import Payment


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = [
            "kind",
            "number",
            "issued_on",
            "amount_issued",
            "received_on",
            "amount_received",
            "notes",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "received_on": forms.DateInput(attrs={"type": "date"}),
        }


class ActualCostForm(forms.Form):
    actual_cost = forms.DecimalField(
        label="Coût réel constaté de l'année (€)", min_value=0, max_digits=12, decimal_places=2
    )
