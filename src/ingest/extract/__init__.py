"""Extraction: blocks -> typed records (procedure, term, billing)."""
