"""Field validators with French messages; the number rules come from python-stdnum."""

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.fr import siret


def validate_siret(value: str) -> None:
    """A SIRET as the INSEE checks it: 14 digits, the SIREN's and the whole number's Luhn keys
    (La Poste's establishments excepted), as python-stdnum knows them."""
    try:
        siret.validate(value)
    except stdnum_errors.InvalidChecksum as error:
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas).", code="siret_key"
        ) from error
    except stdnum_errors.ValidationError as error:  # wrong length, not digits
        raise ValidationError(
            "Le SIRET doit comporter 14 chiffres.", code="siret_format"
        ) from error
