def load_bilans() -> None:
    """Demo bilans (Pas-de-Calais 2022, Aubervilliers 2012): filled in by the bilans issue."""
