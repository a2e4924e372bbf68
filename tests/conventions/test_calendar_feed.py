"""Issue 18: the iCalendar export and feed conform to RFC 5545 (read back with the icalendar
library, property by property, and line by line on the bytes); no unsigned convention's
deadline; a bounded period; the feed's link regenerated, and dead after a password change."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from conventions import calendar
from conventions.deadlines import Deadline
from conventions.models import ConventionStatus
from iscg import services as accounts
from tests.factories import PASSWORD, ConventionFactory, UserFactory

TODAY = date.today()


def _world():
    user = UserFactory(gestionnaire=True)
    org = user.organisation
    this_year = date(TODAY.year, 1, 1), date(TODAY.year, 12, 31)
    signed = ConventionFactory(
        organisation=org,
        reference="SIGNEE-1",
        title="Poste ISG du Ternois — convention de financement très longue pour plier les lignes",
        status=ConventionStatus.SIGNED,
        start_date=this_year[0],
        end_date=this_year[1],
    )
    draft = ConventionFactory(
        organisation=org,
        reference="BROUILLON-1",
        status=ConventionStatus.DRAFT,
        start_date=this_year[0],
        end_date=this_year[1],
    )
    to_sign = ConventionFactory(
        organisation=org,
        reference="ASIGNER-1",
        status=ConventionStatus.TO_SIGN,
        start_date=this_year[0],
        end_date=this_year[1],
    )
    far = ConventionFactory(
        organisation=org,
        reference="LOINTAINE-1",
        status=ConventionStatus.SIGNED,
        start_date=date(TODAY.year + 6, 1, 1),
        end_date=date(TODAY.year + 8, 12, 31),
    )
    return user, signed, draft, to_sign, far


def _lines(content: bytes) -> list[bytes]:
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "CRLF only"
    return lines


def _check_rfc5545(content: bytes, base_url: str = "http://testserver") -> list:
    """Every property the issue lists, read back; returns the events."""
    lines = _lines(content)
    assert max(len(line) for line in lines) <= 75, "lines folded at 75 octets"
    parsed = Calendar.from_ical(content)
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["PRODID"]).startswith("-//ISCG conventions//")
    events = parsed.walk("VEVENT")
    assert events
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids), "one UID per event"
    for event in events:
        stamp = event.decoded("DTSTAMP")
        assert isinstance(stamp, datetime) and stamp.utcoffset() == timedelta(0)
        assert "@" in str(event["UID"])
        start = event["DTSTART"]
        assert start.params.get("VALUE") == "DATE"
        assert type(event.decoded("DTSTART")) is date
        assert str(event["SUMMARY"])
        description = str(event["DESCRIPTION"])
        assert f"{base_url}/conventions/" in description
    # Raw form of the all-day start, as RFC 5545 writes it.
    assert any(line.startswith(b"DTSTART;VALUE=DATE:") for line in lines)
    return events


@pytest.mark.django_db
def test_the_ics_download_conforms_and_leaves_drafts_and_far_deadlines_out(client):
    user, signed, draft, to_sign, far = _world()
    client.force_login(user)
    response = client.get(reverse("deadlines_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _check_rfc5545(response.content)
    summaries = " ".join(str(e["SUMMARY"]) for e in events)
    assert "SIGNEE-1" in summaries
    for reference in ("BROUILLON-1", "ASIGNER-1", "LOINTAINE-1"):
        assert reference not in response.content.decode()
    start, end = calendar.calendar_period(TODAY)
    assert all(start <= e.decoded("DTSTART") <= end for e in events)
    fin = next(e for e in events if str(e["SUMMARY"]) == "Fin de la convention SIGNEE-1")
    assert f"http://testserver{signed.get_absolute_url()}" in str(fin["DESCRIPTION"])
    # The staff page still lists a draft's deadlines (only calendars leave them out).
    assert "BROUILLON-1" in client.get(reverse("deadlines")).text


@pytest.mark.django_db
def test_the_feed_conforms_too(client):
    user, *_ = _world()
    response = client.get(reverse("deadlines_feed", args=[calendar.feed_token(user)]))
    assert response.status_code == 200
    events = _check_rfc5545(response.content)
    assert all("BROUILLON-1" not in str(e["SUMMARY"]) for e in events)


def test_uids_stay_the_same_when_exported_again_and_when_a_date_moves():
    def export(deadline, stamp):
        content = calendar.to_ical(
            [deadline], base_url="http://x.fr/", stamp=stamp, uid_domain="iscg.exemple.fr"
        )
        return str(Calendar.from_ical(content).walk("VEVENT")[0]["UID"])

    first = datetime(2026, 1, 1, 8, tzinfo=UTC)
    later = datetime(2026, 6, 1, 8, tzinfo=UTC)
    fin = Deadline(date(2026, 12, 31), "fin", "Fin", "A-1", "/conventions/A-1/", convention_id=7)
    moved = Deadline(date(2027, 6, 30), "fin", "Fin", "A-1", "/conventions/A-1/", convention_id=7)
    assert export(fin, first) == export(fin, later) == export(moved, later)
    assert export(fin, first) == "convention-7-fin@iscg.exemple.fr"
    bilan = Deadline(date(2027, 1, 31), "bilan", "Bilan", "A-1", convention_id=7, year=2026)
    assert export(bilan, first) == "convention-7-bilan-2026@iscg.exemple.fr"


def test_a_long_label_in_utf8_is_folded_within_75_octets():
    label = "Échéance très longue « " + "é" * 120 + " » du Département"
    deadline = Deadline(date(2026, 3, 31), "comite", label, "A-1", "/conventions/A-1/")
    content = calendar.to_ical(
        [deadline], base_url="http://x.fr/", stamp=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert max(len(line) for line in _lines(content)) <= 75
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == label


def test_the_period_is_a_year_back_and_three_ahead():
    start, end = calendar.calendar_period(date(2026, 12, 3))
    assert start == date(2025, 12, 3)
    assert end == date(2029, 12, 3)
    inside = Deadline(date(2029, 12, 3), "fin", "Fin", "A")
    outside = Deadline(date(2029, 12, 4), "fin", "Fin", "A")
    old = Deadline(date(2025, 12, 2), "fin", "Fin", "A")
    draft = Deadline(date(2026, 12, 31), "fin", "Fin", "B", draft=True)
    chosen = calendar.calendar_deadlines([inside, outside, old, draft], today=date(2026, 12, 3))
    assert chosen == [inside]


# --------------------------------------------------------------------------- the feed's link


@pytest.mark.django_db
def test_regenerating_the_link_kills_the_old_one_at_once(client):
    user = UserFactory(gestionnaire=True)
    old = calendar.feed_token(user)
    assert client.get(reverse("deadlines_feed", args=[old])).status_code == 200
    client.force_login(user)
    page = client.get(reverse("deadlines_feed_regenerate"))
    assert page.status_code == 200 and "cesse aussitôt de fonctionner" in page.text
    assert client.get(reverse("deadlines_feed", args=[old])).status_code == 200  # GET: nothing
    response = client.post(reverse("deadlines_feed_regenerate"))
    assert response.status_code == 302
    user.refresh_from_db()
    new = calendar.feed_token(user)
    assert new != old and calendar.feed_token(user) == new  # the same link at each visit
    assert client.get(reverse("deadlines_feed", args=[old])).status_code == 404
    assert client.get(reverse("deadlines_feed", args=[new])).status_code == 200
    assert new in client.get(reverse("deadlines")).text


@pytest.mark.django_db
def test_a_password_change_kills_the_link(client):
    user = UserFactory(gestionnaire=True)
    old = calendar.feed_token(user)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Un-autre-mot-2026",
            "new_password2": "Un-autre-mot-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert calendar.feed_token(user) != old
    assert client.get(reverse("deadlines_feed", args=[old])).status_code == 404


@pytest.mark.django_db
def test_a_password_saved_alone_also_renews_the_key():
    user = UserFactory(gestionnaire=True)
    key = user.calendar_key
    user.set_password("Un-autre-mot-2026")
    user.save(update_fields=["password"])
    user.refresh_from_db()
    assert user.calendar_key and user.calendar_key != key


@pytest.mark.django_db
def test_a_hash_upgraded_at_login_keeps_the_link(settings):
    """Django re-hashes a password at login when the hasher changes: not a new password."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    user = UserFactory(gestionnaire=True)
    from django.contrib.auth.hashers import make_password

    type(user).objects.filter(pk=user.pk).update(
        password=make_password("secret-2026", hasher="pbkdf2_sha1")
    )
    user.refresh_from_db()
    token = calendar.feed_token(user)
    assert user.check_password("secret-2026")  # upgraded to MD5 (the first hasher)
    user.refresh_from_db()
    assert user.password.startswith("md5$")
    assert calendar.feed_token(user) == token


