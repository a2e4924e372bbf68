"""axe-core on every page of every role, on a computer (1 280 px) and a phone (390 px).

Each role's pages are found by following the links of the demo from its home page (one page per
kind of URL: every convention page looks alike, one is checked), plus a few pages the links do
not reach first (a draft, the error page). On each page and width: no serious or critical
violation of axe-core (bundled by axe-playwright-python: nothing downloaded at run time), and at
390 px the page does not pan sideways (wide tables scroll inside their own box). Each page as a
phone shows it is saved in artifacts/screenshots/telephone/ for review.
"""

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from conventions.models import Convention, Post, Representative
from demo.load import load_demo
from demo.users import DEMO_PASSWORD
from financing.models import ShareLine
from financing.perms import can_record_payment
from iscg.models import User
from reporting.models import Bilan, BilanStatus
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PaymentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"ordinateur": (1280, 800), "téléphone": (390, 844)}
BLOCKING = {"serious", "critical"}
SHOTS = ARTIFACTS / "telephone"  # artifacts/screenshots/telephone/<rôle>-<page>.png

ACCOUNTS = {
    "anonyme": None,
    "gestionnaire": "gestionnaire@demo.iscg.fr",
    "coordinateur": "coordinateur@demo.iscg.fr",
    "partenaire": "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr",
    "intervenant": "intervenant@demo.iscg.fr",
}
# Pages checked first, whatever the links: the anonymous pages, the statement, the 404 page;
# a draft convention (its wizard steps are linked from it) and a signed one.
SEEDS = {
    "anonyme": ["/comptes/login/", "/comptes/password_reset/", "/accessibilite/", "/inconnue/"],
    "gestionnaire": ["/", "/conventions/PDC2024-A10/", "/conventions/PDC2023-A08/"],
    "coordinateur": ["/", "/conventions/PDC2023-A08/"],
    # The bilans' import is the gestionnaire's: the partner gets the « accès refusé » page.
    "partenaire": ["/", "/conventions/PDC2023-A08/", "/bilans/import/"],
    "intervenant": ["/"],
}
COMMON = ["/accessibilite/", "/inconnue/"]

# Files, not pages (PDF, spreadsheets, calendars, archives), fragments that htmx swaps into a
# page, and the links that end the session or leave for the back-office.
NOT_PAGES = {
    "logout",
    "conventions:pdf",
    "conventions:document",
    "conventions:signed_copy",
    "conventions:termination_letter",
    "conventions:deliberation_zip_download",
    "conventions:deliberation_zip_progress",
    "conventions:prepared_file",
    "conventions:template_preview",
    "conventions:text_preview",
    "conventions:plan_preview",
    "deadlines_ics",
    "deadlines_feed",
    "financing:annual_pdf",
    "financing:annual_xlsx",
    "financing:opendata_csv",
    "reporting:dashboard_pdf",
    "reporting:dashboard_xlsx",
    "reporting:dashboard_csv",
    "reporting:committee_pack",
    "reporting:import_template",
}
FILE_SUFFIXES = (".pdf", ".xlsx", ".csv", ".ics", ".zip")


def kind_of(path: str) -> str | None:
    """The URL's name ("conventions:detail"), None for what is not one of our pages."""
    if path.endswith(FILE_SUFFIXES) or path.startswith(("/admin/", "/static/", "/media/")):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return "404"
    name = match.view_name
    return None if name in NOT_PAGES else name


def settle(page) -> None:
    """The layout as users see it: loaded, htmx done, fonts ready, two frames painted."""
    page.wait_for_load_state("load")
    # What htmx loads with the page (hx-trigger="load") swapped in before axe reads it.
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=10_000)
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise(done =>"
        " requestAnimationFrame(() => requestAnimationFrame(done))))"
    )


def links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urlsplit(urljoin(base, href))
        if f"{url.scheme}://{url.netloc}" == base and url.path:
            found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def report(violation: dict) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"{violation['id']} ({violation['impact']}) : {violation['help']} — {targets}"


def check(page, axe, url: str) -> list[str]:
    """The page's blocking violations at the current width, and whether it pans sideways."""
    problems = []
    results = axe.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            problems.append(report(violation))
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                 .filter(e => !e.closest('.table-scroll'))
                 .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
        )
        problems.append(f"la page déborde de {overflow} px en largeur : {wide}")
    return problems


