"""The per-page stage reads a page up to the byte cap: exactly the cap passes, one byte more is
too_large, and a file whose size on disk says less than it holds (a pipe, a file still growing)
is still read to its end or to the cap."""

from __future__ import annotations

import os
import threading

import pytest

from ingest.errors import PageError
from ingest.page.acquire import PageRef
from ingest.page.process import _read, process_page
from ingest.settings import BuildSettings

CAP = 4096


def _ref(path) -> PageRef:
    return PageRef(path=str(path), rel_path=path.name, size=0)


@pytest.mark.parametrize("size, too_large", [(CAP - 1, False), (CAP, False), (CAP + 1, True), (3 * CAP, True)])
def test_the_cap_is_the_same_on_disk_and_in_the_stage(tmp_path, size, too_large):
    page = tmp_path / "p.html"
    page.write_bytes(b"<p>" + b"a" * (size - 8) + b"</p>\n")
    assert page.stat().st_size == size
    result = process_page(_ref(page), BuildSettings(workers=0, max_page_bytes=CAP))
    assert (result.quarantine is not None and result.quarantine["reason"] == "too_large") == too_large
    if not too_large:
        assert _read(_ref(page), BuildSettings(max_page_bytes=CAP)) == page.read_bytes()


@pytest.mark.parametrize("size, too_large", [(CAP - 100, False), (CAP + 1, True)])
def test_a_source_whose_stat_size_is_zero_is_read_to_its_end(tmp_path, size, too_large):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    body = b"x" * size
    writer = threading.Thread(target=lambda: fifo.write_bytes(body))
    writer.start()
    try:
        if too_large:
            with pytest.raises(PageError, match="cap"):
                _read(_ref(fifo), BuildSettings(max_page_bytes=CAP))
        else:
            assert _read(_ref(fifo), BuildSettings(max_page_bytes=CAP)) == body
    finally:
        writer.join(timeout=10)  # (the pipe's buffer holds the whole body: the writer never waits on the reader)
