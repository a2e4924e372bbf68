"""The demo parties' public identifiers (SIRET, RNA), from demo/data/public_identifiers.json.

Each number there cites the public register or publication that gives it for that very body;
nothing is derived from a SIREN. Loading is idempotent (``upsert`` saves only on change) and
validates every number as the forms do (python-stdnum's Luhn keys, the RNA pattern)."""

from __future__ import annotations

import json
from pathlib import Path

from conventions.models import Party

DATA = Path(__file__).resolve().parent / "data" / "public_identifiers.json"


def public_identifiers() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["parties"]


def load_public_identifiers() -> int:
    """Give the demo's parties the identifiers the sources give; the number of parties set."""
    from demo.load import upsert

    count = 0
    for row in public_identifiers():
        party = Party.objects.get(organisation__slug=row["organisation"], slug=row["party"])
        values = {key: row[key] for key in ("siret", "rna") if key in row}
        upsert(Party, {"pk": party.pk}, values)
        count += 1
    return count
