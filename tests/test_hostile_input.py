"""The red team's requests that answered 500 (issue 18, « Low »), each now refused with a French
message or handled: a field over 131 072 characters in every form, ``?annee=10000``, ``-1`` or
``abc`` on every page that takes a year, a NUL byte in ``?q=`` / ``?organisation=`` /
``?convention=`` / ``?depuis=`` on every page (PostgreSQL cannot hold one), and a CSV byte that
is neither UTF-8 nor Windows-1252 in every import. Run against PostgreSQL when
``DATABASE_URL`` points to it (``DATABASE_URL=postgres://… pytest tests/test_hostile_input.py``),
where the 500s were seen; the random search over every GET parameter is tests/test_get_fuzz.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from tests.access import ROLES, build_world
from tests.test_access_matrix import MATRIX, WRITES, WROTE

pytestmark = pytest.mark.django_db

#: One character over the size the red team sent (2¹⁷).
LONG = "é" * 131_073


def _client() -> Client:
    """A client that answers a crash with its 500 page instead of raising it in the test."""
    return Client(raise_request_exception=False)


def _role_that_writes(outcomes: dict) -> str | None:
    """The first role whose POST is served (it writes, or shows the form again)."""
    for role in ROLES:
        if role != "anonyme" and (outcomes[role] == WROTE or outcomes[role] in (200, 302, 400)):
            return role
    return None


def _lengthened(payload: dict, key: str) -> dict:
    value = payload[key]
    changed = dict(payload)
    changed[key] = [LONG for _ in value] if isinstance(value, list) else LONG
    return changed


def _text_fields(payload: dict) -> list[str]:
    """The fields of a payload a person types or a browser sends as text (not the files, not
    the formsets' counters)."""
    return [
        key
        for key, value in payload.items()
        if not isinstance(value, SimpleUploadedFile)
        and not key.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"))
        and (isinstance(value, (str, int)) or (isinstance(value, list) and value))
    ]


WRITE_CASES = [
    pytest.param(name, label, kwargs, data, outcomes, id=f"{name}|{label}")
    for name, entries in sorted(WRITES.items())
    for label, kwargs, data, outcomes in entries
]


@pytest.mark.parametrize(("name", "label", "kwargs", "data", "outcomes"), WRITE_CASES)
def test_a_field_over_131072_characters_in_every_form(name, label, kwargs, data, outcomes):
    """Every form of the access matrix, posted by a role that may write, with each of its
    fields in turn 131 073 characters long: a French refusal or a save, never a 500."""
    role = _role_that_writes(outcomes)
    if role is None:
        pytest.skip("aucun rôle n'écrit")
    world = build_world()
    client = _client()
    client.force_login(world.users[role])
    url = reverse(name, kwargs=kwargs(world))
    payload = data(world)
    for key in _text_fields(payload):
        response = client.post(url, _lengthened(payload, key))
        assert response.status_code < 500, f"{role} : {url} champ {key} → {response.status_code}"


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/comptes/login/", ("username", "password")),
        ("/comptes/password_reset/", ("email",)),
    ],
)
def test_a_field_over_131072_characters_in_the_public_forms(url, fields):
    client = _client()
    for field in fields:
        data = {"username": "x@example.fr", "password": "secret", "email": "x@example.fr"}
        data[field] = LONG
        response = client.post(url, data)
        assert response.status_code < 500, f"{url} champ {field} → {response.status_code}"


def test_a_login_e_mail_over_254_characters_is_refused_in_french():
    """It reached django-axes, whose 255-character column PostgreSQL refused (500)."""
    from axes.models import AccessAttempt

    response = _client().post("/comptes/login/", {"username": LONG, "password": "x"})
    assert response.status_code == 200
    assert "comporte au plus 254 caractères" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_body_over_the_upload_limit_is_a_french_400(settings):
    """Past Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2,5 Mo) or DATA_UPLOAD_MAX_NUMBER_FIELDS
    (1 000 fields), the French « Requête incorrecte » page, status 400."""
    world = build_world()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    response = client.post("/conventions/parties/nouvelle/", {"name": "x" * 3_000_000})
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
    response = client.post(
        "/conventions/parties/nouvelle/", {f"champ{i}": "1" for i in range(1_100)}
    )
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


