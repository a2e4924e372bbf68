"""Every role's daily journeys for the load test (scripts/loadtest).

Loopback only (scripts/loadtest refuses any other target, and so does this file). Users log in
through the form with the demo accounts and those of ``manage.py loadtest_dataset``, whose
manifest (``LOADTEST_MANIFEST``) names the references and primary keys to open:

- gestionnaire: lists, convention pages, the plan editor page, the text page, deadlines, the
  e-mail log, the financing table, a PDF, starting the deliberation's ZIP (the worker prepares it);
- partner: its own conventions, their PDF downloads, its financing;
- coordinator: the bilans dashboard and list, a transmitted bilan's review page;
- intervenant: its draft bilan's page and saving it (POST);
- signer (a partner of the load-test organisation): opens the signing page, asks for the
  one-time code, reads it from the load test's mailbox (``loadtest.mailbox``: delivered by the
  task worker, as the e-mail would be) and signs with it; then the next convention.

Think time 5 to 15 s between two pages (an office user reading a page); the time a code takes
to arrive is not a request: it is written apart (``LOADTEST_OUT``/codes.txt).
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

from loadtest.forms import form_fields

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MANIFEST = json.loads(Path(os.environ["LOADTEST_MANIFEST"]).read_text(encoding="utf-8"))
MAILBOX = Path(os.environ["LOADTEST_MAILBOX"])
OUT = Path(os.environ.get("LOADTEST_OUT", "."))
PASSWORD = MANIFEST["password"]
CODE_WAIT = 30.0  # seconds a signer waits for its code before giving up (a failure)
# Seconds between the last user's arrival and the start of the measure: the logins still queued
# (a deliberate Argon2 hash each) are served first; the figures are those of the daily journeys.
SETTLE = float(os.environ.get("LOADTEST_SETTLE", "30"))

# Accounts handed out once each (a signer's conventions, an intervenant's bilan): two
# simulated users never act on the same request or the same bilan.
SIGNERS = list(MANIFEST["signers"].items())
INTERVENANTS = list(MANIFEST["intervenants"].items())
CODE_DELAYS: list[float] = []


@events.init.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"Test de charge refusé : la cible doit être 127.0.0.1 (reçu {host!r}).")


@events.spawning_complete.add_listener
def _measure_after_settling(user_count, **kwargs):
    """Every user has arrived: the statistics start afresh ``SETTLE`` seconds later (what
    ``--reset-stats`` does at once, while the arrivals' logins are still being served)."""

    def reset() -> None:
        gevent.sleep(SETTLE)
        _ENVIRONMENT.runner.stats.reset_all()
        CODE_DELAYS.clear()
        (OUT / "measure-start.txt").write_text(time.strftime("%H:%M:%S\n", time.gmtime()))

    gevent.spawn(reset)


_ENVIRONMENT = None  # locust's, kept at init: the statistics to reset


@events.init.add_listener
def _remember_environment(environment, **kwargs):
    global _ENVIRONMENT
    _ENVIRONMENT = environment


@events.test_stop.add_listener
def _code_delays(environment, **kwargs):
    """How long the worker took to deliver the one-time codes (not part of the pages' times)."""
    if not CODE_DELAYS:
        return
    delays = sorted(CODE_DELAYS)
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))]
    text = (
        f"codes reçus {len(delays)}, délai médian {statistics.median(delays):.2f} s, "
        f"p95 {p95:.2f} s, maximum {delays[-1]:.2f} s\n"
    )
    (OUT / "codes.txt").write_text(text, encoding="utf-8")


class Member(HttpUser):
    abstract = True
    wait_time = between(5, 15)
    email = ""

    def csrf(self, page) -> str:
        found = CSRF.search(page.text or "")
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    def post(self, url: str, data, *, name: str, referer: str, **kwargs):
        return self.client.post(
            url, data, headers={"Referer": self.host + referer}, name=name, **kwargs
        )

    def login(self, email: str) -> bool:
        self.client.cookies.clear()
        page = self.client.get("/comptes/login/", name="connexion (page)")
        with self.client.post(
            "/comptes/login/",
            {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf(page)},
            headers={"Referer": self.host + "/comptes/login/"},
            name="connexion",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"connexion refusée pour {email} ({response.status_code})")
                return False
        return True

    def on_start(self):
        self.login(self.email)


