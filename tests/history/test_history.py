"""Release history library: changes.jsonl, diff, listing, resolving references, retention."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import orjson
import pytest

from ingest.release import layout
from ingest.release.diff import FieldChange, diff_releases, field_changes
from ingest.release.layout import (ReleaseNotFound, latest_release, list_releases, read_manifest, resolve_release,
                                   switch_latest, verify_release)
from ingest.release.publish import publish_release
from ingest.release.retention import gc_releases

A = {"id": "procedure:cpt:29881", "title": "Knee scope", "risks": ["infection", "bleeding"], "code": "29881"}
B = {"id": "procedure:cpt:45378", "title": "Colonoscopy", "risks": [], "code": "45378"}
C = {"id": "procedure:cpt:52000", "title": "Cystoscopy", "risks": ["pain"], "code": "52000"}
D = {"id": "procedure:cpt:66984", "title": "Cataract surgery", "risks": [], "code": "66984"}
CODE = {"system": "CPT", "code": "29881", "valid": None}
Q1 = {"path": "other/empty.html", "reason": "empty", "detail": "0 bytes"}
Q2 = {"path": "other/logo.png.html", "reason": "binary", "detail": "image"}


def release_one(out):
    return publish_release(out, {"procedures": [A, B, C], "codes": [CODE]}, [Q1], [("a.html", "aa")])


def release_two(out):
    a2 = {**A, "title": "Knee arthroscopy"}  # one record changes one field
    return publish_release(out, {"procedures": [a2, C, D], "codes": [{**CODE, "valid": True}]}, [Q1, Q2],
                           [("a.html", "ab")])


def lines(path):
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_first_release_lists_every_record_as_added(tmp_path):
    info = release_one(tmp_path)
    changes = lines(info.path / "changes.jsonl")
    assert changes == [
        {"dataset": "codes", "id": "CPT:29881", "change": "added"},
        {"dataset": "procedures", "id": "procedure:cpt:29881", "change": "added"},
        {"dataset": "procedures", "id": "procedure:cpt:45378", "change": "added"},
        {"dataset": "procedures", "id": "procedure:cpt:52000", "change": "added"},
        {"dataset": "quarantine", "id": "other/empty.html", "change": "added"},
    ]
    manifest = read_manifest(info.path)
    assert "changes.jsonl" in manifest["files"] and "changes" not in manifest["datasets"]
    assert manifest["changes"] == {"codes": {"added": 1, "removed": 0, "changed": 0},
                                   "procedures": {"added": 3, "removed": 0, "changed": 0},
                                   "quarantine": {"added": 1, "removed": 0, "changed": 0}}
    assert verify_release(info.path) == []


def test_changes_against_previous_release(tmp_path):
    first = release_one(tmp_path)
    second = release_two(tmp_path)
    assert read_manifest(second.path)["previous_release"] == first.release_id
    assert lines(second.path / "changes.jsonl") == [
        {"dataset": "codes", "id": "CPT:29881", "change": "changed", "fields": {"valid": {"old": None, "new": True}}},
        {"dataset": "procedures", "id": "procedure:cpt:29881", "change": "changed",
         "fields": {"title": {"old": "Knee scope", "new": "Knee arthroscopy"}}},
        {"dataset": "procedures", "id": "procedure:cpt:45378", "change": "removed"},
        {"dataset": "procedures", "id": "procedure:cpt:66984", "change": "added"},
        {"dataset": "quarantine", "id": "other/logo.png.html", "change": "added"},
    ]
    assert read_manifest(second.path)["changes"]["procedures"] == {"added": 1, "removed": 1, "changed": 1}
    # the in-memory diff publish made equals the diff of the two directories, byte for byte
    assert diff_releases(first.path, second.path).changes_jsonl() == (second.path / "changes.jsonl").read_bytes()


def test_changes_jsonl_is_deterministic_and_not_part_of_content_digest(tmp_path):
    outs = []
    for run in ("a", "b"):
        release_one(tmp_path / run)
        time.sleep(0.002)  # different release ids and times
        outs.append(release_two(tmp_path / run))
    assert outs[0].release_id != outs[1].release_id
    assert (outs[0].path / "changes.jsonl").read_bytes() == (outs[1].path / "changes.jsonl").read_bytes()
    assert outs[0].manifest["content_digest"] == outs[1].manifest["content_digest"]
    again = release_two(tmp_path / "a")  # same content: nothing published
    assert not again.published
    forced = publish_release(tmp_path / "a", {"procedures": [{**A, "title": "Knee arthroscopy"}, C, D],
                                              "codes": [{**CODE, "valid": True}]}, [Q1, Q2], [], force=True)
    assert (forced.path / "changes.jsonl").read_bytes() == b""
    assert all(v == {"added": 0, "removed": 0, "changed": 0} for v in forced.manifest["changes"].values())


def test_diff_field_level(tmp_path):
    first, second = release_one(tmp_path), release_two(tmp_path)
    diff = diff_releases(first.path, second.path)
    assert (diff.old_id, diff.new_id) == (first.release_id, second.release_id)
    procs = diff.datasets["procedures"]
    assert procs.added == ["procedure:cpt:66984"] and procs.removed == ["procedure:cpt:45378"]
    [change] = procs.changed
    assert change.id == "procedure:cpt:29881" and list(change.fields) == ["title"]
    assert change.fields["title"] == FieldChange("Knee scope", "Knee arthroscopy")
    assert diff.summary()["quarantine"] == {"added": 1, "removed": 0, "changed": 0}
    assert not diff.is_empty() and diff_releases(second.path, second.path).is_empty()
    everything = diff_releases(None, second.path)
    assert everything.old_id is None and everything.datasets["procedures"].added == sorted([A["id"], C["id"], D["id"]])


def test_field_changes_lists_and_types():
    fields = field_changes({"id": "x", "risks": ["a", "b", "b"], "n": 1, "steps": ["1", "2"], "gone": 3},
                           {"id": "x", "risks": ["b", "c"], "n": True, "steps": ["2", "1"], "new": None, "extra": [1]})
    assert list(fields) == ["risks", "n", "steps", "extra", "gone"]  # `new`: None both ways is no change
    assert fields["risks"].items() == (["c"], ["a", "b"])
    assert fields["risks"].detail() == {"added": ["c"], "removed": ["a", "b"]}
    assert fields["n"].detail() == {"old": 1, "new": True}  # 1 == True in Python, not in JSON
    assert fields["steps"].detail() == {"added": [], "removed": [], "reordered": True}
    assert fields["extra"].items() == ([1], [])
    assert fields["gone"].detail() == {"old": 3, "new": None}


def test_dict_items_in_lists_compare_by_value():
    old = {"id": "t", "sources": [{"path": "a", "sha256": "1"}, {"path": "b", "sha256": "2"}]}
    new = {"id": "t", "sources": [{"sha256": "1", "path": "a"}, {"path": "c", "sha256": "3"}]}
    added, removed = field_changes(old, new)["sources"].items()
    assert added == [{"path": "c", "sha256": "3"}] and removed == [{"path": "b", "sha256": "2"}]


def test_unreadable_lines_are_skipped_with_a_warning(tmp_path):
    first, second = release_one(tmp_path), release_two(tmp_path)
    with open(first.path / "procedures.jsonl", "ab") as fh:
        fh.write(b'{"id": "cut-by-a-cra')
    diff = diff_releases(first.path, second.path)
    assert diff.datasets["procedures"].removed == ["procedure:cpt:45378"]
    assert len(diff.warnings) == 1 and "unreadable line" in diff.warnings[0]
    (second.path / "codes.jsonl").unlink()
    diff = diff_releases(first.path, second.path)
    assert diff.datasets["codes"].removed == ["CPT:29881"] and f"{second.release_id}/codes.jsonl: missing" in diff.warnings


def test_list_releases(tmp_path):
    assert list_releases(tmp_path) == []
    first, second = release_one(tmp_path), release_two(tmp_path)
    (first.path / "procedures.jsonl").write_bytes(b"{}\n")
    old, new = list_releases(tmp_path)
    assert (old.release_id, new.release_id) == (first.release_id, second.release_id)
    assert new.is_latest and not old.is_latest
    assert new.valid and not old.valid and [p.split(" (")[0] for p in old.problems] == ["procedures.jsonl: checksum mismatch"]
    assert new.counts == {"codes": 1, "procedures": 3, "quarantine": 2}
    assert new.changes["procedures"] == {"added": 1, "removed": 1, "changed": 1}
    assert new.previous_release == first.release_id and new.created_at.endswith("Z")
    assert list_releases(tmp_path, verify=False)[0].valid  # not checked


def test_resolve_release(tmp_path):
    with pytest.raises(ReleaseNotFound):
        resolve_release(tmp_path, "latest")
    first = release_one(tmp_path)
    with pytest.raises(ReleaseNotFound, match="no previous"):
        resolve_release(tmp_path, "previous")
    second = release_two(tmp_path)
    time.sleep(0.002)
    third = publish_release(tmp_path, {"procedures": [A]}, [], [])
    assert resolve_release(tmp_path, "latest") == third.path.resolve()
    assert resolve_release(tmp_path, "previous") == second.path
    assert resolve_release(tmp_path, first.release_id) == first.path
    assert resolve_release(tmp_path, second.release_id[:-2]) == second.path  # unique prefix
    with pytest.raises(ReleaseNotFound, match="ambiguous"):
        resolve_release(tmp_path, "2")
    with pytest.raises(ReleaseNotFound, match="no release"):
        resolve_release(tmp_path, "1999")
    gc_releases(tmp_path, keep=1)  # previous_release of latest is gone now
    assert resolve_release(tmp_path, third.release_id) == third.path
    with pytest.raises(ReleaseNotFound):
        resolve_release(tmp_path, "previous")


def test_previous_falls_back_to_next_older_release(tmp_path):
    first = release_one(tmp_path)
    second = release_two(tmp_path)
    time.sleep(0.002)
    third = publish_release(tmp_path, {"procedures": [A]}, [], [])
    shutil.rmtree(second.path)  # latest's predecessor was removed by hand
    assert resolve_release(tmp_path, "previous") == first.path
    assert read_manifest(third.path)["previous_release"] == second.release_id


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_gc_keeps_latest_and_cleans_stale_temporaries(tmp_path):
    infos = []
    for i in range(4):
        infos.append(publish_release(tmp_path, {"procedures": [{**A, "title": f"t{i}"}]}, [], []))
        time.sleep(0.002)
    switch_latest(tmp_path, infos[1].path)  # latest is an old release now
    releases = tmp_path / "releases"
    dead, live = _dead_pid(), os.getpid()
    (releases / f".tmp-20260101T000000000Z-deadbeef-{dead}").mkdir()
    fresh_live = releases / f".tmp-20260101T000000000Z-cafe-{live}"
    fresh_live.mkdir()
    old_live = releases / f".tmp-20250101T000000000Z-cafe-{live}"
    old_live.mkdir()
    os.utime(old_live, (time.time() - 7200, time.time() - 7200))
    os.symlink("releases/x", tmp_path / f".tmp-latest-{dead}")
    os.symlink("releases/x", tmp_path / f".tmp-latest-{live}")

    planned = gc_releases(tmp_path, keep=1, dry_run=True)
    assert len(list(releases.iterdir())) == 7  # dry run removes nothing
    removed = gc_releases(tmp_path, keep=1)
    assert removed == planned
    names = {p.name for p in removed}
    assert names == {infos[0].release_id, infos[2].release_id, infos[3].release_id,
                     f".tmp-20260101T000000000Z-deadbeef-{dead}", old_live.name, f".tmp-latest-{dead}"}
    assert [p.name for p in layout.release_dirs(tmp_path)] == [infos[1].release_id]
    assert latest_release(tmp_path) == infos[1].path.resolve() and verify_release(infos[1].path) == []
    assert fresh_live.exists() and (tmp_path / f".tmp-latest-{live}").is_symlink()  # in use: kept
    assert not [p for p in releases.iterdir() if p.name.startswith(".tmp-gc-")]
    assert gc_releases(tmp_path, keep=1) == []
    with pytest.raises(ValueError):
        gc_releases(tmp_path, keep=0)


def test_gc_keep_n_removes_oldest_first(tmp_path):
    infos = []
    for i in range(4):
        infos.append(publish_release(tmp_path, {"procedures": [{**A, "title": f"t{i}"}]}, [], []))
        time.sleep(0.002)
    removed = gc_releases(tmp_path, keep=2)
    assert [p.name for p in removed] == [infos[0].release_id, infos[1].release_id]
    assert [p.name for p in layout.release_dirs(tmp_path)] == [infos[2].release_id, infos[3].release_id]
    assert gc_releases(tmp_path, keep=5) == []


@pytest.mark.slow
def test_diff_of_100k_records_streams(tmp_path):
    """Two 100k-record releases (~60 MB each): the diff's memory is a few tens of MB, not the files' size."""
    pad = "x" * 500
    for name, shift in (("a", 0), ("b", 1000)):
        folder = tmp_path / name
        folder.mkdir()
        with open(folder / "procedures.jsonl", "wb") as fh:
            for i in range(shift, 100_000 + shift):
                title = f"t{i}" if i % 10 else f"t{i}-{name}"  # 10% changed, 1% added, 1% removed
                fh.write(orjson.dumps({"id": f"procedure:{i:07d}", "title": title, "text": pad}) + b"\n")
    script = (
        "import sys, resource\n"
        "from pathlib import Path\n"
        "from ingest.release.diff import diff_releases\n"
        "def rss(key):\n"
        "    return int(next(l for l in open('/proc/self/status') if l.startswith(key)).split()[1]) // 1024\n"
        "before = rss('VmRSS:')\n"
        "d = diff_releases(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "s = d.summary()['procedures']\n"
        "print(s['added'], s['removed'], s['changed'], rss('VmHWM:') - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a"), str(tmp_path / "b")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    added, removed, changed, grown_mb = map(int, done.stdout.split())
    assert (added, removed, changed) == (1000, 1000, 9900)
    assert grown_mb < 150, f"diff grew the process by {grown_mb} MB"


def test_extra_jsonl_files_and_keyless_or_repeated_records(tmp_path):
    """Extra .jsonl files (duplicates.jsonl) are diffed too; repeated keys get #k; keyless records a hash."""
    dup = {"level": "exact", "dataset": "procedures", "record_id": A["id"], "members": [{"path": "a"}]}
    extra1 = {"duplicates.jsonl": orjson.dumps(dup) + b"\n" + orjson.dumps({**dup, "members": [{"path": "b"}]}) + b"\n",
              "notes.jsonl": b'{"text": "x"}\n'}
    extra2 = {"duplicates.jsonl": orjson.dumps(dup) + b"\n" + orjson.dumps({**dup, "members": [{"path": "c"}]}) + b"\n",
              "notes.jsonl": b'{"text": "y"}\n'}
    first = publish_release(tmp_path, {"procedures": [A]}, [], [], extra_files=extra1)
    assert [c["id"] for c in lines(first.path / "changes.jsonl") if c["dataset"] == "duplicates"] == [
        "procedures:procedure:cpt:29881:exact", "procedures:procedure:cpt:29881:exact#2"]
    second = publish_release(tmp_path, {"procedures": [A]}, [], [], extra_files=extra2)
    changes = lines(second.path / "changes.jsonl")
    assert changes[0] == {"dataset": "duplicates", "id": "procedures:procedure:cpt:29881:exact#2", "change": "changed",
                          "fields": {"members": {"old": [{"path": "b"}], "new": [{"path": "c"}]}}}
    assert sorted((c["dataset"], c["change"], c["id"][:4]) for c in changes[1:]) == [("notes", "added", "sha:"),
                                                                                     ("notes", "removed", "sha:")]
    assert diff_releases(first.path, second.path).changes_jsonl() == (second.path / "changes.jsonl").read_bytes()


