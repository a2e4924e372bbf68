"""Convention PDF: render time of the longest demo convention, cold and warm, and the stored one.

Run: ``.venv/bin/python benchmarks/bench_pdf.py`` (``make bench`` runs it). Prints:

* cold: a fresh Python process that imports WeasyPrint, loads the fonts and renders (median of
  10 processes; the interpreter's own start is not counted);
* warm: the same render again in a process that already rendered once (median of 20);
* stored: an unchanged draft's PDF through the app (``convention_document``: its HTML is
  rendered and hashed, the stored file found) and through the page ``/conventions/REF/pdf/``
  (a convention sent to signature is served from its frozen version without even that);
* LibreOffice, when ``soffice`` is installed (Debian: ``libreoffice-writer-nogui``):
  ``soffice --headless --convert-to pdf`` of the same HTML from a fresh process with an existing
  profile (median of 10), its page count, and the ratio to WeasyPrint's cold render.

Targets (issue 5): warm under 0.8 s for a 13-page convention, stored under 50 ms.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

tmp = configure("iscg-bench-pdf-")

COLD_RUNS = 10
WARM_RUNS = 20
SOFFICE_RUNS = 10


def cold_child(html_path: str) -> None:
    """In a fresh process: import, load fonts, render once; print the seconds it took."""
    import django

    django.setup()
    start = time.perf_counter()
    from conventions.documents import render_pdf

    render_pdf(Path(html_path).read_text(encoding="utf-8"))
    print(f"{time.perf_counter() - start:.4f}")


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms"


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from conventions import documents, services
    from conventions.models import Convention, ConventionStatus
    from iscg.models import User

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    # The longest demo convention, by pages (each rendered once: this also warms the process).
    longest, longest_pages, html = None, 0, ""
    for convention in Convention.objects.order_by("reference"):
        rendered = documents.render_html(convention)
        _, pages = documents.render_pdf(rendered.html)
        if pages > longest_pages:
            longest, longest_pages, html = convention, pages, rendered.html
    html_path = Path(tmp) / f"{longest.reference}.html"
    html_path.write_text(html, encoding="utf-8")
    print(f"convention la plus longue : {longest.reference}, {longest_pages} pages")

    cold = []
    for _ in range(COLD_RUNS):
        out = subprocess.run(
            [sys.executable, __file__, "--cold", str(html_path)],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        ).stdout
        cold.append(float(out.strip().splitlines()[-1]))
    print(f"WeasyPrint à froid (nouveau processus) : {median_ms(cold)} (médiane de {COLD_RUNS})")

    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        documents.render_pdf(html)
        warm.append(time.perf_counter() - start)
    print(f"WeasyPrint à chaud : {median_ms(warm)} (médiane de {WARM_RUNS}), cible < 800 ms")
    per_page = statistics.median(warm) / longest_pages * 13
    print(f"  soit, ramené à 13 pages : {per_page * 1000:.0f} ms")

    # A draft: its HTML is rendered and hashed each time, the stored file found by the hash.
    Convention.objects.filter(pk=longest.pk).update(status=ConventionStatus.DRAFT)
    # Rendered here as the worker would (the page serves stored PDFs only, never renders).
    services.document_rendered(
        services.convention_document(convention=Convention.objects.get(pk=longest.pk))
    )
    stored = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        services.convention_document(convention=Convention.objects.get(pk=longest.pk))
        stored.append(time.perf_counter() - start)
    print(f"PDF enregistré d'un brouillon inchangé (service) : {median_ms(stored)}, cible < 50 ms")
    client = Client()
    client.force_login(User.objects.get(email="gestionnaire@demo.iscg.fr"))
    url = f"/conventions/{longest.reference}/pdf/"
    client.get(url)
    page = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        response = client.get(url)
        page.append(time.perf_counter() - start)
    assert response["Content-Type"] == "application/pdf", response["Content-Type"]
    print(f"PDF enregistré, page {url} : {median_ms(page)}")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) absent : pas de comparaison.")
        return

    def convert(outdir: Path) -> Path:
        # One user profile for every run: LibreOffice builds it on its first start (untimed
        # below), as it would on a server that converts documents all day.
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp}/lo-profile",
                "--convert-to",
                "pdf:writer_web_pdf_Export",
                "--outdir",
                str(outdir),
                str(html_path),
            ],
            capture_output=True,
            check=True,
        )
        return outdir / f"{html_path.stem}.pdf"

    from pypdf import PdfReader

    lo_pdf = convert(Path(tmp) / "soffice-warmup")
    lo_pages = len(PdfReader(lo_pdf).pages)
    times = []
    for run in range(SOFFICE_RUNS):
        start = time.perf_counter()
        convert(Path(tmp) / f"soffice-{run}")
        times.append(time.perf_counter() - start)
    ratio = statistics.median(times) / statistics.median(cold)
    print(
        f"LibreOffice --convert-to pdf (nouveau processus, profil déjà créé) : "
        f"{median_ms(times)} (médiane de {SOFFICE_RUNS}), {lo_pages} pages ; "
        f"rapport LibreOffice / WeasyPrint à froid : {ratio:.2f}"
    )
    print(
        "  (LibreOffice ignore les règles @page de la feuille de style : ni référence en tête de "
        "page, ni « Page X / Y » ; la comparaison porte sur le temps seul)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cold":
        cold_child(sys.argv[2])
    else:
        main()