# --------------------------------------------------------------------------- years

GET_PAGES = [
    (name, kwargs)
    for name, entries in sorted(MATRIX.items())
    for _label, kwargs, statuses in entries[:1]
    if statuses["gestionnaire"] == 200 or statuses["coordinateur"] == 200
]


def _pages(world, pages) -> list[tuple[str, dict, str]]:
    """(name, arguments, URL) of each page in one world. Some arguments create their object
    (a prepared ZIP for a user): a second page asking the same one is left out."""
    found = []
    for name, kwargs in pages:
        try:
            with transaction.atomic():
                arguments = kwargs(world)
        except IntegrityError:
            continue
        found.append((name, arguments, reverse(name, kwargs=arguments)))
    return found


@pytest.mark.parametrize("year", ["10000", "-1", "abc", "0", "99999999999999999999"])
def test_a_year_out_of_range_on_every_page(year):
    """``?annee=`` on every page (those that read it refuse the value with a French message or
    ignore it), and every page whose address holds a year asked for year 10000: 404."""
    world = build_world()
    client = _client()
    pages = _pages(world, GET_PAGES)
    for role in ("gestionnaire", "coordinateur"):
        client.force_login(world.users[role])
        for _name, _arguments, url in pages:
            response = client.get(url, {"annee": year})
            assert response.status_code < 500, f"{role} : {url}?annee={year}"
    client.force_login(world.users["gestionnaire"])
    for name, arguments, _url in pages:
        if "year" not in arguments or not year.isdigit():
            continue
        # reverse() draws four digits only: the year is typed in the address, as by hand
        url = reverse(name, kwargs={**arguments, "year": 2987}).replace("2987", year)
        response = client.get(url)
        assert response.status_code == 404, f"{url} → {response.status_code}"
        assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("10000", "Année : Assurez-vous que cette valeur est inférieure ou égale à 2100."),
        ("-1", "Année : Assurez-vous que cette valeur est supérieure ou égale à 2000."),
        ("abc", "Année : Saisissez un nombre entier."),
    ],
)
def test_a_year_in_the_list_filters_is_refused_in_french(year, message):
    """The lists that filter by year say why the filter is not applied, and show nothing."""
    world = build_world()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    for url, nothing in (
        ("/conventions/", "Filtre non appliqué, aucune convention affichée"),
        ("/bilans/liste/", "Filtre non appliqué, aucun bilan affiché"),
    ):
        response = client.get(url, {"annee": year})
        assert response.status_code == 200
        page = response.content.decode()
        assert nothing in page and message in page, f"{url}?annee={year}"


# --------------------------------------------------------------------------- NUL bytes


@pytest.mark.parametrize("parameter", ["q", "organisation", "convention", "depuis"])
def test_a_nul_byte_in_a_parameter_of_every_page(parameter):
    """The red team's requests answered 500 on PostgreSQL (a NUL cannot be compared with
    text): every page refuses it with the French « Requête incorrecte » page, status 400."""
    world = build_world()
    client = _client()
    every_page = [(name, entries[0][1]) for name, entries in sorted(MATRIX.items())]
    urls = [url for _name, _arguments, url in _pages(world, every_page)]
    for role in ("gestionnaire", "partenaire"):
        client.force_login(world.users[role])
        for url in urls:
            response = client.get(f"{url}?{parameter}=A%00B")
            assert response.status_code in (400, 404, 403), f"{role} : {url}"
            if response.status_code == 400:
                assert "Requête incorrecte" in response.content.decode()


def test_a_nul_byte_in_a_form_is_refused_and_writes_nothing():
    world = build_world()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    response = client.post("/conventions/parties/nouvelle/", {"name": "CC\x00 du Ternois"})
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


def test_the_database_is_the_one_asked_for():
    """Says which database ran these tests (PostgreSQL when DATABASE_URL points to it)."""
    assert connection.vendor in ("postgresql", "sqlite")


