"""The organisation's seal: what sealing adds to a convention's render (issue 16).

Run: ``.venv/bin/python benchmarks/bench_seal.py`` (``make bench`` runs it). With a throw-away
seal certificate, prints for the longest demo convention and for a 6-page document: the warm
render, the seal alone and render + seal (medians of 20, in a process that already sealed once:
the certificate is loaded once per worker), and the verification of the sealed file.

Target: sealing adds under 100 ms per document.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

tmp = configure("iscg-bench-seal-")
os.environ["SEAL_PKCS12_PATH"] = f"{tmp}/seal.p12"
RUNS = 20


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms"


def timed(function, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def measure(label: str, html: str) -> None:
    from conventions import documents, sealing

    pdf, pages = documents.render_pdf(html)
    seal = {"reason": "Convention signée par toutes les parties", "location": "Arras"}
    sealing.seal_pdf(pdf, **seal)  # warm
    render = timed(lambda: documents.render_pdf(html))
    seal_only = timed(lambda: sealing.seal_pdf(pdf, **seal))
    both = timed(lambda: sealing.seal_pdf(documents.render_pdf(html)[0], **seal))
    sealed = sealing.seal_pdf(pdf, **seal)
    verify = timed(lambda: sealing.verify_pdf(sealed))
    assert sealing.verify_pdf(sealed).is_sealed_by_us
    print(f"{label} ({pages} pages) :")
    print(f"  rendu à chaud : {median_ms(render)}")
    print(f"  sceau seul : {median_ms(seal_only)} (cible < 100 ms)")
    print(f"  rendu + sceau : {median_ms(both)}")
    print(f"  vérification du PDF scellé : {median_ms(verify)}")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from conventions import documents, sealing
    from conventions.models import Convention

    sealing.make_certificate(
        settings.SEAL_PKCS12_PATH, settings.SEAL_PKCS12_PASSWORD, organisation="Banc d'essai"
    )
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    longest, longest_pages, html = None, 0, ""
    for convention in Convention.objects.order_by("reference"):
        rendered = documents.render_html(convention, projet=False)
        _, pages = documents.render_pdf(rendered.html)
        if pages > longest_pages:
            longest, longest_pages, html = convention, pages, rendered.html
    measure(f"convention la plus longue, {longest.reference}", html)
    six = (
        "<html lang='fr'><head><title>Six pages</title></head><body>"
        + "".join(
            f"<section style='break-after: page'><h2>Article {n}</h2>"
            f"<p>{'Texte du document. ' * 150}</p></section>"
            for n in range(1, 7)
        )
        + "</body></html>"
    )
    measure("document de 6 pages", six)


if __name__ == "__main__":
    main()
