"""`make bench`: run every benchmarks/bench_*.py, print their lines, write docs/benchmarks.md.

Each benchmark is a script printing one or more result lines; it runs in its own process so
that cold-start costs (imports, caches) are measured as a user would meet them.

With a PostgreSQL ``DATABASE_URL`` every benchmark runs on that server, each in a bench
database of its own created then dropped (``demo.benchenv``; never the user's data), and the
results go to docs/benchmarks-postgresql.md (SQLite's stay in docs/benchmarks.md).
"""

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from demo.benchenv import is_postgres  # noqa: E402


def database() -> tuple[str, Path]:
    """Which database the benchmarks run on, and where their results are written."""
    url = os.environ.get("DATABASE_URL", "")
    if url and is_postgres(url):
        server = url.rsplit("@", 1)[-1].split("/", 1)[0]
        return (
            f"PostgreSQL sur {server} (une base de banc par benchmark, créée puis supprimée)",
            ROOT / "docs" / "benchmarks-postgresql.md",
        )
    return "SQLite (un fichier temporaire par benchmark)", ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()} — {os.cpu_count()} cœurs, {cpu}, Python {platform.python_version()}"


def load() -> str:
    """The machine's load average (1, 5, 15 min): figures taken on a busy machine say so."""
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    only = sys.argv[1:]
    if only:
        scripts = [s for s in scripts if any(name in s.stem for name in only)]
    results = []
    failed = False
    load_before = load()
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        proc = subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        for line in lines:
            print(line, flush=True)
        if proc.returncode != 0:
            failed = True
            print(proc.stderr[-2000:], file=sys.stderr)
            lines.append(f"ÉCHEC (code {proc.returncode})")
        results.append((script.stem, lines))
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    base, target = database()
    out = [
        "# Benchmarks" + (" sur PostgreSQL" if target.name != "benchmarks.md" else ""),
        "",
        f"Mesuré le {now} sur {machine()}, par `make bench` (`benchmarks/run.py`).",
        f"Base : {base}.",
        f"Charge moyenne de la machine (1, 5, 15 min) : {load_before} au départ, {load()} à la fin "
        f"(au-delà de {os.cpu_count()}, les processus attendent un cœur : temps écoulés allongés ; "
        "les temps CPU le sont moins).",
        "Chiffres bruités : relancer avant de conclure.",
        "",
    ]
    for name, lines in results:
        out += [f"## {name}", "", "```", *lines, "```", ""]
    if not only or os.environ.get("BENCH_WRITE"):
        target.write_text("\n".join(out), encoding="utf-8")
        print(f"Résultats écrits dans {target.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
