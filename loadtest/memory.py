"""Memory of the load test's processes, sampled every minute during the soak (scripts/loadtest
--soak): the gunicorn master, each of its workers, the task worker and the PostgreSQL backends
of the load test's database. RSS through psutil when installed, else read from /proc.

    python -m loadtest.memory --master PID --worker PID --db NAME --minutes 30 --out FILE

writes one line per minute (tab-separated, MiB) and, at the end, a Markdown table and the
verdict "flat within 10 %": for each process, the median of the first ``WINDOW`` minutes after
``WARMUP`` minutes of warm-up is compared with the median of the last ``WINDOW`` minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

WARMUP = 5
WINDOW = 5
TOLERANCE = 0.10
MIB = 1024 * 1024


@dataclass(frozen=True)
class Flatness:
    name: str
    first: float  # median over the first window after warm-up (MiB)
    last: float  # median over the last window (MiB)

    @property
    def change(self) -> float:
        return (self.last - self.first) / self.first if self.first else 0.0

    @property
    def flat(self) -> bool:
        return abs(self.change) <= TOLERANCE


def flatness(
    series: dict[str, list[float]], warmup: int = WARMUP, window: int = WINDOW
) -> list[Flatness]:
    """Per process, the medians compared; a series too short for two windows after the
    warm-up is compared over what it has (its first and last ``window`` samples after it)."""
    out = []
    for name, values in series.items():
        kept = values[warmup:] if len(values) > warmup + window else values
        if not kept:
            continue
        out.append(
            Flatness(name, statistics.median(kept[:window]), statistics.median(kept[-window:]))
        )
    return out


def verdict(results: list[Flatness]) -> str:
    bad = [r.name for r in results if not r.flat]
    if not bad:
        return f"plate à {TOLERANCE:.0%} près".replace("%", " %")
    return "NON plate (" + ", ".join(bad) + ")"


# --------------------------------------------------------------------------- sampling


def _rss_proc(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 when it is gone)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        try:
            return _rss_proc(pid)
        except OSError:
            return 0
    except Exception:  # psutil.NoSuchProcess and friends
        return 0


def children(pid: int) -> list[int]:
    try:
        import psutil

        return sorted(child.pid for child in psutil.Process(pid).children())
    except ImportError:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
        return sorted(found)
    except Exception:
        return []


def is_backend_of(title: str, database: str) -> bool:
    words = title.split()
    if not words or words[0] != "postgres:":
        return False
    if len(words) > 1 and words[1].endswith(":"):  # "15/main:"
        words = words[1:]
    return len(words) > 2 and words[2] == database


def backends(database: str) -> list[int]:
    """PostgreSQL backends serving ``database`` (their title: "postgres: [CLUSTER: ]USER DB
    HOST …", the cluster's name on Debian's packages)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if is_backend_of(title, database):
            found.append(int(entry.name))
    return sorted(found)


def sample(master: int, worker: int, database: str) -> dict[str, float]:
    workers = children(master)
    pg = backends(database)
    worker_tree = [worker, *children(worker)]
    row = {
        "charge": os.getloadavg()[0],
        "maître gunicorn": rss(master) / MIB,
        "processus gunicorn": len(workers),
        "gunicorn (total)": sum(rss(pid) for pid in workers) / MIB,
        "gunicorn (moyenne)": sum(rss(pid) for pid in workers) / MIB / max(1, len(workers)),
        "travailleur des tâches": sum(rss(pid) for pid in worker_tree) / MIB,
        "connexions PostgreSQL": len(pg),
        "PostgreSQL (total)": sum(rss(pid) for pid in pg) / MIB,
    }
    for n, pid in enumerate(workers, start=1):
        row[f"gunicorn n°{n}"] = rss(pid) / MIB
    return row


MEMORY = ("maître gunicorn", "gunicorn (moyenne)", "gunicorn (total)", "travailleur des tâches")
MEMORY_PG = ("PostgreSQL (total)",)


def table(rows: list[dict[str, float]]) -> str:
    columns = [
        "charge",
        "maître gunicorn",
        "processus gunicorn",
        "gunicorn (moyenne)",
        "gunicorn (total)",
        "travailleur des tâches",
        "connexions PostgreSQL",
        "PostgreSQL (total)",
    ]
    lines = [
        "| minute | " + " | ".join(columns) + " |",
        "|---:|" + "---:|" * len(columns),
    ]
    for minute, row in enumerate(rows, start=1):
        cells = []
        for column in columns:
            value = row.get(column, 0)
            if column == "charge":
                cells.append(f"{value:.2f}".replace(".", ","))
            elif column in ("processus gunicorn", "connexions PostgreSQL"):
                cells.append(str(int(value)))
            else:
                cells.append(f"{value:.1f}".replace(".", ","))
        lines.append(f"| {minute} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(rows: list[dict[str, float]]) -> str:
    series = {name: [row[name] for row in rows] for name in MEMORY + MEMORY_PG}
    results = flatness(series)
    lines = [
        "Mémoire résidente (RSS, Mio), un relevé par minute :",
        "",
        table(rows),
        "",
        f"Médiane des minutes {WARMUP + 1} à {WARMUP + WINDOW} (après {WARMUP} minutes de mise "
        f"en route) comparée à celle des {WINDOW} dernières :",
        "",
    ]
    for r in results:
        change = f"{r.change:+.1%}".replace(".", ",").replace("%", " %")
        state = "plate" if r.flat else "NON plate"
        first, last = (f"{v:.1f}".replace(".", ",") for v in (r.first, r.last))
        lines.append(f"- {r.name} : {first} → {last} Mio ({change}) : {state}")
    lines += ["", f"Verdict : {verdict(results)}."]
    return "\n".join(lines)


def main() -> int:  # pragma: no cover - command line entry point
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--master", type=int, required=True)
    parser.add_argument("--worker", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--interval", type=float, default=60)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rows = []
    start = time.monotonic()
    with open(args.out + ".tsv", "w", encoding="utf-8") as raw:
        for minute in range(1, args.minutes + 1):
            time.sleep(max(0.0, start + minute * args.interval - time.monotonic()))
            row = sample(args.master, args.worker, args.db)
            rows.append(row)
            raw.write(f"{minute}\t" + "\t".join(f"{k}={v:.1f}" for k, v in row.items()) + "\n")
            raw.flush()
    text = report(rows)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    series = {name: [row[name] for row in rows] for name in MEMORY + MEMORY_PG}
    return 0 if all(r.flat for r in flatness(series)) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