def test_largest_changes_come_from_publish_and_rank_as_the_change_feed_on_disk(tmp_path):
    first = release_one(tmp_path)
    assert first.changes is not None and first.changes.summary()["procedures"]["added"] == 3
    a3 = {**A, "title": "Knee arthroscopy", "risks": ["infection"]}  # two fields change
    second = publish_release(tmp_path, {"procedures": [a3, C, D], "codes": [{**CODE, "valid": True}]}, [Q1, Q2],
                             [("a.html", "ab")])
    assert second.changes.largest() == [
        {"dataset": "procedures", "id": "procedure:cpt:29881", "change": "changed", "fields": ["risks", "title"]},
        {"dataset": "codes", "id": "CPT:29881", "change": "changed", "fields": ["valid"]},
        {"dataset": "procedures", "id": "procedure:cpt:66984", "change": "added", "fields": []},
        {"dataset": "quarantine", "id": "other/logo.png.html", "change": "added", "fields": []},
        {"dataset": "procedures", "id": "procedure:cpt:45378", "change": "removed", "fields": []},
    ]
    assert [c["id"] for c in second.changes.largest(2)] == ["procedure:cpt:29881", "CPT:29881"]
    feed = sorted(lines(second.path / "changes.jsonl"),
                  key=lambda c: (-len(c.get("fields") or {}), c["change"], c["dataset"], c["id"]))
    assert [(c["dataset"], c["id"], c["change"], sorted(c.get("fields") or {})) for c in feed] == \
        [(c["dataset"], c["id"], c["change"], c["fields"]) for c in second.changes.largest()]
    again = publish_release(tmp_path, {"procedures": [a3, C, D], "codes": [{**CODE, "valid": True}]}, [Q1, Q2],
                            [("a.html", "ab")])
    assert not again.published and again.changes is None  # nothing published: nothing changed in this run
