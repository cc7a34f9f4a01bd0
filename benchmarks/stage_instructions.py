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
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.settings import BuildSettings

mode, n = sys.argv[1], int(sys.argv[2])
refs = [ref for folder in sys.argv[3:] for ref in list(discover_pages(Path(folder)))[:n]]
pages = [Path(r.path).read_bytes() for r in refs]
settings = BuildSettings(workers=0)
for r in refs[:20]:
    process_page(r, settings)
for p in pages[:5]:
    BeautifulSoup(p, "lxml").decompose()
if mode == "stage":
    for r in refs:
        process_page(r, settings)
elif mode == "bare":
    for p in pages:
        BeautifulSoup(p, "lxml").decompose()
