"""Two clients really at once on PostgreSQL (issue 18, lost updates): both load the same plan,
text or bilan, both save. The first holds its row lock while the second's save is seen waiting
on it in ``pg_stat_activity``; then the first commits, and the second, reading the row again
under the lock, gets the conflict page (409): nothing of the first save is lost. And five
creations of one bilan at once: one bilan, the others a French message, no 500.

Each client runs in its own thread, hence its own database connection, through the whole
middleware stack (the write's transaction included). Skipped on SQLite, whose test database
lives in this process's memory and serialises every write anyway (IMMEDIATE).
"""

import json
import threading
import time

import pytest
from django.db import connection, connections

from conventions import services as convention_services
from conventions.models import Convention
from financing import services as financing_services
from financing.engine import read_plan
from financing.models import FinancingPlan
from iscg import concurrency
from reporting import services as reporting_services
from reporting.models import Bilan
from tests.conflicts import logged_in, version_of
from tests.factories import (
    BilanFactory,
    ConventionFactory,
    OrganisationFactory,
    PartyFactory,
    PostFactory,
    UserFactory,
)
from tests.reporting.test_views import post_data as bilan_post_data

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 20


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("deux connexions simultanées : PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    for slug, kind, name in (
        ("etat", "etat", "État"),
        ("departement", "departement", "Département"),
    ):
        PartyFactory(organisation=organisation, slug=slug, kind=kind, name=name)
    epci = PartyFactory(organisation=organisation, slug="epci", name="CC du Ternois")
    post = PostFactory(organisation=organisation, employer=epci, start_date=None)
    convention = ConventionFactory(organisation=organisation, draft=True)
    convention.posts.set([post])
    first = UserFactory(gestionnaire=True, organisation=organisation, first_name="Anne")
    second = UserFactory(gestionnaire=True, organisation=organisation, first_name="Bruno")
    return {"convention": convention, "post": post, "first": first, "second": second}


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _in_thread(target, results: dict, key: str) -> threading.Thread:
    def run():
        try:
            results[key] = target()
        except BaseException as error:  # reported by the test
            results[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=key)
    thread.start()
    return thread


def interleave(monkeypatch, first_save, second_save) -> tuple:
    """Run ``first_save`` until it has checked its version under its row lock, hold it there,
    start ``second_save`` and wait until PostgreSQL shows it waiting on that lock, then let the
    first commit. Return both responses."""
    holding, release = threading.Event(), threading.Event()
    real_check = concurrency.check

    def check(expected, state, conflict):
        real_check(expected, state, conflict)
        if threading.current_thread().name == "premier":
            holding.set()
            assert release.wait(TIMEOUT), "le premier enregistrement n'a pas été relâché"

    monkeypatch.setattr(concurrency, "check", check)
    results: dict = {}
    first = _in_thread(first_save, results, "premier")
    assert holding.wait(TIMEOUT), "le premier enregistrement n'a pas pris son verrou"
    second = _in_thread(second_save, results, "second")
    deadline = time.monotonic() + TIMEOUT
    while _waiting_on_a_lock() < 1:
        assert time.monotonic() < deadline, "le second enregistrement n'attend pas le verrou"
        assert second.is_alive(), f"le second n'a pas attendu : {results.get('second')}"
        time.sleep(0.02)
    release.set()
    first.join(TIMEOUT)
    second.join(TIMEOUT)
    for key in ("premier", "second"):
        if isinstance(results.get(key), BaseException):
            raise results[key]
    return results["premier"], results["second"]


