from django.core.exceptions import ValidationError

from conventions.rules import siret_is_valid


def validate_siret(value: str) -> None:
    cleaned = value.replace(" ", "")
    if len(cleaned) != 14 or not cleaned.isdigit():
        raise ValidationError("Le SIRET doit comporter 14 chiffres.", code="siret_format")
    if not siret_is_valid(cleaned):
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas).", code="siret_key"
        )
