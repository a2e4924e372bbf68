"""The SIRET validator: python-stdnum's rules, the project's French messages (no database)."""

import pytest
from django.core.exceptions import ValidationError

from conventions.validators import validate_siret


@pytest.mark.parametrize(
    "value",
    [
        "73282932000074",  # a published SIRET
        "732 829 320 00074",  # as printed, with spaces
        "35600000049837",  # La Poste: an exception to the Luhn rule
    ],
)
def test_a_valid_siret_passes(value):
    assert validate_siret(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "73282932000075",  # the whole number's key is wrong
        "73282933000073",  # Luhn-valid as 14 digits, but its SIREN 732829330 is not
        "35600000049838",  # La Poste's rule broken
    ],
)
def test_a_wrong_checksum_names_the_key(value):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert error.value.code == "siret_key"
    assert error.value.messages == [
        "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas)."
    ]


@pytest.mark.parametrize("value", ["7328293200007", "732829320000740", "7328293200007a"])
def test_a_wrong_length_or_a_letter_asks_for_14_digits(value):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert error.value.code == "siret_format"
    assert error.value.messages == ["Le SIRET doit comporter 14 chiffres."]