# --------------------------------------------------------------------------- imports

#: A byte UTF-8 cannot start and Windows-1252 leaves undefined (also 0x8D, 0x8F, 0x90, 0x9D).
BAD_BYTE = b"\x81"


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _import_page(client, url: str, data: dict, run_tasks) -> tuple[int, str]:
    """The page that reports an import: the form itself (an import read in the request), or,
    for an import run by the worker, the page the deposit leads to once the queue has run."""
    response = client.post(url, data)
    if response.status_code == 302:
        run_tasks()
        response = client.get(response["Location"])
    return response.status_code, response.content.decode()


def _unreadable(line: int, column: int) -> str:
    return (
        f"Octet illisible (0x81) ligne {line}, colonne {column} : le fichier n'est ni en UTF-8 "
        "ni en Windows-1252. Enregistrez-le en « CSV UTF-8 »."
    )


def test_a_byte_neither_utf8_nor_cp1252_in_the_bilans_import(run_tasks):
    from reporting.models import Bilan

    world = build_world()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    row = f"{world.post.slug};2023;10;Hausse".encode()
    content = b"poste;annee;saisines_total;commentaire\r\n" + row + BAD_BYTE + b"\r\n"
    status, page = _import_page(
        client, "/bilans/import/", {"file": _upload("bilans.csv", content)}, run_tasks
    )
    assert status in (200, 400)
    assert escape(_unreadable(2, len(row) + 1)) in page
    assert not Bilan.objects.exists()


@pytest.mark.parametrize(
    ("url", "header", "model"),
    [
        ("/conventions/parties/importer/", b"nature;denomination", "conventions.Party"),
        ("/conventions/postes/importer/", b"identifiant;nom;employeur", "conventions.Post"),
    ],
)
def test_a_byte_neither_utf8_nor_cp1252_in_the_parties_and_posts_imports(
    url, header, model, run_tasks
):
    from django.apps import apps

    world = build_world()
    before = apps.get_model(model).objects.count()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    content = header + b"\r\ncommune;Commune de Fr" + BAD_BYTE + b"vent\r\n"
    status, page = _import_page(client, url, {"file": _upload("import.csv", content)}, run_tasks)
    assert status in (200, 400)
    assert escape(_unreadable(2, len("commune;Commune de Fr") + 1)) in page
    assert apps.get_model(model).objects.count() == before


def test_a_byte_neither_utf8_nor_cp1252_in_the_collections_import(run_tasks):
    """Read by the worker: the import is refused whole, its page says why."""
    from financing.models import Collection, CollectionImport

    world = build_world()
    client = _client()
    client.force_login(world.users["gestionnaire"])
    content = b"numero_titre;date;montant\r\nTR-2023-0001;15/11/2023;21 000,00" + BAD_BYTE
    response = client.post("/financement/encaissements/", {"file": _upload("retour.csv", content)})
    assert response.status_code == 302
    run_tasks()
    done = CollectionImport.objects.get()
    assert done.status == "refuse"
    assert done.report["errors"] == [_unreadable(2, len("TR-2023-0001;15/11/2023;21 000,00") + 1)]
    assert not Collection.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Fichier refusé : rien n'a été modifié." in page


def test_a_byte_not_utf8_in_an_imported_plan():
    from financing.models import FinancingPlan
    from tests.test_access_matrix import _draft_with_post

    world = build_world()
    arguments = _draft_with_post(world)
    before = list(FinancingPlan.objects.values_list("pk", "data"))
    client = _client()
    client.force_login(world.users["gestionnaire"])
    upload = SimpleUploadedFile(
        "plan.json", b'{"rounding": "half_up' + BAD_BYTE + b'"}', "application/json"
    )
    response = client.post(
        reverse("conventions:plan", kwargs=arguments), {"mode": "json", "fichier": upload}
    )
    assert response.status_code == 400
    assert "n&#x27;est pas un plan exporté par l&#x27;application" in response.content.decode()
    assert list(FinancingPlan.objects.values_list("pk", "data")) == before
