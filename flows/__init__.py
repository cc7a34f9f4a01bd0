"""Prefect flows: thin tasks around the ingest library."""
