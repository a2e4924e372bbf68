def load_plans() -> None:
    """Placeholder until the demo plans are written."""
