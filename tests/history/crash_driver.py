"""One build without Prefect, for the kill tests: python crash_driver.py RAW OUT [WORKERS].

Runs the library's build (ingest.assembly.run.run_build: the steps the flow wraps as tasks) with
force, so every run extracts and publishes; the parent test sets INGEST_KILL_AT (see
ingest.faults) or SIGKILLs this process.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    from ingest.assembly.run import run_build
    from ingest.settings import BuildSettings

    raw, out = Path(sys.argv[1]), Path(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    # allow_shrink: the kill tests switch between corpora on purpose (pages removed from the raw folder)
    summary = run_build(raw, out, BuildSettings(workers=workers, allow_shrink=True), force=True)
    print(summary.release_id, flush=True)


if __name__ == "__main__":
    main()
