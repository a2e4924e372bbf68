"""Time the financing engine on 1 500 synthetic posts x 10 years (pure Python, no Django).

Run: ``.venv/bin/python benchmarks/bench_engine.py``. Prints one line, e.g.
``engine: 1500 plans x 10 years: 0.42 s (median of 5)``. The plans mix every rule: fixed
amounts (annual or per year), percentages of the cost (flat, by year of service, capped),
percentages of the remainder, splits by keys, partial years, both roundings; and the rules of
the acts: part months ("9.55"), funded periods starting and ending mid-month (part months
counted in days), a first day of service mid-year (a schedule by year of service counted month
by month), shares covering the whole cost with a residue party.
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from financing.engine import Plan, compute_plan, parse_plan  # noqa: E402

POSTS = 1500
YEARS = 10
RUNS = 5
FIRST_YEAR = 2020


def synthetic_plan(rng: random.Random, number: int) -> dict:
    """One post's plan; its shape cycles through the ways the sources set a share."""
    years = [
        {
            "year": FIRST_YEAR + offset,
            "annual_cost": str(rng.randint(3_500_000, 6_500_000) / 100),
            "months": rng.choice((12, 12, 12, 9, 4, "9.55", "6.5")) if offset == 0 else 12,
        }
        for offset in range(YEARS)
    ]
    dated: dict = {}
    if number % 3 == 0:  # a convention from 15 March to 14 March: first and last years in days
        dated = {"start": f"{FIRST_YEAR}-03-15", "end": f"{FIRST_YEAR + YEARS - 1}-03-14"}
        for year in (years[0], years[-1]):
            del year["months"]
    shape = number % 5
    employer = {"party": f"employeur-{number % 40}", "rule": "remainder"}
    if shape == 0:  # Pas-de-Calais: equal fixed thirds, the EPCI third split by population
        third = str(rng.randint(9_000, 11_500))
        shares = [
            {"party": "etat", "rule": "fixed", "amount": third},
            {"party": "departement", "rule": "fixed", "amount": third},
            {
                "split": [
                    {"party": f"epci-{number % 30}", "key": str(rng.randint(5_000, 60_000))},
                    {"party": f"epci-{number % 30 + 30}", "key": str(rng.randint(5_000, 60_000))},
                    {"party": f"epci-{number % 30 + 60}", "key": str(rng.randint(5_000, 60_000))},
                ],
                "rule": "fixed",
                "amount": third,
            },
            employer,
        ]
    elif shape == 1:  # Quimper: degressive State schedule, communes' shares of the remainder
        if number % 2:  # by months of service, from a first day of service mid-September
            dated["service_start"] = f"{FIRST_YEAR}-09-16"
            dated.setdefault("start", f"{FIRST_YEAR}-01-01")
        shares = [
            {
                "party": "etat",
                "rule": "percent_of_cost",
                "percent_by_rank": ["80", "50", "30", "33"],
            },
            {"party": f"commune-{number % 50}", "rule": "percent_of_remainder", "percent": "40"},
            {
                "party": f"commune-{number % 50 + 50}",
                "rule": "percent_of_remainder",
                "percent": "20",
            },
            {
                "party": f"commune-{number % 50 + 100}",
                "rule": "percent_of_remainder",
                "percent": "10",
            },
            employer,
        ]
    elif shape == 2:  # Dijon-like: capped percentage, yearly amounts, remainder split equally
        shares = [
            {"party": "etat", "rule": "percent_of_cost", "percent": "50", "cap": "20000"},
            {
                "party": "departement",
                "rule": "fixed",
                "amount_by_year": {str(y["year"]): str(rng.randint(5_000, 9_000)) for y in years},
            },
            {
                "split": [
                    {"party": employer["party"], "key": "1"},
                    {"party": f"epci-{number % 30}", "key": "1"},
                ],
                "rule": "remainder",
            },
        ]
    elif shape == 4:  # 80 % État, 20 % shared by five communautés, the rounding to one of them
        dated["residue"] = f"cc-{number % 30}"
        shares = [
            {"party": "etat", "rule": "percent_of_cost", "percent": "80"},
            {
                "split": [{"party": f"cc-{number % 30 + 30 * k}", "key": "1"} for k in range(5)],
                "rule": "percent_of_cost",
                "percent": "20",
            },
        ]
    else:  # percentages by calendar year, the rest split by percent keys
        shares = [
            {
                "party": "etat",
                "rule": "percent_of_cost",
                "percent_by_year": {str(y["year"]): str(rng.randint(10, 80)) for y in years},
            },
            {
                "split": [
                    {"party": "departement", "key": "30"},
                    {"party": f"commune-{number % 50}", "key": "45.5"},
                    {"party": employer["party"], "key": "24.5"},
                ],
                "split_by": "percent",
                "rule": "percent_of_remainder",
                "percent": "75",
            },
            employer,
        ]
    return {
        "rounding": "half_up" if number % 7 == 0 else "down",
        "first_year": FIRST_YEAR,
        **dated,
        "years": years,
        "shares": shares,
    }


def build_plans(posts: int = POSTS, seed: int = 4) -> list[Plan]:
    rng = random.Random(seed)
    return [parse_plan(synthetic_plan(rng, number)) for number in range(posts)]


def bench(posts: int = POSTS, runs: int = RUNS) -> float:
    """Median wall time, in seconds, to compute every plan."""
    plans = build_plans(posts)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for plan in plans:
            compute_plan(plan)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> str:
    line = f"engine: {POSTS} plans x {YEARS} years: {bench():.2f} s (median of {RUNS})"
    print(line)
    return line


if __name__ == "__main__":
    main()
