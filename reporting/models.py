"""Activity reports (bilans)."""
