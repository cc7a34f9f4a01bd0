"""ingest.atomic.replace_file: the one way files are replaced in place (raw store, raw gc, report.html)."""

from __future__ import annotations

import os
import stat

import pytest

from ingest.atomic import replace_file


def test_replace_file_swaps_the_content_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "manifest.jsonl"
    target.write_bytes(b"old\n")
    assert replace_file(target, [b"a\n", b"b\n"]) == target
    replace_file(tmp_path / "new.html", b"<p>x</p>")
    assert target.read_bytes() == b"a\nb\n" and (tmp_path / "new.html").read_bytes() == b"<p>x</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.jsonl", "new.html"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as open() would create it, not mkstemp's 0600


def test_a_failed_write_keeps_the_old_content_and_removes_its_temporary_file(tmp_path):
    target = tmp_path / "manifest.jsonl"
    target.write_bytes(b"old\n")

    def chunks():
        yield b"half a line"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_file(target, chunks())
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.jsonl"]
