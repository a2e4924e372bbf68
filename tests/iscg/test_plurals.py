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
    [(0, "0 page"), (1, "1 page"), (2, "2 pages"), (4, "4 pages"), (12500, "12 500 pages")],
)
def test_a_count_and_its_word_french_rule_zero_and_one_singular(count, expected):
    # A no-break space between the count and its word, and between thousands.
    assert count_words(count, "page") == expected.replace(" ", NBSP)


def test_phrases_agree_word_by_word_small_words_and_final_s_unchanged():
    assert count_words(1, "bilan transmis") == f"1{NBSP}bilan transmis"
    assert count_words(3, "bilan transmis") == f"3{NBSP}bilans transmis"
    assert count_words(2, "bilan transmis ou validé") == f"2{NBSP}bilans transmis ou validés"
    assert count_words(2, "poste attendu") == f"2{NBSP}postes attendus"
    assert count_words(5, "mois") == f"5{NBSP}mois"
    assert count_words(2, "prix") == f"2{NBSP}prix"


def test_an_irregular_plural_is_given():
    assert count_words(1, "titre à annuler", "titres à annuler") == f"1{NBSP}titre à annuler"
    assert count_words(2, "titre à annuler", "titres à annuler") == f"2{NBSP}titres à annuler"
    assert count_words(2, "travail", "travaux") == f"2{NBSP}travaux"


def test_decimals_and_none():
    assert plural_word(Decimal("1.5"), "mois financé") == "mois financé"
    assert plural_word(Decimal("2"), "an") == "ans"
    assert count_words(None, "page") == f"0{NBSP}page"


@pytest.mark.parametrize(
    ("source", "count", "expected"),
    [
        ('{{ n|compte:"page" }}', 1, "1 page"),
        ('{{ n|compte:"page" }}', 4, "4 pages"),
        ('{{ n|compte:"bilan transmis" }}', 1, "1 bilan transmis"),
        ('{{ n|compte:"titre à annuler,titres à annuler" }}', 2, "2 titres à annuler"),
        ('{{ n|pluriel:"Poste" }}', 1, "Poste"),
        ('{{ n|pluriel:"Poste" }}', 3, "Postes"),
        ('{{ n|pluriel:"a,ont" }}', 2, "ont"),
        ('{{ n|compte:"page" }}', "", "0 page"),
    ],
)
def test_template_filters(source, count, expected):
    # The count and its word joined by a no-break space (the first space of ``expected``).
    assert Template(source).render(Context({"n": count})) == expected.replace(" ", NBSP, 1)


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
    """(line, text) of a template's lines, or of a Python file's strings (not docstrings)."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        yield from enumerate(source.splitlines(), 1)
        return
    tree = ast.parse(source)
    # Docstrings are the code's comments (in English), not text shown to users.
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
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
