"""Bilans in a real browser: sums worked out as one types, a draft kept with its
inconsistencies, the review page beside last year's figures, charts readable on a phone."""

import re

import pytest
from playwright.sync_api import expect

from demo.load import load_demo
from demo.users import DEMO_PASSWORD
from iscg.models import User
from reporting import charts, services
from reporting.models import Bilan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


@pytest.fixture
def demo():
    load_demo()


def test_intervenant_sees_the_sums_as_it_types_and_keeps_a_draft(
    page, live_server, login, screenshot, demo
):
    post = User.objects.get(email="intervenant@demo.iscg.fr").post
    login("intervenant@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/bilans/liste/")
    page.get_by_role("link", name="Saisir le bilan 2024").click()  # a year with no convention
    page.get_by_label("Saisines : femmes").fill("60")
    page.get_by_label("Saisines : hommes").fill("25")
    page.get_by_label("Saisines : enfants").fill("15")
    total = page.locator("#id_referrals_total")
    expect(total).to_have_value("100")
    sums = page.locator("output.live-sum").first
    expect(sums).to_contain_text("Femmes + hommes + enfants = 100 : total calculé")
    total.fill("101")
    expect(sums).to_contain_text("différent du total 101 (écart \u22121)")
    page.get_by_label("Entretiens physiques").fill("1200")
    page.get_by_label("Entretiens téléphoniques").fill("34")
    expect(page.locator("#id_interviews_total")).to_have_value("1234")
    screenshot("intervenant-sommes-en-direct")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    # Saved as a draft with its inconsistency listed; sending it is refused.
    expect(page.locator("main")).to_contain_text("Il reste 1" + NBSP + "point à corriger")
    expect(page.locator("#incoherences")).to_contain_text(
        "Femmes 60 + hommes 25 + enfants 15 = 100, différent du total 101."
    )
    bilan = Bilan.objects.get(post=post, year=2024)
    assert (bilan.status, bilan.referrals_total, bilan.interviews_total) == ("brouillon", 101, 1234)
    page.get_by_role("link", name="Transmettre").click()
    expect(page.locator("main")).to_contain_text("Le bilan ne peut pas encore être transmis")
    assert not page.get_by_role("button", name="Transmettre au coordinateur").count()
    page.get_by_role("link", name="Saisines : total").click()
    page.locator("#id_referrals_total").fill("100")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".message-success")).to_contain_text("Bilan enregistré (brouillon).")
    page.get_by_role("link", name="Transmettre").click()
    page.get_by_role("button", name="Transmettre au coordinateur").click()
    bilan.refresh_from_db()
    assert bilan.status == "transmis"


@pytest.mark.parametrize("width", [390, 1280])
def test_review_page_and_charts_are_readable(page, live_server, login, screenshot, demo, width):
    intervenant = User.objects.get(email="intervenant@demo.iscg.fr")
    bilan = services.bilan_create(
        user=intervenant,
        post=intervenant.post,
        year=2023,
        data={"referrals_total": 300, "referrals_not_split": True, "vif_pct": 40},
    )
    services.bilan_submit(user=intervenant, bilan=bilan)
    page.set_viewport_size({"width": width, "height": 900})
    login("coordinateur@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/bilans/bilan/{bilan.pk}/examiner/")
    table = page.locator("table.year-on-year")
    expect(table).to_contain_text("à côté de son bilan 2022 (validé)")
    expect(table.locator("tr", has_text=re.compile("^Saisines"))).to_contain_text(
        f"300245+55 (+22,4{NBSP}%)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") == width
    # The comparison fits the screen: no sideways scrolling, even inside its own box.
    assert page.evaluate(
        "(() => { const t = document.querySelector('table.year-on-year');"
        " return t.scrollWidth <= t.clientWidth; })()"
    )
    screenshot(f"coordinateur-examen-{width}")

    page.goto(f"{live_server.url}/bilans/2022/")
    assert page.evaluate("document.documentElement.scrollWidth") == width
    texts = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const box = svg.getBoundingClientRect();
            const scale = box.width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(text => {
                const r = text.getBoundingClientRect();
                return {
                    text: text.textContent,
                    px: parseFloat(getComputedStyle(text).fontSize) * scale,
                    inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5
                        && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5,
                };
            });
        })"""
    )
    assert texts
    assert min(t["px"] for t in texts) >= charts.MIN_FONT_PX, texts
    assert [t["text"] for t in texts if not t["inside"]] == []
    assert any("Communauté d'Agglomération Béthune-Bruay" in t["text"] for t in texts)
    assert not any("…" in t["text"] for t in texts)
    screenshot(f"tableau-de-bord-graphiques-{width}")


def test_quarters_add_up_as_one_types(page, live_server, login, demo):
    intervenant = User.objects.get(email="intervenant@demo.iscg.fr")
    bilan = services.bilan_create(
        user=intervenant,
        post=intervenant.post,
        year=2023,
        data={"referrals_total": 40, "referrals_not_split": True},
    )
    login("intervenant@demo.iscg.fr", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/bilans/bilan/{bilan.pk}/modifier/?ventilation=trimestre")
    for index in range(4):
        page.locator(f"#id_parts-{index}-referrals_women").fill("5")
        page.locator(f"#id_parts-{index}-referrals_men").fill("3")
        page.locator(f"#id_parts-{index}-referrals_children").fill("1")
        expect(page.locator(f"#id_parts-{index}-referrals_total")).to_have_value("9")
    column = page.locator('output.live-column[data-column="referrals_total"]')
    expect(column).to_contain_text("36 (année : 40)")
    page.locator("#id_parts-3-referrals_total").fill("13")  # the person's own figure
    expect(column).to_contain_text("40 = année")
    page.locator("#id_parts-3-referrals_women").fill("6")
    expect(page.locator("#id_parts-3-referrals_total")).to_have_value("13")  # left as typed
