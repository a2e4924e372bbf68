"""The document's financing table (financing/includes/plan_table.html): its text, cell by cell."""

import re
from decimal import Decimal as D
from html import unescape

from conventions.documents import Financing, _financing_table

NBSP = "\u00a0"


def text(html: str) -> str:
    return re.sub(r"[ \n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_the_table_reads_party_by_party_then_totals_and_cost():
    financing = Financing(
        years=[2023, 2024],
        amounts={(2023, 1): D("4666"), (2023, 2): D("9334"), (2024, 1): D("14000")},
        remainder={2023: 2},
        costs={2023: (D("14000"), 4), 2024: (D("14000"), 12)},
        names={1: "État", 2: "CC d'Osartis-Marquion"},
    )
    html = _financing_table(financing, [])
    e = f"{NBSP}€"
    # Each funder's total over the period in the last column.
    assert text(html) == (
        f"Financeur 2023 2024 Sur la période État 4{NBSP}666{e} 14{NBSP}000{e} 18{NBSP}666{e} "
        f"CC d'Osartis-Marquion 9{NBSP}334{e} reste à charge — 9{NBSP}334{e} "
        f"Total 14{NBSP}000{e} 14{NBSP}000{e} 28{NBSP}000{e} "
        f"Coût du poste sur la période 14{NBSP}000{e} 4{NBSP}mois 14{NBSP}000{e} 28{NBSP}000{e}"
    )
    assert html.startswith('<table class="financing">') and html.count("<tr") == 5
