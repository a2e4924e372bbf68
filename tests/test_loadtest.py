"""The load test's own pieces: its dataset (conventions whose signature can be repeated), its
mailbox (the one-time codes, load-test settings only), the memory verdict of the soak, the
form re-posting and the loopback-only guard of scripts/loadtest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from conventions.models import Convention, SignatureRequest, SignatureRequestState
from demo import loadtest
from iscg.models import User
from loadtest import cpu, memory
from loadtest.forms import form_fields
from loadtest.mailbox import CodeMailbox, code_path
from reporting.models import Bilan
from tests.queue import run_queue

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- pure pieces


def test_memory_flat_within_ten_percent_compares_medians_after_the_warm_up():
    # 5 minutes of warm-up (growing), then 100 MiB with noise, ending at 108: flat.
    steady = [50, 70, 80, 90, 95] + [100, 101, 99, 100, 102] + [104] * 15 + [108] * 5
    (result,) = memory.flatness({"gunicorn": steady})
    assert (result.first, result.last) == (100, 108)
    assert result.flat and memory.verdict([result]) == "plate à 10 % près"


def test_memory_growing_over_ten_percent_is_not_flat_and_named():
    leaking = [100] * 10 + [100 + 2 * n for n in range(20)]
    results = memory.flatness({"travailleur des tâches": leaking, "maître": [30.0] * 30})
    assert [r.flat for r in results] == [False, True]
    assert memory.verdict(results) == "NON plate (travailleur des tâches)"
    rows = [dict.fromkeys(memory.MEMORY + memory.MEMORY_PG, 10.0) | {"charge": 1.5}] * 3
    text = memory.report(rows)  # a short run still reports, over what it has
    assert "| 3 | 1,50 |" in text and "Verdict : plate à 10 % près." in text


def test_cpu_summary_adds_up_each_page_from_every_process_file(tmp_path):
    (tmp_path / "cpu-1.tsv").write_text(
        "GET\tconventions:detail\t200\t30.00\t40.00\nGET\thome\t200\t10.00\t12.00\n",
        encoding="utf-8",
    )
    (tmp_path / "cpu-2.tsv").write_text(
        "GET\tconventions:detail\t200\t50.00\t90.00\nGET\tconventions:detail\t200\t10.00\t11.00\n",
        encoding="utf-8",
    )
    lines = cpu.summary(tmp_path).splitlines()
    # Most CPU first: 3 detail pages (median 30 ms, 90 ms in all = 90 % of the 100 ms).
    assert lines[2] == "| GET conventions:detail | 3 | 30.0 | 0.1 | 90.0 % |"
    assert lines[3] == "| GET home | 1 | 10.0 | 0.0 | 10.0 % |"
    assert lines[-1] == "4 requêtes, CPU des vues (gunicorn) 0.1 s en tout"


def test_cpu_middleware_logs_each_request_by_url_name(tmp_path, monkeypatch, rf):
    from django.http import HttpResponse

    monkeypatch.setenv("LOADTEST_OUT", str(tmp_path))
    request = rf.get("/")
    request.resolver_match = type("Match", (), {"view_name": "home"})()
    response = cpu.CpuLogMiddleware(lambda r: HttpResponse(status=204))(request)
    assert response.status_code == 204
    (written,) = tmp_path.glob("cpu-*.tsv")
    method, name, status, cpu_ms, wall_ms = written.read_text(encoding="utf-8").split("\t")
    assert (method, name, status) == ("GET", "home", "204")
    assert float(cpu_ms) >= 0 and float(wall_ms) >= 0


def test_memory_sampling_reads_this_process():
    import os

    assert memory.rss(os.getpid()) > 10 * memory.MIB
    assert memory._rss_proc(os.getpid()) > 10 * memory.MIB  # the /proc fallback


def test_postgresql_backends_are_found_by_their_title():
    assert memory.is_backend_of(
        "postgres: 15/main: postgres iscg_load 127.0.0.1(3953) idle", "iscg_load"
    )
    assert memory.is_backend_of("postgres: postgres iscg_load [local] idle", "iscg_load")
    assert not memory.is_backend_of(
        "postgres: 15/main: postgres iscg_g 127.0.0.1(1) idle", "iscg_load"
    )
    assert not memory.is_backend_of("postgres: 15/main: checkpointer ", "iscg_load")
    assert not memory.is_backend_of("python manage.py worker iscg_load", "iscg_load")


def test_form_fields_are_what_a_browser_submits():
    page = """<form method="get"><input name="q" value="x"></form>
    <form method="post" action="/comptes/logout/"><input name="logout" value="1"></form>
    <form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">
    <input name="a" value="1"><input type="checkbox" name="b"><input type="checkbox" name="c" checked>
    <textarea name="d">
