"""The electronic signature's rules (conventions/signing.py), without the database: whose turn,
who may sign, expiry, reminders, the one-time code."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from conventions import signing

TODAY = date(2027, 3, 10)
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


@dataclass
class Req:
    party_id: int
    position: int
    state: str = signing.PENDING
    expires_on: date = TODAY + timedelta(days=30)
    pk: int | None = None


def test_positions_in_order_or_all_at_once():
    assert signing.positions_for([7, 3, 9], order=signing.SEQUENTIAL) == {7: 1, 3: 2, 9: 3}
    assert signing.positions_for([7, 3, 9], order=signing.ALL_AT_ONCE) == {7: 1, 3: 1, 9: 1}


def test_ranks_must_be_positive_and_bounded():
    assert signing.ranks_problem({1: 1, 2: 2}) == ""
    assert signing.ranks_problem({1: 1, 2: 1}) == ""  # same rank: at the same time
    assert "au moins 1" in signing.ranks_problem({1: 0, 2: 1})
    assert "au moins 1" in signing.ranks_problem({1: None})
    assert "de 1 à 99" in signing.ranks_problem({1: 100})


def test_in_order_only_the_first_unsigned_rank_opens():
    requests = [Req(1, 1), Req(2, 2), Req(3, 3)]
    assert [r.party_id for r in signing.to_open(requests)] == [1]
    requests[0].state = signing.OPEN
    assert signing.to_open(requests) == []  # its turn already opened: nothing new
    requests[0].state = signing.SIGNED
    assert [r.party_id for r in signing.to_open(requests)] == [2]


def test_all_at_once_opens_every_request_and_equal_ranks_open_together():
    assert len(signing.to_open([Req(1, 1), Req(2, 1), Req(3, 1)])) == 3
    requests = [Req(1, 1, signing.SIGNED), Req(2, 2), Req(3, 2), Req(4, 3)]
    assert [r.party_id for r in signing.to_open(requests)] == [2, 3]


def test_a_refusal_expiry_or_withdrawal_stops_the_circuit():
    for state in (signing.REFUSED, signing.EXPIRED, signing.WITHDRAWN):
        requests = [Req(1, 1, state), Req(2, 2)]
        assert signing.is_stopped(requests)
        assert signing.to_open(requests) == []
    assert signing.is_complete([Req(1, 1, signing.SIGNED), Req(2, 2, signing.SIGNED)])
    assert not signing.is_complete([Req(1, 1, signing.SIGNED), Req(2, 2, signing.OPEN)])


def test_expiry_at_the_end_of_the_last_day_and_must_be_in_the_future():
    assert not signing.is_expired(TODAY, TODAY)
    assert signing.is_expired(TODAY, TODAY + timedelta(days=1))
    assert signing.expiry_problem(TODAY + timedelta(days=1), TODAY) == ""
    assert "dans le futur" in signing.expiry_problem(TODAY, TODAY)
    assert "dans le futur" in signing.expiry_problem(TODAY - timedelta(days=3), TODAY)
    assert "au plus tard dans un an" in signing.expiry_problem(TODAY + timedelta(days=400), TODAY)
    assert "Indiquez" in signing.expiry_problem(None, TODAY)


def test_reminder_three_days_before_once():
    expires = TODAY + timedelta(days=3)
    assert signing.reminder_due(expires, TODAY, already_reminded=False)
    assert not signing.reminder_due(expires, TODAY, already_reminded=True)
    assert not signing.reminder_due(TODAY + timedelta(days=4), TODAY, already_reminded=False)
    assert not signing.reminder_due(TODAY - timedelta(days=1), TODAY, already_reminded=False)


@pytest.mark.parametrize(
    ("state", "expires_on", "signer", "expected"),
    [
        (signing.OPEN, TODAY, signing.Signer(True, 1), ""),
        (signing.OPEN, TODAY, signing.Signer(True, 2), "Seul un représentant"),
        (signing.OPEN, TODAY, signing.Signer(False, 1), "Seul un représentant"),
        (signing.PENDING, TODAY, signing.Signer(True, 1), "pas encore votre tour"),
        (signing.SIGNED, TODAY, signing.Signer(True, 1), "déjà signée"),
        (signing.REFUSED, TODAY, signing.Signer(True, 1), "refusée"),
        (signing.EXPIRED, TODAY, signing.Signer(True, 1), "expiré"),
        (signing.OPEN, TODAY - timedelta(days=1), signing.Signer(True, 1), "expiré"),
        (signing.WITHDRAWN, TODAY, signing.Signer(True, 1), "retirée"),
    ],
)
def test_who_may_sign(state, expires_on, signer, expected):
    problem = signing.sign_problem(Req(1, 1, state, expires_on), signer, TODAY)
    assert (expected in problem) if expected else problem == ""


def test_the_consent_names_the_convention_the_capacity_and_the_party():
    assert signing.consent_text(
        reference="PDC2027-A1", title="Poste ISG", capacity="Président, Camille DURAND", party="CC"
    ) == (
        "Je signe la convention PDC2027-A1 « Poste ISG » en tant que Président, Camille DURAND pour CC"
    )


def _state(code: str, *, attempts=0, sent_at=NOW, sends=1):
    digest = signing.code_digest(code, secret="s", request_pk=4, sent_at=sent_at)
    return signing.CodeState(code_hash=digest, sent_at=sent_at, attempts=attempts, sends=sends)


def _check(state, code, now=NOW):
    digest = signing.code_digest(code, secret="s", request_pk=4, sent_at=state.sent_at)
    return signing.code_problem(state, code, now, digest=digest)


def test_codes_have_six_digits_and_the_hash_is_bound_to_the_request_and_sending():
    codes = {signing.new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40
    one = signing.code_digest("123456", secret="s", request_pk=4, sent_at=NOW)
    assert one != signing.code_digest("123456", secret="s", request_pk=5, sent_at=NOW)
    assert one != signing.code_digest(
        "123456", secret="s", request_pk=4, sent_at=NOW + timedelta(1)
    )
    assert "123456" not in one


def test_the_right_code_in_time_opens_the_signature():
    assert _check(_state("123456"), "123456") == ""
    assert _check(_state("123456"), " 123456 ") == ""


def test_a_wrong_code_says_how_many_tries_are_left_then_locks():
    assert _check(_state("123456"), "654321") == "Code erroné : il vous reste 4 essais."
    assert _check(_state("123456", attempts=3), "654321") == "Code erroné : il vous reste 1 essai."
    last = _check(_state("123456", attempts=4), "654321")
    assert last.startswith("Code erroné") and "bloqué après 5 essais" in last
    assert signing.is_wrong_code(last)
    locked = _check(_state("123456", attempts=5), "123456")  # even the right one
    assert "bloqué après 5 essais" in locked and not signing.is_wrong_code(locked)


def test_an_expired_or_missing_or_malformed_code_is_refused_without_counting():
    late = _check(_state("123456"), "123456", now=NOW + timedelta(minutes=11))
    assert "expiré" in late and not signing.is_wrong_code(late)
    missing = signing.code_problem(signing.CodeState("", None, 0, 0), "123456", NOW, digest="")
    assert "Demandez d'abord un code" in missing
    assert "6 chiffres" in _check(_state("123456"), "12a456")


def test_new_codes_are_limited_and_spaced():
    assert signing.code_send_problem(signing.CodeState("", None, 0, 0), NOW) == ""
    recent = signing.CodeState("x", NOW - timedelta(seconds=5), 0, 1)
    assert "attendez" in signing.code_send_problem(recent, NOW)
    spent = signing.CodeState("x", NOW - timedelta(hours=1), 5, signing.CODE_MAX_SENDS)
    assert "5 codes" in signing.code_send_problem(spent, NOW)
