"""Spreadsheet imports run by the worker (issue 18): the page only stores the file and queues the
job; the job's page follows it; the import is all or nothing (errors, refusals and crashes write
nothing); only the uploader and the gestionnaires of its organisation see the job."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conventions import reference
from conventions.models import Party, Post
from iscg import imports, spreadsheets
from iscg.models import ImportJob, Role
from reporting.models import Bilan
from tests.factories import PartyFactory, PostFactory, UserFactory
from tests.queue import import_through_page, run_queue

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"
PARTY_IMPORT = "/conventions/parties/importer/"
BILAN_IMPORT = "/bilans/import/"


def _csv(*lines: str, name: str = "parties.csv") -> dict:
    content = "\r\n".join(lines).encode("utf-8")
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def _parties(count: int) -> dict:
    return _csv("nature;denomination", *(f"commune;Commune n°{i}" for i in range(1, count + 1)))


def _job(user, organisation, *, queued: bool = True, **extra):
    """A deposited file of one party; with its task in the queue unless told."""
    from iscg.tasks import run_import

    job = ImportJob.objects.create(
        user=user,
        organisation=organisation,
        importer="conventions.reference_imports.parties_job",
        label="Import de parties",
        filename="parties.csv",
        content=b"nature;denomination\r\ncommune;X\r\n",
        **extra,
    )
    if queued:
        run_import.enqueue(job_id=job.pk, organisation_id=organisation.pk)
    return job


# --------------------------------------------------------------------------- the flow


def test_the_page_stores_the_file_and_queues_the_job_then_the_worker_imports(
    client_g, gestionnaire, organisation
):
    response = client_g.post(PARTY_IMPORT, _parties(3))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_job", kwargs={"token": job.token})
    # Nothing is read in the request: no party yet, the job waits with its file.
    assert not Party.objects.exists()
    assert (job.status, job.user, job.organisation) == ("en_attente", gestionnaire, organisation)
    assert bytes(job.content).startswith(b"nature;denomination")
    task = DBTaskResult.objects.get(task_path="iscg.tasks.run_import")
    assert task.args_kwargs["kwargs"] == {"job_id": job.pk, "organisation_id": organisation.pk}

    waiting = client_g.get(response["Location"])
    page = waiting.content.decode()
    assert waiting.status_code == 200
    assert "Fichier déposé, en attente de traitement." in page
    assert f'data-refresh-url="{response["Location"]}"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert waiting["Cache-Control"] == "private, no-store"

    assert run_queue() == 1
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("termine", 3, 3)
    assert job.result == {
        "created": 3,
        "updated": 0,
        "summary": "3 parties ajoutées, 0 mise à jour.",
        "errors": [],
        "error_count": 0,
    }
    assert Party.objects.filter(organisation=organisation).count() == 3
    # Written by the services, in the uploader's name.
    assert Party.objects.get(name="Commune n°2").history.get().history_user == gestionnaire
    done = client_g.get(response["Location"]).content.decode()
    assert "Import terminé : 3 parties ajoutées, 0 mise à jour." in done
    assert "data-refresh-url" not in done and "http-equiv" not in done
    assert reverse("conventions:party_list") in done


def test_a_second_run_of_a_finished_job_changes_nothing(client_g, organisation):
    import_through_page(client_g, PARTY_IMPORT, _parties(2))
    job = ImportJob.objects.get()
    assert imports.run(job.pk) == "termine"
    assert Party.objects.count() == 2
    assert ImportJob.objects.get().result["created"] == 2


def test_a_job_left_running_by_a_stopped_worker_is_run_again_from_the_start(
    gestionnaire, organisation
):
    job = _job(gestionnaire, organisation, status=ImportJob.Status.RUNNING, done=1, total=1)
    assert imports.run(job.pk) == "termine"
    job.refresh_from_db()
    assert (job.result["created"], Party.objects.count()) == (1, 1)


def test_progress_is_reported_row_by_row(gestionnaire, organisation):
    from conventions.reference_imports import parties_import

    seen = []
    content = "\r\n".join(["nature;denomination", "commune;A", "", "commune;B"]).encode()
    report = parties_import(
        content,
        "p.csv",
        organisation=organisation,
        by=gestionnaire,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.ok and report.created == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_bilans_progress_is_reported_row_by_row(gestionnaire, organisation):
    from reporting import services

    post = PostFactory(organisation=organisation, slug="isg_a")
    seen = []
    content = "\r\n".join(
        [
            "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total",
            f"{post.slug};2022;1;1;1;3",
            f"{post.slug};2023;1;1;1;3",
        ]
    ).encode()
    report = services.bilans_import(
        user=gestionnaire,
        organisation=organisation,
        content=content,
        filename="b.csv",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.ok and report.created == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_the_running_page_shows_the_rows_checked(client_g, gestionnaire, organisation):
    job = _job(gestionnaire, organisation, status=ImportJob.Status.RUNNING, done=1200, total=20000)
    job_url = reverse("import_job", kwargs={"token": job.token})
    page = client_g.get(job_url).content.decode()
    assert "Import en cours." in page
    assert "1\u00a0200\u00a0lignes vérifiées sur 20\u00a0000" in page
    assert '<progress id="import-progress" max="20000" value="1200">6 %</progress>' in page


# --------------------------------------------------------------------------- errors


def test_rows_in_error_are_listed_and_nothing_is_written(client_g, organisation):
    data = _csv(
        "nature;denomination;siret",
        "epci;CC du Haut Pays Bigouden;",
        "commune;Commune de Quimper;" + VALID_SIRET,
        "etat;Préfecture;12345678901234",
    )
    page = import_through_page(client_g, PARTY_IMPORT, data).content.decode()
    assert "Rien n'a été enregistré : 1\u00a0erreur." in page
    assert "Ligne 4, colonne « siret » : Ce SIRET n&#x27;est pas valide" in page
    assert reverse("conventions:party_import") in page  # « Corriger le fichier… »
    job = ImportJob.objects.get()
    assert (job.status, job.result["created"], job.result["error_count"]) == ("refuse", 0, 1)
    assert not Party.objects.exists()
    assert not Party.history.exists()


def test_only_the_first_errors_are_kept_and_the_page_says_how_many(
    client_g, organisation, monkeypatch
):
    monkeypatch.setattr(imports, "MAX_ERRORS_KEPT", 2)
    data = _csv("nature;denomination", *("planète;Mars" for _ in range(5)))
    page = import_through_page(client_g, PARTY_IMPORT, data).content.decode()
    assert "Rien n'a été enregistré : 5\u00a0erreurs. Voici les 2 premières." in page
    assert page.count("<li>Ligne ") == 2


def test_bilans_errors_name_the_line_and_column(client_g, organisation):
    post = PostFactory(organisation=organisation, slug="isg_a")
    data = _csv(
        "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total",
        f"{post.slug};2022;1;1;1;3",
        f"{post.slug};2023;1;1;1;4",
        "inconnu;2023;1;1;1;3",
        name="bilans.csv",
    )
    page = import_through_page(client_g, BILAN_IMPORT, data).content.decode()
    assert "Rien n'a été enregistré : 2\u00a0erreurs." in page
    assert "Ligne 3, colonne « saisines_total » : Femmes 1 + hommes 1 + enfants 1 = 3" in page
    assert "Ligne 4, colonne « poste » : Poste « inconnu » inconnu" in page
    assert not Bilan.objects.exists()


def test_an_uploader_no_longer_gestionnaire_imports_nothing(client_g, gestionnaire):
    client_g.post(PARTY_IMPORT, _parties(1))
    gestionnaire.role = Role.COORDINATEUR
    gestionnaire.save()
    run_queue()
    job = ImportJob.objects.get()
    assert job.status == "refuse"
    assert "n'est plus gestionnaire de l'organisation" in job.result["errors"][0]
    assert not Party.objects.exists()


def test_the_page_refuses_a_wrong_type_or_a_file_too_large_before_storing_it(client_g, monkeypatch):
    response = client_g.post(PARTY_IMPORT, _csv("x", name="parties.pdf"))
    assert response.status_code == 400
    assert "Format non reconnu : déposez un fichier .xlsx ou .csv." in response.content.decode()
    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", 1024 * 1024)
    big = {"file": SimpleUploadedFile("p.csv", b"nature;denomination\r\n" + b"x" * 1024 * 1024)}
    response = client_g.post(PARTY_IMPORT, big)
    assert response.status_code == 400
    assert "Le fichier pèse 1,0 Mo : 1 Mo au plus." in response.content.decode()
    response = client_g.post(BILAN_IMPORT, _csv("", name="bilans.csv"))
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_too_many_imports_waiting_are_refused(client_g, gestionnaire, organisation, monkeypatch):
    monkeypatch.setattr(imports, "MAX_PENDING_PER_USER", 2)
    for _ in range(2):
        assert client_g.post(PARTY_IMPORT, _parties(1)).status_code == 302
    response = client_g.post(PARTY_IMPORT, _parties(1))
    assert response.status_code == 429
    assert "Vous avez déjà 2 imports en cours" in response.content.decode()
    assert ImportJob.objects.count() == 2


# --------------------------------------------------------------------------- atomicity


def test_a_crash_at_row_n_writes_nothing_and_the_job_says_why(client_g, organisation, monkeypatch):
    """Rows 1 and 2 are saved by the service, row 3 crashes: the whole import is rolled back
    (parties and their history), the job is marked failed with a French reason."""
    original = reference.party_save
    calls = []

    def crashing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(reference, "party_save", crashing)
    page = import_through_page(client_g, PARTY_IMPORT, _parties(5)).content.decode()
    assert len(calls) == 3
    assert not Party.objects.exists()
    assert not Party.history.exists()
    job = ImportJob.objects.get()
    assert job.status == "echec"
    assert job.error.startswith(
        "L'import s'est arrêté après 2\u00a0lignes vérifiées sur une erreur inattendue "
        "(RuntimeError) : rien n'a été enregistré."
    )
    assert "L'import n'a pas abouti : rien n'a été enregistré." in page
    assert "disk full" not in page
    # Not retried: the job is over (asking the worker again would fail the same way).
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_a_crash_while_the_bilans_are_written_writes_none(client_g, organisation, monkeypatch):
    """The bilans are written in batches after every row is checked: the first batch
    written, the second crashes; none stays."""
    from reporting import imports as bilan_imports

    posts = [PostFactory(organisation=organisation, slug=f"p{i}") for i in range(4)]
    original = bilan_imports.bulk_create_with_history

    def first_batch_then_crash(objs, model, batch_size=None, **kwargs):
        original(objs[:2], model, batch_size=batch_size, **kwargs)
        assert Bilan.objects.count() == 2
        raise RuntimeError("connection lost")

    monkeypatch.setattr(bilan_imports, "bulk_create_with_history", first_batch_then_crash)
    data = _csv(
        "poste;annee;saisines_femmes;saisines_hommes;saisines_enfants;saisines_total",
        *(f"{post.slug};2022;1;1;1;3" for post in posts),
        name="bilans.csv",
    )
    import_through_page(client_g, BILAN_IMPORT, data)
    assert not Bilan.objects.exists()
    assert not Bilan.history.exists()
    assert ImportJob.objects.get().status in ("refuse", "echec")


def test_a_job_whose_task_is_gone_for_good_is_marked_failed(client_g, gestionnaire, organisation):
    job = _job(gestionnaire, organisation, status=ImportJob.Status.RUNNING, queued=False)
    page = client_g.get(reverse("import_job", kwargs={"token": job.token})).content.decode()
    job.refresh_from_db()
    assert (job.status, job.error) == ("echec", imports.LOST)
    assert "le travailleur a été interrompu" in page
    assert not Party.objects.exists()


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("uploader", 200),
        ("gestionnaire de l'organisation", 200),
        ("coordinateur de l'organisation", 404),
        ("gestionnaire d'une autre organisation", 404),
        ("partenaire", 404),
        ("intervenant", 404),
        ("administrateur", 404),
    ],
)
def test_only_the_uploader_and_the_gestionnaires_of_its_organisation_see_a_job(
    client, gestionnaire, organisation, who, status
):
    job = _job(gestionnaire, organisation)
    users = {
        "uploader": gestionnaire,
        "gestionnaire de l'organisation": UserFactory(gestionnaire=True, organisation=organisation),
        "coordinateur de l'organisation": UserFactory(coordinateur=True, organisation=organisation),
        "gestionnaire d'une autre organisation": UserFactory(gestionnaire=True),
        "partenaire": UserFactory(partenaire=True, party=PartyFactory(organisation=organisation)),
        "intervenant": UserFactory(intervenant=True, post=PostFactory(organisation=organisation)),
        "administrateur": UserFactory(is_superuser=True, is_staff=True),
    }
    client.force_login(users[who])
    url = reverse("import_job", kwargs={"token": job.token})
    response = client.get(url)
    assert response.status_code == status
    if status == 404:
        assert "parties.csv" not in response.content.decode()
    assert client.post(url).status_code == status
    assert ImportJob.objects.get().status == "en_attente"  # seen or not, nothing changed


def test_anonymous_is_sent_to_login_and_an_unknown_token_is_404(client, gestionnaire):
    job = _job(gestionnaire, gestionnaire.organisation)
    url = reverse("import_job", kwargs={"token": job.token})
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(gestionnaire)
    unknown = reverse("import_job", kwargs={"token": "00000000-0000-0000-0000-000000000000"})
    assert client.get(unknown).status_code == 404


def test_a_coordinator_cannot_deposit_and_nothing_is_stored(client, organisation):
    client.force_login(UserFactory(coordinateur=True, organisation=organisation))
    assert client.post(PARTY_IMPORT, _parties(1)).status_code == 403
    assert client.post(BILAN_IMPORT, _csv("poste;annee", name="b.csv")).status_code == 403
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()


# --------------------------------------------------------------------------- posts, purge


def test_posts_import_through_the_worker(client_g, organisation):
    PartyFactory(organisation=organisation, name="CIAS du Pays de Quimper", short_name="CIAS")
    data = _csv("intitule;type;employeur", "ISCG Quimper;iscg;CIAS", name="postes.csv")
    page = import_through_page(client_g, "/conventions/postes/importer/", data).content.decode()
    assert "Import terminé : 1 poste ajouté, 0 mis à jour." in page
    assert Post.objects.get().employer.short_name == "CIAS"


def test_old_finished_jobs_are_purged_with_their_file(gestionnaire, organisation):
    old = _job(gestionnaire, organisation, status=ImportJob.Status.DONE, queued=False)
    waiting = _job(gestionnaire, organisation)
    recent = _job(gestionnaire, organisation, status=ImportJob.Status.REFUSED, queued=False)
    ImportJob.objects.filter(pk__in=[old.pk, waiting.pk]).update(
        created_at=timezone.now() - timedelta(days=imports.KEEP_DAYS + 1)
    )
    assert imports.purge() == 1
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_the_100_000_row_file_of_the_red_team_is_refused_by_the_worker_not_read_in_the_request(
    client_g, organisation, monkeypatch
):
    """Issue 18: a 100 000-row CSV took 74–87 s in one web request. The request now only stores
    it; the worker stops reading past the row limit and refuses it in French, writing nothing."""
    from conventions import reference_imports

    read_in_request = []
    original = spreadsheets.read

    def counted_read(*args, **kwargs):
        read_in_request.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reference_imports.spreadsheets, "read", counted_read)
    data = _parties(100_000)
    response = client_g.post(PARTY_IMPORT, data)
    assert response.status_code == 302 and not read_in_request
    run_queue()
    assert read_in_request == [1]  # by the worker
    job = ImportJob.objects.get()
    assert job.status == "refuse"
    assert job.result["error_count"] == 1
    assert job.result["errors"][0].startswith("Le fichier compte plus de 20\u202f000 lignes")
    assert not Party.objects.exists()
