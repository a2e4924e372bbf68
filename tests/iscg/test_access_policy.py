"""The access policy of docs/architecture.md (« Accès »), held by grep: roles are read in the
perms modules and the scoped querysets, never in views, navigation or templates."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Modules that handle requests: they call perms, they do not test roles themselves.
REQUEST_MODULES = [
    "conventions/views.py",
    "conventions/document_views.py",
    "conventions/ending_views.py",
    "conventions/text_views.py",
    "conventions/deadline_views.py",
    "conventions/wizard.py",
    "conventions/bulk_views.py",
    "conventions/reference_views.py",
    "conventions/transmission_views.py",
    "conventions/signing_views.py",
    "conventions/office_views.py",
    "conventions/verify_views.py",
    "financing/views.py",
    "financing/budget_views.py",
    "financing/titre_views.py",
    "reporting/views.py",
    "home/views.py",
    "iscg/views.py",
    "iscg/context_processors.py",
    "iscg/downloads.py",  # the waiting page and the prepared files' responses
    "iscg/login_limits.py",  # reads the login requests (address, network) for django-axes
    "iscg/concurrency.py",  # reads the version token a form carries
    "conventions/selectors.py",  # the convention a URL names (convention_from_url)
]
ROLE_TEST = re.compile(
    r"\.role\s*(==|!=|in\b|not in\b)|\bRole\.|is_national|is_superuser"
    r"|\"(gestionnaire|coordinateur|partenaire|intervenant)\""
)
TEMPLATE_ROLE_TEST = re.compile(r"user\.(role|is_national|is_superuser)\b|perms\.")


def test_no_view_tests_a_role_itself():
    found = [
        f"{name}:{number}: {line.strip()}"
        for name in REQUEST_MODULES
        for number, line in enumerate((ROOT / name).read_text().splitlines(), start=1)
        if ROLE_TEST.search(line)
    ]
    assert not found, "rôle testé hors des modules perms :\n" + "\n".join(found)


def test_no_template_tests_a_role():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TEMPLATE_ROLE_TEST.search(line)
    ]
    assert not found, "rôle testé dans un gabarit :\n" + "\n".join(found)


def test_every_view_module_is_watched():
    """A new module of views must join REQUEST_MODULES (it handles requests too)."""
    modules = {
        str(path.relative_to(ROOT))
        for app in ("conventions", "financing", "reporting", "home", "iscg")
        for path in (ROOT / app).glob("*.py")
        if re.search(r"^def \w+\(request\b", path.read_text(), re.MULTILINE)
    }
    assert modules <= set(REQUEST_MODULES), sorted(modules - set(REQUEST_MODULES))
