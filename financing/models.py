"""Financing plans and recoveries (see financing/engine.py for the rules)."""
