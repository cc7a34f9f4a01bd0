"""Where the seed pages live and which is which (the pages are read at run time, never copied)."""

from __future__ import annotations

import os
from pathlib import Path

# shared/ sits beside the repository checkout; INGEST_SHARED overrides (as in tests/conftest.py)
SEEDS = Path(os.environ.get("INGEST_SHARED", Path(__file__).parents[2].parent / "shared")) / "seeds"
GLOSSARY = "001_aed3dfa302fd1202.txt"
BILLING = "004_b4e80ab22b164bc6.txt"
PROCEDURES = ("000_6741a82040ef9d80.txt", "002_3e1f5868dc691438.txt", "003_a59f6d7c92cd111f.txt")
