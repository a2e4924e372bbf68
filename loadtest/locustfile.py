"""Daily journeys for the load test (scripts/loadtest): gestionnaires, partners, coordinators.

Loopback only; users log in through the form with the demo accounts (password demo-iscg-2026).
"""

import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo-iscg-2026"
PARTNERS = [
    "partenaire.pas-de-calais.epci-cc-ternois@demo.iscg.fr",
    "partenaire.pas-de-calais.epci-ca-bethune-bruay@demo.iscg.fr",
    "partenaire.pas-de-calais.etat-62@demo.iscg.fr",
    "partenaire.pas-de-calais.departement-62@demo.iscg.fr",
]
REFERENCES = [f"PDC2023-A{n:02d}" for n in range(3, 18)]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Member(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    email = ""

    def on_start(self):
        page = self.client.get("/comptes/login/", name="connexion (page)")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/comptes/login/",
            {"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/comptes/login/"},
            name="connexion",
            allow_redirects=False,
        )
        if response.status_code != 302:
            response.failure(f"connexion refusée pour {self.email}")


class Gestionnaire(Member):
    weight = 3
    email = "gestionnaire@demo.iscg.fr"

    @task(3)
    def home(self):
        self.client.get("/", name="accueil")

    @task(4)
    def conventions(self):
        self.client.get("/conventions/?statut=signee", name="liste des conventions")

    @task(4)
    def convention(self):
        self.client.get(f"/conventions/{random.choice(REFERENCES)}/", name="page d'une convention")

    @task(2)
    def financing(self):
        self.client.get("/financement/2023/", name="tableau de financement")

    @task(1)
    def deadlines(self):
        self.client.get("/echeances/", name="échéances")

    @task(1)
    def pdf(self):
        self.client.get(
            f"/conventions/{random.choice(REFERENCES)}/pdf/", name="PDF d'une convention"
        )


class Partenaire(Member):
    weight = 2

    def on_start(self):
        self.email = random.choice(PARTNERS)
        super().on_start()

    @task(3)
    def home(self):
        self.client.get("/", name="accueil")

    @task(2)
    def conventions(self):
        self.client.get("/conventions/", name="liste des conventions")

    @task(2)
    def my_financing(self):
        self.client.get("/financement/mes-financements/", name="mes financements")


class Coordinateur(Member):
    weight = 1
    email = "coordinateur@demo.iscg.fr"

    @task(3)
    def dashboard(self):
        self.client.get("/bilans/2022/", name="tableau de bord des bilans")

    @task(1)
    def bilans(self):
        self.client.get("/bilans/liste/", name="liste des bilans")
