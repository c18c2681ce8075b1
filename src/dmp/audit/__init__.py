"""Traces: every decision on a dossier, hash-chained per dossier, verifiable."""
