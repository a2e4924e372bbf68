"""A convention's text as ODT and DOCX (issue 17): write and read-back times of the longest demo
convention, warm (median of 10, in a process that already wrote each once).

Run: ``.venv/bin/python benchmarks/bench_office.py`` (``make bench`` runs it). The DOCX takes
more than the 100 ms a web request may spend on it: both files are written by the worker
(``conventions.tasks.render_office_document``).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

configure("iscg-bench-office-")
RUNS = 10


def median_ms(action) -> str:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return f"{statistics.median(times) * 1000:.0f} ms"


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from conventions import documents, office
    from conventions.models import Convention

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    longest = max(
        Convention.objects.order_by("reference"), key=lambda c: len(documents.render_html(c).html)
    )
    html = documents.render_html(longest).html
    structure = office.structure(html)
    odt, docx = office.to_odt(structure), office.to_docx(structure)  # warm
    office.read_upload(odt), office.read_upload(docx)
    articles = sum(isinstance(b, office.Heading) for b in structure.blocks)
    print(f"convention la plus longue : {longest.reference}, {articles} articles")
    print(f"HTML du PDF → blocs : {median_ms(lambda: office.structure(html))}")
    print(f"ODT écrit : {median_ms(lambda: office.to_odt(structure))} ({len(odt) // 1024} Ko)")
    print(f"DOCX écrit : {median_ms(lambda: office.to_docx(structure))} ({len(docx) // 1024} Ko)")
    print(f"ODT relu (vérifié, lu) : {median_ms(lambda: office.read_upload(odt))}")
    print(f"DOCX relu (vérifié, lu) : {median_ms(lambda: office.read_upload(docx))}")


if __name__ == "__main__":
    main()
