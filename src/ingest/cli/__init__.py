"""The `ingest` command line (typer): build/serve/refresh in main, the other commands registered there."""

from ingest.cli.main import app, main

__all__ = ["app", "main"]