class Gestionnaire(Member):
    weight = 5
    email = MANIFEST["gestionnaire"]

    def reference(self) -> str:
        return random.choice(MANIFEST["signed"])

    @task(3)
    def home(self):
        self.client.get("/", name="accueil")

    @task(2)
    def conventions(self):
        self.client.get("/conventions/", name="liste des conventions")

    @task(2)
    def signed_conventions(self):
        self.client.get("/conventions/?statut=signee", name="liste des conventions signées")

    @task(4)
    def convention(self):
        self.client.get(f"/conventions/{self.reference()}/", name="page d'une convention")

    @task(2)
    def plan(self):
        reference = random.choice(MANIFEST["signed"] + MANIFEST["drafts"])
        self.client.get(f"/conventions/{reference}/financement/", name="plan de financement")

    @task(2)
    def text(self):
        reference = random.choice(MANIFEST["signed"] + MANIFEST["drafts"])
        self.client.get(f"/conventions/{reference}/texte/", name="texte d'une convention")

    @task(1)
    def financing(self):
        self.client.get("/financement/2023/", name="tableau de financement")

    @task(1)
    def deadlines(self):
        self.client.get("/echeances/", name="échéances")

    @task(1)
    def email_log(self):
        self.client.get("/conventions/e-mails/", name="journal des e-mails")

    @task(1)
    def pdf(self):
        self.client.get(f"/conventions/{self.reference()}/pdf/", name="PDF d'une convention")

    @task(1)
    def zip(self):
        pk = MANIFEST["deliberation"]
        url = f"/conventions/deliberations/{pk}/zip/"
        page = self.client.get(url, name="archive ZIP (page)")
        self.post(
            f"{url}progression/",
            {"csrfmiddlewaretoken": self.csrf(page)},
            name="archive ZIP (lancer)",
            referer=url,
        )


class Partenaire(Member):
    weight = 4

    def on_start(self):
        self.email, self.references = random.choice(list(MANIFEST["partners"].items()))
        super().on_start()

    @task(3)
    def home(self):
        self.client.get("/", name="accueil")

    @task(2)
    def conventions(self):
        self.client.get("/conventions/", name="liste des conventions")

    @task(2)
    def convention(self):
        reference = random.choice(self.references)
        self.client.get(f"/conventions/{reference}/", name="page d'une convention")

    @task(2)
    def pdf(self):
        reference = random.choice(self.references)
        self.client.get(f"/conventions/{reference}/pdf/", name="PDF d'une convention (partenaire)")

    @task(2)
    def my_financing(self):
        self.client.get("/financement/mes-financements/", name="mes financements")


class Coordinateur(Member):
    weight = 2
    email = MANIFEST["coordinateur"]

    @task(3)
    def dashboard(self):
        self.client.get("/bilans/2022/", name="tableau de bord des bilans")

    @task(1)
    def bilans(self):
        self.client.get("/bilans/liste/", name="liste des bilans")

    @task(2)
    def review(self):
        pk = random.choice(MANIFEST["reviews"])
        self.client.get(f"/bilans/bilan/{pk}/examiner/", name="examen d'un bilan")


class Intervenant(Member):
    """Saves its own draft bilan again and again; without an account left for it (more
    simulated intervenants than bilans), it only reads the bilans list."""

    weight = 1
    bilan: int | None = None

    def on_start(self):
        if INTERVENANTS:
            self.email, self.bilan = INTERVENANTS.pop()
            super().on_start()
        else:
            self.login(MANIFEST["coordinateur"])

    @task
    def enter(self):
        if self.bilan is None:
            self.client.get("/bilans/liste/", name="liste des bilans")
            return
        url = f"/bilans/bilan/{self.bilan}/modifier/"
        page = self.client.get(url, name="saisie d'un bilan (page)")
        fields = form_fields(page.text or "")
        if page.status_code != 200 or not fields:
            return  # the page failed (counted as such): nothing to save
        with self.client.post(
            url,
            fields,
            headers={"Referer": self.host + url},
            name="saisie d'un bilan (enregistrer)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"bilan non enregistré ({response.status_code})")


class Signataire(Member):
    """A partner's representative signing electronically, one convention after another (its
    own, then another account's when they are all signed: ``loadtest_dataset`` made enough)."""

    weight = 2
    references: list[str] = []

    def on_start(self):
        self.next_account()

    def next_account(self) -> bool:
        if not SIGNERS:
            self.references = []
            return False
        self.email, references = SIGNERS.pop(0)
        self.references = list(references)
        return self.login(self.email)

    def wait_for_code(self, reference: str) -> str:
        path = MAILBOX / self.email / reference
        start = time.monotonic()
        while time.monotonic() - start < CODE_WAIT:
            if path.exists():
                CODE_DELAYS.append(time.monotonic() - start)
                return path.read_text(encoding="ascii").strip()
            gevent.sleep(0.2)
        return ""

    @task
    def sign(self):
        if not self.references and not self.next_account():
            self.client.get("/", name="accueil")
            return
        reference = self.references.pop(0)
        url = f"/conventions/{reference}/signer/"
        page = self.client.get(url, name="signature : page")
        response = self.post(
            url,
            {"action": "code", "csrfmiddlewaretoken": self.csrf(page)},
            name="signature : demander le code",
            referer=url,
        )
        code = self.wait_for_code(reference)
        if not code:
            events.request.fire(
                request_type="MAIL",
                name="signature : code non reçu",
                response_time=CODE_WAIT * 1000,
                response_length=0,
                exception=RuntimeError(f"code de {reference} non reçu en {CODE_WAIT:.0f} s"),
            )
            return
        gevent.sleep(random.uniform(2, 5))  # typing the code
        with self.client.post(
            url,
            {
                "action": "signer",
                "code": code,
                "consent": "on",
                "csrfmiddlewaretoken": self.csrf(response),
            },
            headers={"Referer": self.host + url},
            name="signature : signer",
            catch_response=True,
        ) as signed:
            if "Vous avez signé la convention" not in (signed.text or ""):
                signed.failure(f"signature de {reference} refusée ({signed.status_code})")
