"""`make bench`: run every benchmarks/bench_*.py, print their lines, write docs/benchmarks.md.

Each benchmark is a script printing one or more result lines; it runs in its own process so
that cold-start costs (imports, caches) are measured as a user would meet them.
"""

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    out = [
        "# Benchmarks",
        "",
        f"Mesuré le {now} sur {machine()}, par `make bench` (`benchmarks/run.py`).",
        f"Charge moyenne de la machine (1, 5, 15 min) : {load_before} au départ, {load()} à la fin "
        f"(au-delà de {os.cpu_count()}, les processus attendent un cœur : temps écoulés allongés ; "
        "les temps CPU le sont moins).",
        "Chiffres bruités : relancer avant de conclure.",
        "",
    ]
    for name, lines in results:
        out += [f"## {name}", "", "```", *lines, "```", ""]
    if not only:
        (ROOT / "docs" / "benchmarks.md").write_text("\n".join(out), encoding="utf-8")
        print("Résultats écrits dans docs/benchmarks.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
