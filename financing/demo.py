"""Demo financing: plans for the demo conventions (filled in by financing/demo_plans.py)."""


def load_financing() -> None:
    from financing.demo_plans import load_plans

    load_plans()
