"""One build without Prefect, for the kill tests: python crash_driver.py RAW OUT [WORKERS].

Discover -> extract -> assemble -> publish (force), exactly the library calls the flow
makes; the parent test sets INGEST_KILL_AT (see ingest.faults) or SIGKILLs this process.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    from ingest.acquire import discover_pages
    from ingest.parallel import extract_pages, shutdown_pool
    from ingest.build.finalize import finalize
    from ingest.settings import BuildSettings

    raw, out = Path(sys.argv[1]), Path(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    try:
        results = extract_pages(list(discover_pages(raw)), BuildSettings(workers=workers))
    finally:
        shutdown_pool()
    summary = finalize(results, out, force=True)
    print(summary.release_id, flush=True)


if __name__ == "__main__":
    main()
