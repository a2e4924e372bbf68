"""Time placeholder rendering as texts grow (issue 18: it was quadratic — 1 000 placeholders
0.33 s, 4 000 6.9 s, 8 000 17.6 s). Linear now: each line says the size, the time, and the time
per 1 000 placeholders, which stays flat.

Run: ``.venv/bin/python benchmarks/bench_templating.py``.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscg.settings")

import django  # noqa: E402

django.setup()

from conventions import templating  # noqa: E402

CONTEXT = {"convention.reference": "PDC2023-A08", "partie.nom": "la Communauté de communes"}
RUNS = 3


def main() -> None:
    for count in (1_000, 4_000, 8_000, 30_000):
        line = "Le versement {{ convention.reference }} est dû à {{ partie.nom }}. "
        body = "\n".join(line for _ in range(count // 2))
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            templating.check_text("Article", body)
            templating.render_text("Article", body, CONTEXT)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(
            f"gabarit : {count} variables ({len(body) // 1000} Ko) vérifiées et rendues en "
            f"{median * 1000:.0f} ms ({median * 1000 / count * 1000:.1f} ms pour 1 000 ; "
            f"médiane de {RUNS})"
        )


if __name__ == "__main__":
    main()
