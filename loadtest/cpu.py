"""Server CPU per page during the load test (only in ``loadtest.settings``).

Each request's thread CPU time and wall time, by URL name, appended to one file per gunicorn
process (``LOADTEST_OUT``/cpu-<pid>.tsv); ``python -m loadtest.cpu DIR`` adds them up: which
pages the two cores were spent on, which the latency percentiles alone do not say.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

_lock = threading.Lock()


class CpuLogMiddleware:
    """First in the chain: counts the whole request (middleware, view, template)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = Path(os.environ.get("LOADTEST_OUT", ".")) / f"cpu-{os.getpid()}.tsv"

    def __call__(self, request):
        cpu, wall = time.thread_time(), time.perf_counter()
        response = self.get_response(request)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match else "?"
        line = f"{request.method}\t{name}\t{response.status_code}\t{cpu * 1000:.2f}\t{wall * 1000:.2f}\n"
        with _lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
        return response


def summary(directory: Path) -> str:
    """Per page: requests, median and total CPU (ms), share of all the server's CPU."""
    rows: dict[tuple[str, str], list[float]] = defaultdict(list)
    for file in directory.glob("cpu-*.tsv"):
        for line in file.read_text(encoding="utf-8").splitlines():
            method, name, _status, cpu, _wall = line.split("\t")
            rows[(method, name)].append(float(cpu))
    total = sum(sum(v) for v in rows.values()) or 1.0
    out = [
        "| page | requêtes | CPU médian (ms) | CPU total (s) | part |",
        "|---|---:|---:|---:|---:|",
    ]
    for (method, name), values in sorted(rows.items(), key=lambda kv: -sum(kv[1])):
        values.sort()
        median = values[len(values) // 2]
        out.append(
            f"| {method} {name} | {len(values)} | {median:.1f} | {sum(values) / 1000:.1f} "
            f"| {100 * sum(values) / total:.1f} % |"
        )
    count = sum(len(v) for v in rows.values())
    out.append(f"\n{count} requêtes, CPU des vues (gunicorn) {total / 1000:.1f} s en tout")
    return "\n".join(out)


def processes_cpu() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each kind of process on the machine."""
    import psutil

    kinds: dict[str, float] = defaultdict(float)
    for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or []) or proc.info["name"] or ""
            times = proc.info["cpu_times"]
        except (psutil.Error, TypeError):
            continue
        if times is None:
            continue
        if "gunicorn" in cmd:
            kind = "gunicorn"
        elif "manage.py worker" in cmd:
            kind = "travailleur des tâches"
        elif "postgres" in cmd or proc.info["name"] == "postgres":
            kind = "PostgreSQL"
        else:
            kind = "autres"
        kinds[kind] += times.user + times.system
    return dict(kinds)


def main(argv: list[str]) -> None:
    """``snapshot FILE`` writes the processes' CPU so far; ``report DIR BEFORE`` prints where the
    CPU went since BEFORE, by kind of process, then by page."""
    import json

    if argv[0] == "snapshot":
        Path(argv[1]).write_text(json.dumps(processes_cpu()), encoding="utf-8")
        return
    if argv[0] == "run":  # run OUT -- COMMAND...: the command's own CPU (and its children's)
        import resource
        import subprocess

        code = subprocess.call(argv[3:])
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        Path(argv[1]).write_text(str(usage.ru_utime + usage.ru_stime), encoding="utf-8")
        sys.exit(code)
    directory, before = Path(argv[1]), json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    after = processes_cpu()
    client = directory / "locust-cpu.txt"
    if client.exists():
        after["locust (client du test)"] = float(client.read_text(encoding="utf-8"))
    spent = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    total = sum(v for v in spent.values() if v > 0) or 1.0
    print("CPU de la machine pendant l'essai, par processus :")
    for kind, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds > 0:
            print(f"  {kind} : {seconds:.1f} s ({100 * seconds / total:.0f} %)")
    print()
    print(summary(directory))


if __name__ == "__main__":
    main(sys.argv[1:])
