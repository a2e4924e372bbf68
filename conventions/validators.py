"""Field validators with French messages; the number rules come from python-stdnum, the
reference rules (``reference_problem``) are the application's own."""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

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


# --------------------------------------------------------------------------- references
#
# A convention's reference is typed by a gestionnaire, copied into every URL of the
# convention (``/conventions/<référence>/``), the PDF's header, file names, e-mails, the
# exports and the @ctes act number. What it may hold (decided for issue 18, README « Références ») :
# letters of the Latin alphabet, accented ones included (U+0041 to U+024F), the digits 0 to 9,
# the hyphen, the underscore and the full stop; it starts and ends with a letter or a digit;
# 40 characters at most; no space (it would be %20 in the address: a hyphen says the same);
# stored in Unicode NFC (an « é » typed as « e » + accent is the same reference as « é »);
# never the name of a page of the application (``reserved_reference_names``, read from the URL
# patterns), whatever its case.

REFERENCE_MAX_LENGTH = 40
REFERENCE_PUNCTUATION = frozenset("-_.")
#: Refused when the organisation has the reference already: nothing about other organisations.
REFERENCE_TAKEN = (
    "Cette référence est déjà celle d'une autre convention de votre organisation : "
    "choisissez-en une autre."
)
REFERENCE_ALLOWED = (
    "lettres (accentuées comprises), chiffres, tiret (-), tiret bas (_) et point (.)"
)


def normalize_reference(value: str) -> str:
    """The form a reference is compared and stored in: NFC, without surrounding spaces."""
    return unicodedata.normalize("NFC", value).strip()


def _is_reference_letter(char: str) -> bool:
    return "A" <= char <= "\u024f" and unicodedata.category(char).startswith("L")


def _is_reference_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _describe(char: str) -> str:
    """A character as a message can show it: itself, or its code when it cannot be seen."""
    if unicodedata.category(char)[0] in "CZ" and char != " ":
        return f"U+{ord(char):04X}"
    return f"« {char} »"


def reference_problem(value: str, reserved: Iterable[str] = ()) -> str | None:
    """Why ``value`` (already normalised by ``normalize_reference``) cannot be a convention's
    reference, in French, or None when it can. ``reserved`` lists the names of the
    application's pages (compared without case). Pure: the database and the URL
    configuration are the callers' (``validate_convention_reference``)."""
    if not value:
        return "Indiquez une référence."
    for char in value:
        if char in "\r\n\u2028\u2029\x0b\x0c\x85":
            return "Une référence tient sur une ligne : retirez le retour à la ligne."
        category = unicodedata.category(char)
        if category == "Cf":
            return (
                f"La référence contient un caractère invisible ({_describe(char)} : espace sans "
                "largeur ou marque de sens d'écriture) : retapez-la."
            )
        if category.startswith("C"):
            return (
                f"La référence contient un caractère de contrôle ({_describe(char)}) : retapez-la."
            )
        if category.startswith("Z"):
            return (
                "Une référence ne contient pas d'espace : remplacez-le par un tiret (PDC2023-A08)."
            )
        if char == "/" or char == "\\":
            return (
                f"La barre oblique {_describe(char)} ne peut pas figurer dans une référence (elle "
                "sépare les parties d'une adresse) : utilisez un tiret."
            )
        if not (
            _is_reference_letter(char) or _is_reference_digit(char) or char in REFERENCE_PUNCTUATION
        ):
            return (
                f"Le caractère {_describe(char)} n'est pas permis dans une référence : "
                f"{REFERENCE_ALLOWED} seulement."
            )
    if len(value) > REFERENCE_MAX_LENGTH:
        return (
            f"Une référence compte au plus {REFERENCE_MAX_LENGTH} caractères "
            f"(celle-ci en a {len(value)})."
        )
    if value[0] in REFERENCE_PUNCTUATION or value[-1] in REFERENCE_PUNCTUATION:
        return "Une référence commence et finit par une lettre ou un chiffre."
    if value.casefold() in {name.casefold() for name in reserved}:
        return (
            f"« {value} » est le nom d'une page de l'application (son adresse serait celle de "
            "cette page) : choisissez une autre référence."
        )
    return None


def _literal_segments(route: str) -> set[str]:
    """The fixed words of a ``path()`` route: « postes/<int:pk>/modifier/ » → postes, modifier."""
    return {part for part in route.strip("^$").split("/") if part and "<" not in part}


@cache
def reserved_reference_names() -> frozenset[str]:
    """Every fixed word of the URLs under the conventions' prefix (``/conventions/``): the
    wizard's, ``conventions/urls.py``'s and those included below a convention (its plan's),
    read from the URL patterns, so that a new page is covered without a list to keep. In lower
    case."""
    # Imported here: the URL configuration imports the views, which import the models, which
    # import this module.
    from django.urls import URLResolver, get_resolver, reverse

    probe = "x"
    prefix = reverse("conventions:detail", args=[probe]).strip("/").removesuffix(probe)
    names: set[str] = set()

    def walk(patterns: Iterable[object], inside: bool) -> None:
        for pattern in patterns:
            route = str(getattr(pattern, "pattern", ""))
            if inside:
                names.update(_literal_segments(route))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, inside or route == prefix)

    walk(get_resolver().url_patterns, False)
    return frozenset(name.casefold() for name in names)


def validate_convention_reference(value: str) -> None:
    """The model's and the forms' validator (the value is normalised first, as it is stored)."""
    problem = reference_problem(normalize_reference(value), reserved_reference_names())
    if problem:
        raise ValidationError(problem, code="reference")