def demo_seeds(role: str) -> list[str]:
    """Pages of the demo that no link reaches first: the forms behind a convention's buttons,
    a titre de recettes, a bilan's entry, sending and review (one demo bilan set back to draft,
    one to « transmis »: the demo's bilans are all validated)."""
    signed = Convention.objects.get(reference="PDC2023-A08")
    seeds = []
    if role == "gestionnaire":
        line = next(
            line
            for line in ShareLine.objects.visible_to(User.objects.get(email=ACCOUNTS[role]))
            .filter(convention__status="signee")
            .select_related("party", "post", "convention")
            if can_record_payment(User.objects.get(email=ACCOUNTS[role]), line)
        )
        payment = PaymentFactory(share_line=line)
        representative = Representative.objects.filter(party=line.party).first()
        to_sign = Convention.objects.get(reference="PDC2023-A13")
        awaited = to_sign.memberships.filter(is_signatory=True, signed_on__isnull=True).first()
        today = timezone.localdate().isoformat()
        seeds += [
            reverse("conventions:denounce", args=[signed.reference]),
            reverse("conventions:terminate", args=[signed.reference]),
            reverse("financing:payment_add", args=[line.pk]),
            reverse("financing:payment_correct", args=[payment.pk]),
            reverse("financing:payment_cancel", args=[payment.pk]),
            reverse("conventions:representative_edit", args=[line.party_id, representative.pk]),
            reverse("conventions:sign_confirm", args=[to_sign.reference, awaited.party_id])
            + f"?signed_on={today}&signatory_name=Jeanne+Martin",
            reverse("task_failures"),
        ]
    intervenant = User.objects.get(email=ACCOUNTS["intervenant"])
    draft = Bilan.objects.filter(post__in=Post.objects.visible_to(intervenant)).first()
    submitted = Bilan.objects.exclude(pk=draft.pk).filter(
        post__organisation=draft.post.organisation
    )[0]
    Bilan.objects.filter(pk=draft.pk).update(status=BilanStatus.DRAFT)
    Bilan.objects.filter(pk=submitted.pk).update(status=BilanStatus.SUBMITTED)
    if role in ("gestionnaire", "intervenant"):
        seeds += [
            reverse("reporting:bilan_edit", args=[draft.pk]),
            reverse("reporting:bilan_submit", args=[draft.pk]),
        ]
    if role == "coordinateur":
        seeds.append(reverse("reporting:bilan_review", args=[submitted.pk]))
    return seeds


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_axe_finds_no_serious_violation_on_any_page(page, live_server, login, role):
    load_demo()
    seeds = SEEDS[role] + demo_seeds(role)
    base = live_server.url
    if ACCOUNTS[role]:
        page.set_viewport_size({"width": 1280, "height": 800})
        login(ACCOUNTS[role], DEMO_PASSWORD)
    axe = Axe()
    queue = deque(seeds + COMMON)
    seen_kinds: set[str] = set()
    visited: set[str] = set()
    failures: list[str] = []
    checked: list[str] = []
    shots: set[str] = set()
    while queue:
        path = queue.popleft()
        kind = kind_of(urlsplit(path).path)
        seeded = path in seeds
        if kind is None or path in visited or (kind in seen_kinds and not seeded):
            continue
        visited.add(path)
        seen_kinds.add(kind)
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            try:
                response = page.goto(base + path)
            except PlaywrightError as error:  # a download after all: not a page
                if "Download is starting" in str(error):
                    break
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                break
            if response.status >= 500:
                failures.append(f"{path} : erreur {response.status}")
                break
            settle(page)
            if label == "ordinateur":
                queue.extend(links(page, base))
                checked.append(path)
            failures.extend(f"{path} ({label}) : {p}" for p in check(page, axe, path))
            if label == "téléphone":  # for review: each kind of page as a phone shows it
                SHOTS.mkdir(parents=True, exist_ok=True)
                name = f"{role}-{kind.replace(':', '-')}"
                name += f"-{len(shots) + 1}" if name in shots else ""
                shots.add(name)
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Two states no link leads to: the phone's menu unfolded, a form sent with an error.
    page.set_viewport_size({"width": 390, "height": 844})
    if ACCOUNTS[role]:
        page.goto(base + "/")
        settle(page)
        page.get_by_role("button", name="Menu").click()
        failures.extend(f"/ (menu déplié) : {p}" for p in check(page, axe, "/"))
    if role == "gestionnaire":
        page.goto(base + "/conventions/nouvelle/?mode=nouvelle")
        page.get_by_role("button", name="Enregistrer le brouillon et continuer").click()
        settle(page)
        assert page.locator(".errorlist").count() > 0
        failures.extend(f"brouillon refusé : {p}" for p in check(page, axe, "nouvelle"))
    else:
        page.goto(base + "/comptes/login/")
        page.get_by_label("Adresse e-mail").fill("personne@exemple.fr")
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        page.get_by_role("button", name="Se connecter").click()
        settle(page)
        assert page.locator("[role=alert]").count() == 1
        failures.extend(f"connexion refusée : {p}" for p in check(page, axe, "/comptes/login/"))
    print(f"\n{role} : {len(checked)} pages vérifiées, {sorted(seen_kinds)}")
    assert len(checked) >= len(seeds), checked
    assert not failures, f"{len(failures)} problème(s) sur {len(checked)} pages :\n" + "\n".join(
        failures
    )


def test_the_check_is_not_blind(page):
    """The same check on a page with known faults reports them (axe runs, impacts are read)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(
        '<html lang="fr"><head><title>Essai</title></head><body><main><h1>Essai</h1>'
        '<input type="text"><div style="width: 900px">large</div></main></body></html>'
    )
    problems = check(page, Axe(), "essai")
    assert any(problem.startswith("label (critical)") for problem in problems), problems
    assert any("déborde" in problem for problem in problems), problems


def test_on_a_phone_the_menu_folds_and_tables_scroll_in_their_own_box(page, live_server, login):
    load_demo()
    page.set_viewport_size({"width": 390, "height": 844})
    login(ACCOUNTS["gestionnaire"], DEMO_PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    conventions = navigation.get_by_role("link", name="Conventions")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not conventions.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    conventions.click()
    page.wait_for_url(f"{live_server.url}/conventions/")
    box = page.locator(".table-scroll").first
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label").endswith("conventions")  # the table's caption
    assert box.get_attribute("tabindex") == "0"  # wider than the phone: reached by keyboard
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # On a computer: no button, the menu unfolded, the table fits (no extra keyboard stop).
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert navigation.get_by_role("link", name="Conventions").is_visible()
    assert page.locator(".table-scroll").first.get_attribute("tabindex") is None
