"""Printed outputs and charts of the bilans: the dashboard's PDF keeps each group heading with
its first post and prints its total once; chart labels are whole and readable; plurals."""

import html
import io
import re

import pytest
from pypdf import PdfReader

from conventions.models import PartyKind
from reporting import charts, rules
from tests.factories import (
    BilanFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
GROUP = re.compile(r"^\d+ postes? portés? par : ")
TABLE_ROWS = ("Poste ", "Total (")
HEADER = "Poste EPCI Communes"


def _table_rows(lines: list[str]) -> list[str]:
    """The group headings, posts and total of the table, in the order printed."""
    return [
        line
        for line in lines
        if GROUP.match(line) or line.startswith(TABLE_ROWS) and not line.startswith(HEADER)
    ]


def _organisation(first_group: int):
    """Three groups of posts (Département, EPCI, association), ``first_group`` posts in the
    first: the table spans pages, and where a group starts moves with ``first_group``."""
    org = OrganisationFactory(slug=f"org-pdf-{first_group}")
    employers = [
        (
            PartyFactory(organisation=org, kind=PartyKind.DEPARTEMENT, name="Département"),
            first_group,
        ),
        (PartyFactory(organisation=org, kind=PartyKind.EPCI, name="CC du Ternois"), 6),
        (PartyFactory(organisation=org, kind=PartyKind.ASSOCIATION, name="France Victimes"), 5),
    ]
    for employer, count in employers:
        for index in range(count):
            post = PostFactory(
                organisation=org, employer=employer, name=f"Poste {employer.name} {index + 1:02d}"
            )
            BilanFactory(post=post, year=2022, validated=True)
    return org


def _pages(client, fetch, org) -> list[list[str]]:
    client.force_login(UserFactory(coordinateur=True, organisation=org))
    response = fetch(client, "/bilans/2022/tableau.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return [
        [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        for page in reader.pages
    ]


# 12 posts in the first group put the second group's heading at the foot of page 1 (without
# ``break-after: avoid`` it is printed there alone); 11 and 13 move it a row either way.
@pytest.mark.parametrize("first_group", [11, 12, 13])
def test_pdf_group_heading_never_alone_at_the_foot_of_a_page(client, fetch, first_group):
    pages = _pages(client, fetch, _organisation(first_group))
    for number, lines in enumerate(pages, start=1):
        table = _table_rows(lines)
        if table:
            assert not GROUP.match(table[-1]), f"page {number} ends on « {table[-1]} »"


def test_pdf_prints_its_total_once_after_every_post_in_order(client, fetch):
    pages = _pages(client, fetch, _organisation(12))
    lines = [line for page in pages for line in page]
    totals = [line for line in lines if line.startswith("Total (")]
    assert totals == [
        f"Total (23{NBSP}bilans transmis ou validés) 1{NBSP}380 575 345 2{NBSP}300 3{NBSP}450 "
        f"60{NBSP}%"
    ]
    rows = _table_rows(lines)
    names = [row.split(" — ")[0] for row in rows]
    assert names[0] == "12 postes portés par : Département"
    assert names[1:13] == [f"Poste Département {index:02d}" for index in range(1, 13)]
    assert names[13] == "6 postes portés par : EPCI"
    assert names[14:20] == [f"Poste CC du Ternois {index:02d}" for index in range(1, 7)]
    assert names[20] == "5 postes portés par : Association"
    assert names[-1].startswith("Total (")
    # The heading of the second group and its first post are on the same page.
    page_of = {line: number for number, page in enumerate(pages) for line in page}
    heading = page_of["6 postes portés par : EPCI"]
    first = next(
        n for n, page in enumerate(pages) if any("Poste CC du Ternois 01" in x for x in page)
    )
    assert heading == first
    assert len(pages) >= 2


def test_chart_labels_whole_and_at_least_11_px():
    long = "Communauté d'Agglomération Béthune-Bruay, Artois Lys Romane"
    items = [(long, 1091), ("Communauté Urbaine d'Arras", 336), ("Non ventilé", 0)]
    for width in (charts.WIDTH, charts.PDF_WIDTH):
        svg = str(charts.bar_chart(items, chart_id="g", title="Saisines", width=width))
        assert "…" not in svg
        sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]
        assert sizes and min(sizes) >= charts.MIN_FONT_PX
        view_width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
        assert view_width == width
        labels = re.findall(r"<text [^>]*>((?:<tspan[^>]*>[^<]*</tspan>)+)</text>", svg)
        lines = [re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label) for label in labels]
        # Each label is written in full, on lines that fit in the drawing.
        assert [" ".join(parts).replace("&#x27;", "'") for parts in lines] == [
            label for label, _ in items
        ]
        for parts in lines:
            assert all(charts.text_width(html.unescape(part)) <= width for part in parts)
        # Each value ends inside the drawing.
        for x, figure in re.findall(r'<text x="(\d+)" [^>]*font-weight="bold">([^<]+)</text>', svg):
            assert int(x) + charts.text_width(figure) <= width
    on_page = str(charts.bar_chart(items, chart_id="g", title="Saisines"))
    assert on_page.count("<svg") == 1


def test_chart_text_stays_readable_on_a_phone_and_a_long_chart_prints_in_parts():
    # A page's chart is 360 wide: in a 390 px screen's column (about 350 px), its 14 px text
    # is shown at 13.6 px; it never grows past its size on a wide screen.
    assert charts.smallest_rendered_px(350) >= charts.MIN_FONT_PX
    assert charts.smallest_rendered_px(1280) == charts.FONT_PX
    items = [(f"Communauté de communes n°{index}", 100 - index) for index in range(25)]
    printed = str(
        charts.bar_chart(items, chart_id="t", title="Territoires", max_bars=10, width=640)
    )
    assert printed.count("<svg") == 3
    assert printed.count("Territoires (suite)") == 2
    assert all(f"n°{index}<" in printed for index in range(25))


def test_dashboard_page_and_pdf_charts(client):
    org = _organisation(2)
    client.force_login(UserFactory(coordinateur=True, organisation=org))
    page = client.get("/bilans/2022/").content.decode()
    assert f'viewBox="0 0 {charts.WIDTH} ' in page
    assert f'width="{charts.WIDTH}"' in page
    assert "…" not in page


@pytest.mark.parametrize(
    ("bilans", "text"),
    [
        (0, f"Totaux : 0{NBSP}bilan transmis ou validé."),
        (1, f"Totaux : 1{NBSP}bilan transmis ou validé."),
        (4, f"Totaux : 4{NBSP}bilans transmis ou validés."),
    ],
)
def test_dashboard_plurals(client, fetch, bilans, text):
    org = OrganisationFactory(slug="org-pluriels")
    for index in range(max(bilans, 1)):
        post = PostFactory(organisation=org, name=f"Poste {index}")
        if bilans:
            BilanFactory(post=post, year=2022, validated=True)
    client.force_login(UserFactory(coordinateur=True, organisation=org))
    page = client.get("/bilans/2022/").content.decode()
    assert text in page
    assert "(s)" not in page
    pdf = fetch(client, "/bilans/2022/tableau.pdf").content
    printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert text in printed
    assert rules.counted(bilans, "bilan transmis", "bilans transmis").startswith(str(bilans))
