"""Instructions and CPU time of one warm render of the longest demo convention (issue 16).

Not part of ``make bench`` (no ``bench_`` prefix): a tool to measure WeasyPrint speed-ups
(``iscg.pdf_speedups``) on a shared machine, where elapsed times mean little.

* ``python benchmarks/callgrind_render.py`` renders PDC2023-A05 (6 pages, PDF/A-3u tagged) once
  cold, then ``--runs`` (10) times warm; prints the median ``time.process_time()`` a render and a
  page. Its HTML is built once from the demo data (``load_demo`` in a throw-away database) and
  kept in ``--html`` (``/tmp/iscg-A05.html``) for the next runs.
* ``--callgrind``: the same under ``valgrind --tool=callgrind`` (3 warm renders): the counters
  are zeroed before the warm renders and dumped after them (``callgrind_control -z`` then
  ``-d``, from the process itself); prints the instructions per warm render and leaves the dump
  (``callgrind.out.*.1``) in ``--out`` for ``callgrind_annotate --inclusive=yes``. (Not
  ``--toggle-collect``: valgrind names neither a Python function nor, here, a function of a
  library loaded by ctypes.)
* ``--plain``: WeasyPrint without ``iscg.pdf_speedups`` (``PDF_SPEEDUPS = False``).
* ``--profile FILE``: the warm renders under cProfile, stats written to ``FILE``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import configure  # noqa: E402

REFERENCE = "PDC2023-A05"


def build_html(path: Path) -> None:
    """The document's HTML from the demo data (a throw-away database), written to ``path``."""
    import django

    django.setup()
    from django.core.management import call_command

    from conventions import documents
    from conventions.models import Convention

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    rendered = documents.render_html(Convention.objects.get(reference=REFERENCE))
    path.write_text(rendered.html, encoding="utf-8")


def measure(html: str, runs: int, plain: bool, profile: str | None, valgrind: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    from conventions import documents

    if plain:
        settings.PDF_SPEEDUPS = False
    _, pages = documents.render_pdf(html)  # cold: imports, fonts, stylesheets, Pango caches
    documents.render_pdf(html)  # and the first warm one, whose caches the next ones reuse

    times: list[float] = []

    def render() -> None:
        start = time.process_time()
        documents.render_pdf(html)
        times.append(time.process_time() - start)

    def callgrind_control(*options: str) -> None:
        if valgrind:
            command = ["callgrind_control", *options, str(os.getpid())]
            subprocess.run(command, check=True, capture_output=True)

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    callgrind_control("--zero")
    for _ in range(runs):
        render()
    callgrind_control("--dump=warm renders")
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    median = statistics.median(times)
    kind = "sans correctifs" if plain else "avec correctifs"
    where = " (sous valgrind)" if valgrind else ""
    print(
        f"{REFERENCE}, {pages} pages, {kind}{where} : CPU médiane de {runs} rendus à chaud "
        f"{median * 1000:.1f} ms, {median * 1000 / pages:.1f} ms par page "
        f"(min {min(times) * 1000:.1f} ms)",
        flush=True,
    )


def callgrind(args: argparse.Namespace) -> None:
    """This script again under callgrind, the warm renders collected; instructions a render."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outfile = out / f"callgrind.out.{stamp}{'-plain' if args.plain else ''}"
    command = [
        # Addresses not randomised: id()-keyed tables then collide alike from run to run.
        *(["setarch", "x86_64", "-R"] if shutil.which("setarch") else []),
        "valgrind",
        "--tool=callgrind",
        # Every dump readable alone by callgrind_annotate (names not shared with the first).
        "--compress-strings=no",
        f"--callgrind-out-file={outfile}",
        sys.executable,
        __file__,
        "--html",
        args.html,
        "--runs",
        str(args.runs),
        "--under-valgrind",
    ] + (["--plain"] if args.plain else [])
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, env=env)
    total = 0
    outfile = outfile.with_name(outfile.name + ".1")  # the dump after the warm renders
    for line in outfile.read_text().splitlines():
        if line.startswith("summary:"):  # the instructions since the zero
            total = int(line.split()[1])
            break
    print(
        f"instructions par rendu à chaud : {total / args.runs / 1e6:,.0f} millions "
        f"({args.runs} rendus, {outfile})".replace(",", " ")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", default="/tmp/iscg-A05.html")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--out", default="/tmp/iscg-callgrind")
    parser.add_argument("--profile")
    parser.add_argument("--under-valgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    configure("iscg-callgrind-")
    html_path = Path(args.html)
    if not html_path.exists():
        subprocess.run([sys.executable, __file__, "--build-html", str(html_path)], check=True)
    if args.callgrind:
        args.runs = args.runs or 3
        callgrind(args)
        return
    html = html_path.read_text(encoding="utf-8")
    assert re.search(r'<html lang="fr"', html), "not a document's HTML"
    measure(html, args.runs or 10, args.plain, args.profile, args.under_valgrind)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--build-html":
        configure("iscg-callgrind-html-")
        build_html(Path(sys.argv[2]))
    else:
        main()
