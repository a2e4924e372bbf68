"""Pure rules of the status read from the dates, and of ending a convention (no database)."""

from datetime import date
from decimal import Decimal

import pytest

from conventions import letters, rules
from financing.cancellations import beyond_due

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"stored": "brouillon", "start": date(2020, 1, 1), "end": date(2020, 12, 31)},
            "brouillon",
        ),
        ({"stored": "a_signer", "start": None, "end": None}, "a_signer"),
        ({"stored": "abandonnee", "start": None, "end": None}, "abandonnee"),
        # PDC conventions of 2023, stored "signée": expired on 1 December 2026.
        ({"stored": "signee", "start": date(2023, 1, 1), "end": date(2023, 12, 31)}, "expiree"),
        # Dijon: three years from notification (24 June 2022) → ended 23 June 2025.
        ({"stored": "signee", "start": date(2022, 6, 24), "end": date(2025, 6, 23)}, "expiree"),
        (
            {"stored": "en_vigueur", "start": date(2024, 1, 1), "end": date(2027, 12, 31)},
            "en_vigueur",
        ),
        ({"stored": "signee", "start": date(2027, 1, 1), "end": date(2027, 12, 31)}, "signee"),
        # Within six months of its end: the renewal concertation is open.
        ({"stored": "signee", "start": date(2024, 1, 1), "end": date(2027, 5, 31)}, "a_renouveler"),
        ({"stored": "signee", "start": date(2024, 1, 1), "end": date(2027, 6, 2)}, "en_vigueur"),
        ({"stored": "signee", "start": date(2024, 1, 1), "end": TODAY}, "a_renouveler"),
        # A stale stored "expirée" gives way to the dates.
        ({"stored": "expiree", "start": date(2024, 1, 1), "end": date(2027, 12, 31)}, "en_vigueur"),
        ({"stored": "expiree", "start": None, "end": None}, "expiree"),
        ({"stored": "signee", "start": None, "end": None}, "signee"),
        (
            {
                "stored": "signee",
                "start": date(2024, 1, 1),
                "end": date(2027, 12, 31),
                "renewed": True,
            },
            "renouvelee",
        ),
        (
            {
                "stored": "en_vigueur",
                "start": date(2024, 1, 1),
                "end": date(2027, 12, 31),
                "termination_effective": date(2026, 12, 1),
            },
            "resiliee",
        ),
        # Résiliation ahead: in force until then, and not "à renouveler" (it will not be).
        (
            {
                "stored": "en_vigueur",
                "start": date(2024, 1, 1),
                "end": date(2027, 3, 31),
                "termination_effective": date(2027, 1, 1),
            },
            "en_vigueur",
        ),
        ({"stored": "resiliee", "start": date(2024, 1, 1), "end": None}, "resiliee"),
    ],
)
def test_status_on_a_fixed_today(kwargs, expected):
    assert rules.status_on(today=TODAY, **kwargs) == expected


def test_every_status_has_a_french_label():
    assert rules.STATUS_LABELS[rules.TO_RENEW] == "À renouveler"
    assert rules.STATUS_LABELS[rules.EXPIRED] == "Expirée"


@pytest.mark.parametrize(
    ("year", "start", "end", "effect", "expected"),
    [
        (2026, date(2023, 1, 1), date(2023, 12, 31), None, False),
        (2023, date(2023, 1, 1), date(2023, 12, 31), None, True),
        (2025, date(2022, 6, 24), date(2025, 6, 23), None, True),
        (2026, date(2022, 6, 24), date(2025, 6, 23), None, False),
        (2021, date(2022, 6, 24), date(2025, 6, 23), None, False),
        (2027, date(2024, 1, 1), date(2027, 12, 31), date(2027, 1, 1), False),
        (2027, date(2024, 1, 1), date(2027, 12, 31), date(2027, 1, 2), True),
        (2030, None, None, None, True),
    ],
)
def test_in_force_during_a_year(year, start, end, effect, expected):
    assert (
        rules.in_force_during(year, start=start, end=end, termination_effective=effect) is expected
    )


def test_a_denunciation_in_time_takes_effect_at_the_end():
    end = date(2026, 12, 31)
    assert rules.denunciation_effect(end=end, notice_months=3, notice_date=date(2026, 9, 30)) == end


def test_a_denunciation_after_the_deadline_is_refused_in_french():
    with pytest.raises(ValueError, match="au plus tard le 30 septembre 2026"):
        rules.denunciation_effect(
            end=date(2026, 12, 31), notice_months=3, notice_date=date(2026, 10, 1)
        )
    with pytest.raises(ValueError, match="pas de date de fin"):
        rules.denunciation_effect(end=None, notice_months=3, notice_date=date(2026, 10, 1))


@pytest.mark.parametrize(
    ("year", "effect", "funded", "start", "expected"),
    [
        (2027, date(2027, 3, 15), 12, None, 3),  # March started: counts fully
        (2027, date(2027, 3, 1), 12, None, 2),
        (2027, date(2027, 1, 1), 12, None, 0),
        (2027, date(2027, 12, 31), 12, None, 12),
        (2028, date(2027, 3, 15), 12, None, 0),
        (2026, date(2027, 3, 15), 9, None, 9),
        (2027, date(2027, 10, 15), 4, date(2027, 9, 1), 2),  # funded from September
        (2027, date(2027, 3, 15), 5, None, 3),
    ],
)
def test_months_due_after_an_ending(year, effect, funded, start, expected):
    assert rules.months_due(year, effect, funded=funded, start=start) == expected


def test_titres_beyond_what_is_due():
    assert beyond_due(Decimal("3750"), [Decimal("2000"), Decimal("2000"), Decimal("1000")]) == [
        1,
        2,
    ]
    assert beyond_due(Decimal("3750"), [Decimal("3750")]) == []
    assert beyond_due(Decimal("0"), [Decimal("15000")]) == [0]


def _flat(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_denunciation_letter_text():
    letter = letters.letter_text(
        kind="denonciation",
        organisation="Département du Pas-de-Calais",
        reference="PDC2023-A08",
        title="Convention de financement",
        recipients=["CC du Ternois"],
        letter_date=date(2026, 9, 1),
        effective_date=date(2026, 12, 31),
        notice_months=3,
        deadline=date(2026, 9, 30),
        signature_date=date(2023, 7, 3),
    )
    assert _flat(letter.subject) == (
        "Objet : dénonciation de la convention PDC2023-A08 — Convention de financement"
    )
    body = _flat(" ".join(letter.paragraphs))
    assert "signée le 3 juillet 2023" in body
    assert "le 1er septembre 2026" in body
    assert "prendra donc fin à son terme, le 31 décembre 2026" in body
    assert "Motif" not in body  # no reason given: no empty "Motif :" line


def test_resiliation_letter_text():
    letter = letters.letter_text(
        kind="resiliation",
        organisation="Département du Pas-de-Calais",
        reference="PDC2023-A08",
        title="Convention de financement",
        recipients=[],
        letter_date=date(2026, 12, 1),
        effective_date=date(2027, 3, 1),
        notice_months=3,
        reason="Suppression du poste",
    )
    body = _flat(" ".join(letter.paragraphs))
    assert _flat(letter.subject).startswith("Objet : résiliation de la convention PDC2023-A08")
    assert "Motif : Suppression du poste" in body
    assert "prend effet le 1er mars 2027" in body
