"""Discovery's page list: pages streamed to a file in path order, batches as ranges of it.

- the sorted walk yields exactly the pages os.walk finds, in the order of their relative paths (the order
  the input digest and the batches have always used), whatever the names (hypothesis-generated trees with
  names around '/' in sort order, hidden, skipped and symlinked folders, other suffixes);
- the page list read back is every (PageRef, SHA-256) of the in-memory fingerprint, its digest is the one
  inputs_digest gives, and its ranges, for any batch size, are the slices the batches were before: the
  same pages and the same batch folders (a resumed build reuses the batches it finished);
- the build's client keeps no page list: the batches it hands out are ranges, and the list is gone from
  staging once the release is published or found unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.assembly.incremental import PageRange, file_sha256, fingerprint_raw, inputs_digest, listing_path
from ingest.assembly.parts import batch_folder
from ingest.assembly.run import batches, discover, run_build
from ingest.page.acquire import PAGE_SUFFIXES, SKIP_DIRS, discover_pages, walk_sorted
from ingest.settings import BuildSettings
from tests.conftest import RAW_SAMPLE

# characters on both sides of '/' (0x2f) in sort order, so a folder's files and its siblings interleave
NAMES = st.text(alphabet="a-.0_A~é", min_size=1, max_size=2)
SUFFIXES = st.sampled_from([".html", "", ".htm", "", ".txt", ".xhtml", ".HTML", ".css"])
ENTRY_NAMES = st.one_of(st.tuples(NAMES, SUFFIXES).map("".join), st.sampled_from([".hidden", *SKIP_DIRS]))
TREES = st.recursive(st.just(b"x"), lambda inner: st.dictionaries(ENTRY_NAMES, inner, max_size=5), max_leaves=30)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(root: Path, tree: dict) -> None:
    for name, value in tree.items():
        if name in {".", ".."} or (root / name).is_file():  # not a new entry: the folder itself, or a file already
            continue
        if isinstance(value, dict):
            (root / name).mkdir(exist_ok=True)
            _write(root / name, value)
        elif not (root / name).exists():
            (root / name).write_bytes(value)


def _os_walk_sorted(raw: Path) -> list[tuple[str, str]]:
    """What discovery found before it streamed: os.walk with its filters, then sorted by relative path."""
    found = []
    for root, dirs, files in os.walk(raw):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        rel_root = Path(root).relative_to(raw).as_posix()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in PAGE_SUFFIXES:
                found.append((name if rel_root == "." else f"{rel_root}/{name}", os.path.join(root, name)))
    return sorted(found)


@SETTINGS
@given(tree=TREES)
@example(tree={"a": {"x.html": b"x"}, "a.html": b"x", "a-.txt": b"x", "a0.htm": b"x"})  # '-' '.' < '/' < '0'
@example(tree={".": {"0.html": b"x"}, "0.html": {}})  # '.' named the folder itself (found by hypothesis in CI)
def test_the_sorted_walk_finds_what_os_walk_finds_in_relative_path_order(tmp_path_factory, tree):
    raw = tmp_path_factory.mktemp("raw")
    _write(raw, tree if isinstance(tree, dict) else {})
    (raw / "linked").symlink_to(raw / ".hidden" if (raw / ".hidden").is_dir() else raw, target_is_directory=True)
    walked = list(walk_sorted(raw))
    assert walked == _os_walk_sorted(raw)
    assert [rel for rel, _ in walked] == sorted(rel for rel, _ in walked)


def test_the_page_list_is_the_in_memory_fingerprint_and_its_ranges_the_old_batches(tmp_path):
    out = tmp_path / "out"
    fp = fingerprint_raw(RAW_SAMPLE, out)
    expected = [(ref, file_sha256(ref.path)) for ref in sorted(discover_pages(RAW_SAMPLE), key=lambda r: r.rel_path)]
    assert fp.listing == str(listing_path(out)) and Path(fp.listing).is_file()
    assert list(fp.pages()) == expected and fp.count == len(expected) > 20
    assert fp.digest == inputs_digest(expected) and fp.hashed == len(expected)
    root = tmp_path / "staging"
    for size in (1, 2, 7, len(expected) - 1, len(expected), 500):
        ranges = fp.ranges(size)
        slices = [expected[i:i + size] for i in range(0, len(expected), size)]
        assert all(isinstance(r, PageRange) for r in ranges) and [r.count for r in ranges] == list(map(len, slices))
        assert [r.pages() for r in ranges] == slices
        assert [batch_folder(root, r.pages()) for r in ranges] == [batch_folder(root, s) for s in slices]


def test_a_build_hands_out_ranges_and_leaves_no_page_list(tmp_path):
    out = tmp_path / "out"
    settings = BuildSettings(workers=0, batch_size=7)
    fp = discover(RAW_SAMPLE, out)
    handed = batches(fp, settings)
    assert all(isinstance(b, PageRange) and b.count <= 7 for b in handed)
    assert sum(b.count for b in handed) == fp.count
    summary = run_build(RAW_SAMPLE, out, settings)
    assert summary.published and summary.pages == fp.count
    assert not listing_path(out).exists(), "a published build leaves no page list"
    again = run_build(RAW_SAMPLE, out, settings)
    assert not again.published and not listing_path(out).exists(), "an unchanged build leaves no page list"
    assert not listing_path(out).parent.exists(), "nor an empty staging folder"
    (listing_path(out).parent / "a-resumable-batch").mkdir(parents=True)  # parts a later build may reuse
    run_build(RAW_SAMPLE, out, settings)
    assert (listing_path(out).parent / "a-resumable-batch").is_dir(), "an unchanged build removes no one's parts"
