"""Field validators with French messages; the number rules come from python-stdnum."""

import re

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


#: The RNA number (Répertoire national des associations) as the SCDL schemas write it:
#: « W » and 9 digits (schema.data.gouv.fr, scdl/subventions 2.1.1, rnaBeneficiaire).
RNA_PATTERN = re.compile(r"^W\d{9}$")


def validate_rna(value: str) -> None:
    if not RNA_PATTERN.match(value):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres (ex. W622001234).", code="rna_format"
        )
