"""The extraction cache keeps what a page's bytes decide and forgets what one run's luck decided; its entries
are whole files whoever writes them, and a damaged one costs one re-extraction, never a wrong result."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import REASONS, TRANSIENT_REASONS
from ingest.page.cache import CORRUPT_DIR, TMP_PREFIX, ExtractionCache, decode_entry, encode_entry
from ingest.page.cache_gc import gc_cache
from ingest.page.process import PageResult


def _result(key: str, size: int = 2000) -> PageResult:
    """A result whose every byte follows from its key (so all writers of a key write the same entry)."""
    body = hashlib.sha256(key.encode()).hexdigest() * (size // 64 + 1)
    return PageResult(f"{key}.html", hashlib.sha256(body.encode()).hexdigest(), dataset="procedures",
                      record_json=b'{"id":"%s","summary":"%s"}' % (key.encode(), body[:size].encode()),
                      seconds=0.5, code_refs=[{"system": "CPT", "code": "29881", "field": "code"}])


def _key(i: int) -> str:
    return hashlib.sha256(f"page {i}".encode()).hexdigest()


def test_transient_quarantine_outcomes_are_never_cached(tmp_path):
    cache = ExtractionCache(tmp_path)
    results = [(r.code, PageResult(f"{r.code}.html", "0" * 64, quarantine={"reason": r.code, "detail": r.description}))
               for r in REASONS]
    cache.put_many(results)
    stored = set(cache.get_many([key for key, _ in results]))
    cache.close()
    assert stored == {r.code for r in REASONS if not r.transient}
    assert {"timeout", "worker_crash"} <= TRANSIENT_REASONS  # a time limit hit under load, a killed worker
    assert not TRANSIENT_REASONS & {"empty", "binary", "undecodable", "unsupported_page_type"}  # the bytes decide


def test_an_entry_gives_back_the_result_it_was_given(tmp_path):
    cache = ExtractionCache.for_output(tmp_path)
    stored = {_key(i): _result(_key(i), size=i * 700) for i in range(5)}
    stored[_key(9)] = PageResult("q.html", "1" * 64, quarantine={"reason": "empty", "detail": "0 bytes"})
    cache.put_many(stored.items())
    found = cache.get_many([*stored, _key(7)])
    assert found == stored  # the missing key is a miss
    assert sorted(p.name for p in (tmp_path / ".cache" / "v2").rglob("*") if p.is_file()) == sorted(stored)
    assert all(p.parent.name == p.name[:2] for p in (tmp_path / ".cache" / "v2").rglob("*") if p.is_file())


DAMAGES = {
    "empty (a power cut before the data reached the disk)": lambda data, other: b"",
    "cut": lambda data, other: data[: len(data) // 2],
    "one byte flipped": lambda data, other: data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
    "random bytes": lambda data, other: os.urandom(len(data)),
    "another key's entry": lambda data, other: other,
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_entry_is_set_aside_with_a_warning_and_rewritten(damage, tmp_path, capsys):
    cache = ExtractionCache(tmp_path)
    good, other = _key(1), _key(2)
    cache.put_many([(good, _result(good)), (other, _result(other)), (_key(3), _result(_key(3)))])
    path = cache.entry_path(good)
    path.write_bytes(DAMAGES[damage](path.read_bytes(), cache.entry_path(other).read_bytes()))
    found = cache.get_many([good, other, _key(3)])
    assert set(found) == {other, _key(3)}  # a miss: its page is extracted again
    warning = capsys.readouterr().err
    assert warning.startswith(f"warning: 1 entry of the extraction cache {tmp_path} corrupt (e.g. {good}: ")
    assert f"moved aside to {tmp_path / CORRUPT_DIR}" in warning and warning.count("\n") == 1
    assert not path.exists() and [p.name.split(".")[0] for p in (tmp_path / CORRUPT_DIR).iterdir()] == [good]
    cache.put_many([(good, _result(good))])
    assert cache.get_many([good]) == {good: _result(good)} and not capsys.readouterr().err


def test_an_entry_is_read_only_under_its_own_key(tmp_path):
    data = encode_entry(_key(1), _result(_key(1)))
    assert decode_entry(_key(1), data)[2] == _result(_key(1))
    with pytest.raises(ValueError, match="another key"):
        decode_entry(_key(2), data)


# --------------------------------------------------------------------------- concurrent writers, real processes

def _writer(root: str, keys: list[str], rounds: int, sizes: dict[str, int]) -> None:
    cache = ExtractionCache(root)
    for _ in range(rounds):
        cache.put_many((key, _result(key, sizes[key])) for key in keys)


def _reader(root: str, sizes: dict[str, int], stop, seen) -> None:
    """Reads every key until told to stop; counts hits, and fails on any result that is not the one written."""
    cache = ExtractionCache(root)
    hits = 0
    while not stop.is_set():
        for key, result in cache.get_many(list(sizes)).items():
            assert result == _result(key, sizes[key]), key
            hits += 1
    seen.value = hits


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writers=st.lists(st.sets(st.integers(0, 11), min_size=1), min_size=2, max_size=4),
       sizes=st.lists(st.integers(0, 400_000), min_size=12, max_size=12), rounds=st.integers(1, 3))
def test_concurrent_writers_of_overlapping_keys_leave_only_whole_readable_entries(writers, sizes, rounds, tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    size_of = {_key(i): sizes[i] for i in range(12)}
    keys = sorted({_key(i) for keys in writers for i in keys})
    ctx = multiprocessing.get_context("spawn")  # not fork: the test process may hold threads (Prefect, earlier tests) whose locks a forked child inherits held
    stop, seen = ctx.Event(), ctx.Value("q", -1)
    reader = ctx.Process(target=_reader, args=(str(root), {k: size_of[k] for k in keys}, stop, seen))
    reader.start()
    procs = [ctx.Process(target=_writer, args=(str(root), [_key(i) for i in sorted(mine)], rounds, size_of))
             for mine in writers]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    time.sleep(0.05)
    stop.set()
    reader.join(120)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    assert reader.exitcode == 0 and seen.value >= 0  # the reader never met a part of an entry nor a wrong one
    cache = ExtractionCache(root)
    assert cache.get_many(keys) == {key: _result(key, size_of[key]) for key in keys}
    files = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert files == keys  # no temporary file left, nothing set aside
    assert not any(name.startswith(TMP_PREFIX) for name in files) and not (root / CORRUPT_DIR).exists()


# --------------------------------------------------------------------------- gc

def test_gc_keeps_what_the_latest_build_used_and_what_was_used_lately(tmp_path):
    out = tmp_path / "out"
    cache = ExtractionCache.for_output(out)
    cache.put_many((_key(i), _result(_key(i))) for i in range(4))
    now, day = time.time(), 86400.0
    latest_started = now - 60 * day  # latest was built 60 days ago and no build ran since
    ages = {0: 59 * day,  # a hit in latest's build (a day's touch granularity early): kept however old
            1: 62 * day,  # not used by latest, older than the cache age: removed
            2: 10 * day,  # not used by latest but used lately (another build's settings): kept
            3: 200 * day}  # removed
    for i, age in ages.items():
        os.utime(cache.entry_path(_key(i)), (now - age, now - age))
    legacy = out / ".cache" / "extract.sqlite"
    legacy.write_bytes(b"SQLite format 3\0")
    (out / ".cache" / "extract.sqlite-wal").write_bytes(b"")
    leftover = cache.entry_path(_key(0)).with_name(f"{TMP_PREFIX}{_key(0)}-host-1-42")
    leftover.write_bytes(b"half")
    os.utime(leftover, (now - 7200, now - 7200))
    fresh_tmp = leftover.with_name(f"{TMP_PREFIX}{_key(1)}-host-1-43")
    fresh_tmp.write_bytes(b"being written")

    dry = gc_cache(out, 30 * day, latest_started, dry_run=True, now=now)
    assert (dry.entries, sorted(p.name for p in dry.paths)) == (2, sorted([legacy.name, "extract.sqlite-wal",
                                                                           leftover.name]))
    assert legacy.exists() and cache.entry_path(_key(3)).exists()
    done = gc_cache(out, 30 * day, latest_started, now=now)
    assert done.entries == 2 and done.bytes == dry.bytes > 0
    assert {p.name for p in cache.root.glob("??/[!.]*")} == {_key(0), _key(2)}
    assert not legacy.exists() and not leftover.exists() and fresh_tmp.exists()
    # no latest release: only the age counts
    assert gc_cache(out, 5 * day, None, now=now).entries == 2
    # a hit refreshes an entry's mtime (a day's granularity): used now, kept
    cache.put_many([(_key(5), _result(_key(5)))])
    os.utime(cache.entry_path(_key(5)), (now - 2 * day, now - 2 * day))
    assert set(cache.get_many([_key(5)])) == {_key(5)}
    assert gc_cache(out, day, None).entries == 0 and cache.entry_path(_key(5)).exists()


def test_ingest_gc_removes_the_old_sqlite_cache_and_unused_entries(tmp_path):
    from typer.testing import CliRunner

    from ingest.cli import app
    from ingest.release.publish import publish_release

    out = tmp_path / "out"
    publish_release(out, {"procedures": [{"id": "procedure:title:a"}]}, [], [])  # latest, built just now
    cache = ExtractionCache.for_output(out)
    cache.put_many((_key(i), _result(_key(i))) for i in range(3))
    old = time.time() - 40 * 86400
    for i in (1, 2):
        os.utime(cache.entry_path(_key(i)), (old, old))
    (out / ".cache" / "extract.sqlite").write_bytes(b"SQLite format 3\0")

    def gc(*flags):
        result = CliRunner().invoke(app, ["gc", "--keep", "1", "--out", str(out), *flags], env={"COLUMNS": "300"})
        assert result.exit_code == 0, result.output
        return result.output

    dry = gc("--dry-run")
    assert f"would remove {out / '.cache' / 'extract.sqlite'}\n" in dry and "would remove 2 extraction cache entries (" in dry
    assert len(list(cache.root.glob("??/*"))) == 3
    kept = gc("--cache-age", "50d")  # unused for 40 days is within 50: only the old SQLite file goes
    assert f"removed {out / '.cache' / 'extract.sqlite'}\n" in kept and "entries" not in kept
    assert len(list(cache.root.glob("??/*"))) == 3
    assert "removed 2 extraction cache entries (" in gc()  # the default age: 30 days
    assert set(cache.get_many([_key(i) for i in range(3)])) == {_key(0)}
    assert "nothing to remove" in gc()
    bad = CliRunner().invoke(app, ["gc", "--keep", "1", "--out", str(out), "--cache-age", "soon"])
    assert bad.exit_code == 2 and "not an age like 90d" in bad.output