def test_two_clients_saving_the_same_plan(world, monkeypatch):
    convention, post = world["convention"], world["post"]
    data = {
        "rounding": "down",
        "years": [{"year": 2023, "annual_cost": "42000"}],
        "shares": [
            {"party": "etat", "rule": "fixed", "amount": "14000"},
            {"party": "departement", "rule": "fixed", "amount": "14000"},
            {"party": "epci", "rule": "remainder"},
        ],
    }
    financing_services.plan_save(convention=convention, post=post, plan=read_plan(data))
    url = f"/conventions/{convention.reference}/financement/"
    anne, bruno = logged_in(world["first"]), logged_in(world["second"])
    loaded = version_of(anne.get(url))
    assert version_of(bruno.get(url)) == loaded

    def with_etat(amount: str) -> dict:
        changed = json.loads(json.dumps(data))
        changed["shares"][0]["amount"] = amount
        return {"mode": "json", "plan": json.dumps(changed), "version": loaded}

    saved, refused = interleave(
        monkeypatch,
        lambda: anne.post(url, with_etat("15000")),
        lambda: bruno.post(url, with_etat("12000")),
    )
    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Quelqu'un a enregistré entre-temps" in refused.content.decode()
    plan = FinancingPlan.objects.get(convention=convention, post=post)
    assert plan.data["shares"][0]["amount"] == "15000"
    assert plan.lines.get(party__slug="etat").amount == 15000


def test_two_clients_saving_the_same_text(world, monkeypatch):
    convention = world["convention"]
    text = {
        "title": "Convention",
        "articles": [{"title": "Objet", "body": "Le poste."}, {"title": "Durée", "body": "Un an."}],
    }
    convention_services.convention_text_save(convention=convention, text=text, by=world["first"])
    url = f"/conventions/{convention.reference}/texte/partie/article-2/"
    anne, bruno = logged_in(world["first"]), logged_in(world["second"])
    loaded = version_of(anne.get(url))
    assert version_of(bruno.get(url)) == loaded
    saved, refused = interleave(
        monkeypatch,
        lambda: anne.post(
            url, {"title": "Durée", "body": "Trois ans, dont une clause.", "version": loaded}
        ),
        lambda: bruno.post(url, {"title": "Durée", "body": "Deux ans.", "version": loaded}),
    )
    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "Deux ans." in refused.content.decode()
    convention.refresh_from_db()
    assert convention.text["articles"][1]["body"] == "Trois ans, dont une clause."


def test_two_clients_saving_the_same_bilan(world, monkeypatch):
    bilan = BilanFactory(post=world["post"], year=2023, comment="Premier jet.")
    url = f"/bilans/bilan/{bilan.pk}/modifier/"
    anne, bruno = logged_in(world["first"]), logged_in(world["second"])
    loaded = version_of(anne.get(url))
    assert version_of(bruno.get(url)) == loaded
    saved, refused = interleave(
        monkeypatch,
        lambda: anne.post(url, bilan_post_data(comment="Chiffres vérifiés.", version=loaded)),
        lambda: bruno.post(
            url,
            bilan_post_data(
                referrals_women="",
                referrals_men="",
                referrals_children="",
                referrals_total="",
                comment="Version périmée.",
                version=loaded,
            ),
        ),
    )
    assert saved.status_code == 302
    assert refused.status_code == 409
    bilan.refresh_from_db()
    assert (bilan.referrals_total, bilan.comment) == (100, "Chiffres vérifiés.")


def test_five_creations_of_one_bilan_at_once(world, monkeypatch):
    """All five pass the service's « already there? » check before any inserts (a barrier
    after it): the unique constraint decides, one wins, the others get the French message."""
    post = world["post"]
    barrier = threading.Barrier(5, timeout=TIMEOUT)
    real_defaults = reporting_services.new_bilan_defaults

    def together(post_):
        barrier.wait()
        return real_defaults(post_)

    monkeypatch.setattr(reporting_services, "new_bilan_defaults", together)
    url = f"/bilans/poste/{post.pk}/2024/saisir/"
    clients = [logged_in(world["first"]) for _ in range(5)]
    results: dict = {}
    threads = [
        _in_thread(lambda c=c: c.post(url, bilan_post_data()), results, f"client-{n}")
        for n, c in enumerate(clients)
    ]
    for thread in threads:
        thread.join(TIMEOUT)
    responses = list(results.values())
    assert not [r for r in responses if isinstance(r, BaseException)], responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 400, 400, 400, 400]
    for response in responses:
        if response.status_code == 400:
            assert "a déjà un bilan pour 2024" in response.content.decode()
    assert Bilan.objects.filter(post=post, year=2024).count() == 1
    assert Convention.objects.count() == 1
