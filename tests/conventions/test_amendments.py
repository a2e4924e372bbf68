"""What an avenant changes, and the dates a renewal proposes: pure functions, no database."""

from datetime import date
from decimal import Decimal

from conventions.amendments import ActSnapshot, PartySnapshot, apply_amendment, changes_between
from conventions.drafting import (
    Dates,
    months_between,
    renewal_dates,
    settle_dates,
)

NBSP = "\u00a0"

ETAT, COMMUNE, CC, NEWCOMER = 1, 2, 3, 4
PARENT = ActSnapshot(
    start_date=date(2028, 1, 1),
    end_date=date(2028, 12, 31),
    notice_months=3,
    parties={
        ETAT: PartySnapshot("État", "Jacques BILLANT, Préfet", frozenset({"Signataire"})),
        COMMUNE: PartySnapshot("Commune de X", "Anne MAIRE, Maire", frozenset({"Financeur"})),
        CC: PartySnapshot("CC du Ternois", None, frozenset({"Employeur"})),
    },
    posts={10: "Poste ISG Ternois"},
    amounts={
        (2028, ETAT): Decimal("28050"),
        (2028, COMMUNE): Decimal("10000"),
        (2028, CC): Decimal("18050"),
    },
    names={ETAT: "État", COMMUNE: "Commune de X", CC: "CC du Ternois"},
)


def amended(**changes) -> ActSnapshot:
    return ActSnapshot(**{**PARENT.__dict__, **changes})


def test_a_copy_changes_nothing():
    assert changes_between(PARENT, amended()) == []


def test_one_amount_of_one_year_and_nothing_else():
    after = amended(amounts={**PARENT.amounts, (2028, COMMUNE): Decimal("12000")})
    assert changes_between(PARENT, after) == [
        f"2028 — Commune de X : 10{NBSP}000{NBSP}€ → 12{NBSP}000{NBSP}€."
    ]


def test_dates_copied_never_read_as_removed():
    # A parent dated by its notification (no start date): copied, nothing is listed.
    parent = amended(start_date=None)
    assert changes_between(parent, parent) == []
    later = amended(end_date=date(2029, 12, 31))
    assert changes_between(PARENT, later) == ["Date de fin : 31 décembre 2028 → 31 décembre 2029."]
    changes = changes_between(parent, amended(start_date=date(2028, 3, 1)))
    assert changes == ["Date de début : fixée au 1er mars 2028."]
    assert not any("→ —" in change for change in changes)


def test_parties_added_removed_and_representatives():
    parties = dict(PARENT.parties)
    del parties[CC]
    parties[NEWCOMER] = PartySnapshot("Commune de Frévent", None, frozenset({"Financeur"}))
    parties[ETAT] = PartySnapshot("État", "Sophie PRÉFÈTE, Préfète", frozenset({"Signataire"}))
    assert changes_between(PARENT, amended(parties=parties)) == [
        "Nouvelle partie : Commune de Frévent.",
        "Partie qui se retire : CC du Ternois.",
        "État — représentant : Jacques BILLANT, Préfet → Sophie PRÉFÈTE, Préfète.",
    ]


def test_an_amendment_replaces_the_years_it_covers_only():
    two_years = amended(
        amounts={**PARENT.amounts, (2029, ETAT): Decimal("1"), (2029, CC): Decimal("2")}
    )
    first = ActSnapshot(
        **{**PARENT.__dict__, "amounts": {(2029, ETAT): Decimal("5"), (2029, CC): Decimal("6")}}
    )
    state = apply_amendment(two_years, first)
    assert state.amounts[(2028, COMMUNE)] == Decimal("10000")  # 2028: the parent's
    assert state.amounts[(2029, ETAT)] == Decimal("5")  # 2029: the avenant's
    assert changes_between(two_years, state) == [
        f"2029 — État : 1{NBSP}€ → 5{NBSP}€.",
        f"2029 — CC du Ternois : 2{NBSP}€ → 6{NBSP}€.",
    ]


def test_months_between():
    assert months_between(date(2023, 1, 1), date(2023, 12, 31)) == 12
    assert months_between(date(2022, 12, 3), date(2023, 12, 2)) == 12
    assert months_between(date(2022, 6, 24), date(2025, 6, 23)) == 36
    assert months_between(date(2023, 1, 1), date(2023, 12, 15)) is None
    assert months_between(None, date(2023, 12, 31)) is None


def test_renewal_dates_start_the_day_after_for_the_same_duration():
    assert renewal_dates(start=date(2023, 1, 1), end=date(2023, 12, 31), months=None) == Dates(
        date(2024, 1, 1), date(2024, 12, 31), 12
    )
    assert renewal_dates(start=None, end=date(2025, 6, 23), months=36) == Dates(
        date(2025, 6, 24), date(2028, 6, 23), 36
    )


def test_changed_start_and_duration_move_the_proposed_end():
    """The issue's case: "Renouveler" PDC2023-A08 (proposed 2024), start 1 January 2027 and
    12 months, the proposed end left in its field: no "… pas au 31 décembre 2024"."""
    proposed = Dates(date(2024, 1, 1), date(2024, 12, 31), 12)
    given = Dates(date(2027, 1, 1), date(2024, 12, 31), 12)
    assert settle_dates(given, proposed) == Dates(date(2027, 1, 1), date(2027, 12, 31), 12)
    assert settle_dates(Dates(date(2027, 1, 1), None, 24), proposed) == Dates(
        date(2027, 1, 1), date(2028, 12, 31), 24
    )
    # An end typed by hand wins over the proposed duration.
    assert settle_dates(Dates(date(2024, 1, 1), date(2024, 6, 30), 12), proposed) == Dates(
        date(2024, 1, 1), date(2024, 6, 30), None
    )
    # Both typed and at odds: kept as typed, the model says why.
    assert settle_dates(Dates(date(2027, 1, 1), date(2027, 6, 30), 24), proposed) == Dates(
        date(2027, 1, 1), date(2027, 6, 30), 24
    )


def test_roles_and_posts_changed():
    parties = dict(PARENT.parties)
    parties[COMMUNE] = PartySnapshot(
        "Commune de X", "Anne MAIRE, Maire", frozenset({"Financeur", "Signataire"})
    )
    after = amended(parties=parties, posts={10: "Poste ISG Ternois", 11: "Poste ISC Arras"})
    assert changes_between(PARENT, after) == [
        "Commune de X — rôles : Financeur → Financeur, Signataire.",
        "Poste ajouté : Poste ISC Arras.",
    ]
