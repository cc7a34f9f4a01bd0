#!/usr/bin/env python3
"""The per-page stage for an instruction count, which (unlike seconds) repeats on a shared machine.

    valgrind --tool=callgrind python benchmarks/stage_instructions.py none  40 /tmp/synth2k
    valgrind --tool=callgrind python benchmarks/stage_instructions.py stage 40 /tmp/synth2k
    valgrind --tool=callgrind python benchmarks/stage_instructions.py bare  40 /tmp/synth2k

Each mode imports and warms up the same way; `none` stops there, `stage` then runs the per-page
stage of `ingest build` (process_page) on N pages of each folder, `bare` parses them with bare
BeautifulSoup(page, "lxml"). Instructions a page = (stage - none) / N; compare with (bare - none) / N.
"""
import sys
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.settings import BuildSettings

mode, n = sys.argv[1], int(sys.argv[2])
refs = [ref for folder in sys.argv[3:] for ref in list(discover_pages(Path(folder)))[:n]]
pages = [Path(r.path).read_bytes() for r in refs]
# no page time limit: under valgrind a page takes seconds, more on a loaded machine, and a page timed out
# would do less work (or, with the alarm delivered late, kill the run); quarantines are printed to stderr
settings = BuildSettings(workers=0, page_time_limit=1e6)
for r in refs[:20]:
    process_page(r, settings)
for p in pages[:5]:
    BeautifulSoup(p, "lxml").decompose()
if mode == "stage":
    reasons = Counter((process_page(r, settings).quarantine or {}).get("reason", "record") for r in refs)
    print(dict(reasons), file=sys.stderr)
elif mode == "bare":
    for p in pages:
        BeautifulSoup(p, "lxml").decompose()
