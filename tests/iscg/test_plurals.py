"""Plurals written properly ("4 pages", "1 bilan transmis"), never "page(s)"."""

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template

from iscg.formatting import count_words, plural_word

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 page"), (1, "1 page"), (2, "2 pages"), (4, "4 pages"), (12500, f"12{NBSP}500 pages")],
)
def test_a_count_and_its_word_french_rule_zero_and_one_singular(count, expected):
    assert count_words(count, "page") == expected


def test_phrases_agree_word_by_word_small_words_and_final_s_unchanged():
    assert count_words(1, "bilan transmis") == "1 bilan transmis"
    assert count_words(3, "bilan transmis") == "3 bilans transmis"
    assert count_words(2, "bilan transmis ou validé") == "2 bilans transmis ou validés"
    assert count_words(2, "poste attendu") == "2 postes attendus"
    assert count_words(5, "mois") == "5 mois"
    assert count_words(2, "prix") == "2 prix"


def test_an_irregular_plural_is_given():
    assert count_words(1, "titre à annuler", "titres à annuler") == "1 titre à annuler"
    assert count_words(2, "titre à annuler", "titres à annuler") == "2 titres à annuler"
    assert count_words(2, "travail", "travaux") == "2 travaux"


def test_decimals_and_none():
    assert plural_word(Decimal("1.5"), "mois financé") == "mois financé"
    assert plural_word(Decimal("2"), "an") == "ans"
    assert count_words(None, "page") == "0 page"


@pytest.mark.parametrize(
    ("source", "count", "expected"),
    [
        ('{{ n|compte:"page" }}', 1, "1 page"),
        ('{{ n|compte:"page" }}', 4, "4 pages"),
        ('{{ n|compte:"bilan transmis" }}', 1, "1 bilan transmis"),
        ('{{ n|compte:"titre à annuler,titres à annuler" }}', 2, "2 titres à annuler"),
        ('{{ n|accord:"Poste" }}', 1, "Poste"),
        ('{{ n|accord:"Poste" }}', 3, "Postes"),
        ('{{ n|compte:"page" }}', "", "0 page"),
    ],
)
def test_template_filters(source, count, expected):
    assert Template(source).render(Context({"n": count})) == expected


def _user_facing_files():
    """Templates of the pages, e-mails and PDFs, and the Python code that writes messages."""
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in {".html", ".txt"}:
            yield path
    for app in ("iscg", "conventions", "financing", "reporting", "home", "demo"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


# "(s)" or "(es)" glued to a word: a plural left to the reader ("page(s)", "prêt(s)").
# The convention models in conventions/doc_templates/ quote the public acts as written
# ("est/sont appelé(s)"), so they are not checked.
LAZY_PLURAL = re.compile(r"\w\((s|es)\)")


def _texts(path: Path):
    """(line, text) of a template's lines, or of a Python file's string literals."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        yield from enumerate(source.splitlines(), 1)
        return
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_template_nor_message_leaves_the_plural_to_the_reader():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {text.strip()}"
        for path in _user_facing_files()
        for number, text in _texts(path)
        if LAZY_PLURAL.search(text)
    ]
    assert found == []


def test_no_template_uses_djangos_pluralize_which_puts_zero_in_the_plural():
    found = [
        str(path.relative_to(ROOT))
        for path in _user_facing_files()
        if path.suffix == ".html" and "|pluralize" in path.read_text(encoding="utf-8")
    ]
    assert found == []