texte</textarea><select name="e"><option value="1">un</option><option value="2" selected>deux</option></select>
    <select name="f"><option value="z">z</option></select><button type="submit" name="go">OK</button>
    </form><form method="post"><input name="other" value="no"></form>"""
    assert form_fields(page) == [
        ("csrfmiddlewaretoken", "t"),
        ("a", "1"),
        ("c", "on"),
        ("d", "texte"),
        ("e", "2"),
        ("f", "z"),
    ]


def test_the_mailbox_keeps_only_the_signing_codes(tmp_path):
    box = CodeMailbox(directory=str(tmp_path))
    messages = [
        mail.EmailMessage(
            "Votre code",
            "Votre code pour signer la convention CHARGE-001-002 : 123456\n",
            to=["a@x.fr"],
        ),
        mail.EmailMessage("Autre", "Bonjour, rien à signer.", to=["a@x.fr"]),
    ]
    assert box.send_messages(messages) == 2
    assert code_path(tmp_path, "a@x.fr", "CHARGE-001-002").read_text() == "123456"
    assert [p.name for p in (tmp_path / "a@x.fr").iterdir()] == ["CHARGE-001-002"]


def test_the_script_refuses_any_target_but_loopback():
    result = subprocess.run(
        [str(ROOT / "scripts" / "loadtest"), "10"],
        env={"LOADTEST_HOST": "192.168.1.10", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "ne vise que 127.0.0.1" in result.stderr


# --------------------------------------------------------------------------- the dataset


@pytest.mark.django_db
def test_the_dataset_needs_the_demo():
    with pytest.raises(ValueError, match="load_demo"):
        loadtest.build(signers=1, per_signer=1, intervenants=1)


@pytest.mark.django_db
def test_dataset_signing_can_be_repeated_and_the_code_read_from_the_mailbox(
    demo_data, client, tmp_path, settings
):
    manifest = tmp_path / "manifest.json"
    call_command(
        "loadtest_dataset", signers=2, per_signer=3, intervenants=2, manifest=str(manifest)
    )
    data = json.loads(manifest.read_text())
    assert {len(refs) for refs in data["signers"].values()} == {3} and len(data["signers"]) == 2
    assert data["deliberation"] and data["signed"] and data["partners"]
    email, references = next(iter(data["signers"].items()))
    client.force_login(User.objects.get(email=email))
    # The load test's settings: the worker delivers the codes to the mailbox.
    box = tmp_path / "box"
    settings.MAILERS = {
        "default": {"BACKEND": "loadtest.mailbox.CodeMailbox", "OPTIONS": {"directory": str(box)}}
    }
    for reference in references[:2]:  # one after the other, each a fresh request
        url = f"/conventions/{reference}/signer/"
        assert client.get(url).status_code == 200
        assert client.post(url, {"action": "code"}).status_code == 302
        run_queue()
        code = code_path(box, email, reference).read_text()
        response = client.post(
            url, {"action": "signer", "code": code, "consent": "on"}, follow=True
        )
        assert "Vous avez signé la convention" in response.content.decode()
        convention = Convention.objects.get(reference=reference)
        states = dict(
            SignatureRequest.objects.filter(convention=convention).values_list("position", "state")
        )
        # The second party's turn opens: the convention stays "à signer" (nothing to seal).
        assert states == {1: SignatureRequestState.SIGNED, 2: SignatureRequestState.OPEN}
        assert convention.status == "a_signer"
    # Another signer's convention is out of reach (404), and a third stays open for later.
    other = next(refs for mail_, refs in data["signers"].items() if mail_ != email)[0]
    assert client.get(f"/conventions/{other}/signer/").status_code == 404
    assert (
        SignatureRequest.objects.get(convention__reference=references[2], position=1).state
        == SignatureRequestState.OPEN
    )


@pytest.mark.django_db
def test_dataset_intervenant_saves_its_draft_bilan_by_reposting_the_page(demo_data, client):
    data = loadtest.build(signers=1, per_signer=1, intervenants=2)
    email, pk = next(iter(data["intervenants"].items()))
    client.force_login(User.objects.get(email=email))
    url = f"/bilans/bilan/{pk}/modifier/"
    fields = form_fields(client.get(url).content.decode())
    response = client.post(url, dict(fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Bilan.objects.get(pk=pk).referrals_total == loadtest.FIGURES["referrals_total"]
    # The coordinator opens the transmitted bilans to review.
    client.force_login(User.objects.get(email=data["coordinateur"]))
    for review in data["reviews"]:
        assert client.get(f"/bilans/bilan/{review}/examiner/").status_code == 200
    # Built again, nothing doubles.
    again = loadtest.build(signers=1, per_signer=1, intervenants=2)
    assert again["intervenants"] == data["intervenants"]
    assert Convention.objects.filter(organisation__slug=loadtest.ORGANISATION_SLUG).count() == 1
