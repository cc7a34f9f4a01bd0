"""Extraction code and data changed => the extraction cache's component versions were considered.

The extraction cache reuses a page's result while ingest.EXTRACTOR_VERSIONS is unchanged. When the code
or data that extraction runs on changes and no component is bumped, incremental builds keep serving
results the new code would not give (this happened: three rounds of extraction changes went out with
the versions of an earlier one). This test fails whenever those sources differ from the fingerprint
recorded in tests/extractor_fingerprint.json; recording a new one asks which it is:

    python tests/test_extractor_versions.py            # after bumping the components whose output may change
    python tests/test_extractor_versions.py --same-output   # a change that leaves every output byte-identical
                                                            # (checked, e.g. benchmarks/same_output.sh)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ingest"
RECORD = Path(__file__).with_name("extractor_fingerprint.json")
# what a page's extraction result depends on: decoding, parsing, classification, the extractors, their data
SOURCES = ("parse/*.py", "extract/*.py", "codes/*.py", "page/process.py", "page/limits.py", "models.py",
           "data/*.toml", "data/lang/*.toml")


def sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted({p for pattern in SOURCES for p in SRC.glob(pattern)}):
        digest.update(str(path.relative_to(SRC)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    sys.path.insert(0, str(SRC.parent))
    from ingest import EXTRACTOR_VERSIONS
    return dict(EXTRACTOR_VERSIONS)


def test_extraction_sources_match_the_recorded_fingerprint() -> None:
    recorded = json.loads(RECORD.read_text("utf-8"))
    assert recorded["versions"] == _versions(), (
        "EXTRACTOR_VERSIONS changed: record it with `python tests/test_extractor_versions.py`")
    assert recorded["sources"] == sources_digest(), (
        "extraction code or data changed since tests/extractor_fingerprint.json was recorded. If a page's "
        "result may change, bump its components in ingest.EXTRACTOR_VERSIONS (the cache re-extracts exactly "
        "the pages they cover), then run `python tests/test_extractor_versions.py`; if every output stays "
        "byte-identical, run it with --same-output.")


def record(same_output: bool) -> str:
    recorded = json.loads(RECORD.read_text("utf-8")) if RECORD.exists() else {"sources": "", "versions": {}}
    now = {"sources": sources_digest(), "versions": _versions()}
    if now["sources"] != recorded["sources"] and now["versions"] == recorded["versions"] and not same_output:
        return ("refused: the sources changed and no component of EXTRACTOR_VERSIONS was bumped "
                "(bump one, or pass --same-output if every output is byte-identical)")
    RECORD.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n", "utf-8")
    return f"recorded {now['sources'][:12]} with {now['versions']}"


if __name__ == "__main__":
    message = record("--same-output" in sys.argv[1:])
    print(message)
    sys.exit(message.startswith("refused"))
