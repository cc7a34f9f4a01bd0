"""Incremental builds: the extraction cache, exact invalidation, and the unchanged-input no-op."""

from __future__ import annotations

import itertools
import shutil

import pytest

import ingest
import ingest.page.cache as cache_mod
from ingest.page.acquire import discover_pages
from ingest.page.cache import ExtractionCache, extract_with_cache
from ingest.assembly.incremental import build_key, fingerprint, fingerprint_raw, unchanged_release
from ingest.assembly.run import run_build
from ingest.page.parallel import extract_pages
from ingest.release.layout import latest_release, read_manifest
from ingest.release.publish import publish_release
from ingest.assembly.finalize import finalize
from ingest.settings import BuildSettings
from tests.conftest import RAW_SAMPLE


@pytest.fixture
def raw_copy(tmp_path):
    dest = tmp_path / "raw"
    shutil.copytree(RAW_SAMPLE, dest)
    return dest


_RUNS = itertools.count()


def _run(raw, out, settings=None):
    settings = settings or BuildSettings(workers=0)
    fp = fingerprint(discover_pages(raw), out.parent / f"pages-{next(_RUNS)}.jsonl")  # one page list per run
    cache = ExtractionCache.for_output(out)
    try:
        results, hits = extract_with_cache(list(fp.pages()), settings, cache)
    finally:
        cache.close()
    return fp, results, hits


def test_warm_run_reuses_every_page_and_gives_the_same_results(raw_copy, tmp_path):
    out = tmp_path / "out"
    fp, cold, hits = _run(raw_copy, out)
    assert hits == 0
    _, warm, hits = _run(raw_copy, out)
    assert hits == fp.count - sum(1 for r in cold if r.quarantine and r.quarantine["reason"] in ("timeout",))
    assert [(r.rel_path, r.record, r.quarantine) for r in warm] == [(r.rel_path, r.record, r.quarantine) for r in cold]


def test_one_changed_page_is_the_only_one_re_extracted(raw_copy, tmp_path):
    out = tmp_path / "out"
    fp, _, _ = _run(raw_copy, out)
    page = raw_copy / "sample" / "codes-example" / "knee-arthroscopy.html"
    page.write_bytes(page.read_bytes().replace(b"</main>", b"<p>Updated note.</p></main>", 1))
    _, results, hits = _run(raw_copy, out)
    assert hits == fp.count - 1
    knee = next(r for r in results if r.rel_path.endswith("knee-arthroscopy.html"))
    assert knee.sha256 != next(sha for ref, sha in fp.pages() if ref.rel_path.endswith("knee-arthroscopy.html"))


def test_extractor_bump_invalidates_exactly_the_affected_pages(raw_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    fp, cold, _ = _run(raw_copy, out)
    affected = [r for r in cold if (r.record or {}).get("page_type") == "term"
                or (r.quarantine and r.quarantine.get("page_type") in (None, "unsupported"))]
    monkeypatch.setitem(ingest.EXTRACTOR_VERSIONS, "term", ingest.EXTRACTOR_VERSIONS["term"] + "-bumped")
    monkeypatch.setattr(cache_mod, "EXTRACTOR_VERSIONS", ingest.EXTRACTOR_VERSIONS)
    _, _, hits = _run(raw_copy, out)
    assert hits == fp.count - len(affected)
    assert 0 < len(affected) < fp.count


def test_unchanged_inputs_are_detected_and_any_change_is_not(raw_copy, tmp_path):
    out = tmp_path / "out"
    settings = BuildSettings(workers=0)
    fp, results, _ = _run(raw_copy, out, settings)
    finalize(results, out, settings, inputs=fp)
    assert unchanged_release(out, fingerprint(discover_pages(raw_copy), tmp_path / "pages.jsonl"), settings) is not None
    assert unchanged_release(out, fp, BuildSettings(workers=0, dedup_threshold=0.9)) is None
    (raw_copy / "sample" / "exports" / "new.txt").write_text("Some new page\n")
    assert unchanged_release(out, fingerprint(discover_pages(raw_copy), tmp_path / "pages.jsonl"), settings) is None


def test_a_release_written_without_inputs_is_recognised_as_unchanged(raw_copy, tmp_path):
    # finalize() given no fingerprint digests the pages its results came from, with the one formula
    # discovery uses: the next build on the same raw folder and settings publishes nothing
    out = tmp_path / "out"
    settings = BuildSettings(workers=0)
    results = extract_pages(list(discover_pages(raw_copy)), settings)
    first = finalize(results, out, settings)
    manifest = read_manifest(latest_release(out))
    fp = fingerprint_raw(raw_copy, out)
    assert manifest["inputs"] == fp.inputs and manifest["build"] == build_key(settings)
    again = run_build(raw_copy, out, settings)
    assert not again.published and again.release_id == first.release_id
    # a setting changed (every page now too large: the shrink gate is opened on purpose)
    assert run_build(raw_copy, out, BuildSettings(workers=0, max_page_bytes=1000, shrink_margin=1.0)).published


def test_publish_refuses_extra_fields_that_replace_its_own(tmp_path):
    with pytest.raises(ValueError, match="inputs"):
        publish_release(tmp_path, {"procedures": []}, [], [], extra={"inputs": {"pages": 0, "digest": "x"}})