@pytest.mark.django_db
def test_a_link_of_before_the_key_works_until_the_key_changes(client):
    """Links given before this version named only the user: they stay valid while the
    account has no key, and die with the first regeneration or new password."""
    from django.core import signing

    user = UserFactory(gestionnaire=True)
    type(user).objects.filter(pk=user.pk).update(calendar_key="")
    legacy = signing.dumps({"u": user.pk}, salt=calendar.FEED_SALT, compress=True)
    assert client.get(reverse("deadlines_feed", args=[legacy])).status_code == 200
    user.refresh_from_db()
    accounts.calendar_key_regenerate(user=user)
    assert client.get(reverse("deadlines_feed", args=[legacy])).status_code == 404


@pytest.mark.django_db
def test_forged_malformed_and_partner_tokens_are_refused(client):
    from django.core import signing

    user = UserFactory(gestionnaire=True)
    token = calendar.feed_token(user)
    assert client.get(reverse("deadlines_feed", args=[token + "x"])).status_code == 404
    for payload in ({"u": "1"}, {"u": user.pk, "k": 3}, ["u"], {}):
        forged = signing.dumps(payload, salt=calendar.FEED_SALT)
        assert client.get(reverse("deadlines_feed", args=[forged])).status_code == 404
    partner = UserFactory(partenaire=True)
    partner_token = calendar.feed_token(partner)
    assert client.get(reverse("deadlines_feed", args=[partner_token])).status_code == 404
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(reverse("deadlines_feed", args=[token])).status_code == 404


@pytest.mark.django_db
def test_a_partner_cannot_regenerate_a_link(client):
    partner = UserFactory(partenaire=True)
    key = partner.calendar_key
    client.force_login(partner)
    assert client.post(reverse("deadlines_feed_regenerate")).status_code == 403
    partner.refresh_from_db()
    assert partner.calendar_key == key
