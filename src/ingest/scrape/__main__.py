"""`python -m ingest.scrape ...`: the scrape command on its own (used by the resume test)."""

import typer

from .cli import register

app = typer.Typer(add_completion=False)
register(app)

if __name__ == "__main__":
    app()
