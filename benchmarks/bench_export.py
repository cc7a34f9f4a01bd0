#!/usr/bin/env python3
"""Memory and time of `ingest export --format parquet` on a large release.

    python benchmarks/bench_export.py --records 100000 --workdir /tmp/bench-export

1. Writes a realistic release of --records procedure records (no pipeline run: records like
   those a build produces, 1-3 sources, 13 sections, risk groups, notes, each validated
   against ProcedureRecord), plus codes and quarantine, the schemas and a checksummed
   manifest, under WORKDIR/normalized/releases/<id> with `latest` pointing at it.
   Kept and reused when it already has that many records (--regenerate rewrites it).
2. Runs `ingest export latest --from WORKDIR/normalized --out WORKDIR/parquet` in a
   subprocess; samples the RSS of its whole process tree every 0.1 s (psutil) and reads the
   kernel's peak RSS of the child (ru_maxrss) afterwards.
3. Reads the Parquet back with DuckDB when it is installed (row count, one aggregate).
Prints the numbers; asserts nothing (the goal is a peak RSS under 1 GB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import psutil

from ingest import SCHEMA_VERSION
from ingest.release.contract import model_schemas
from ingest.models import ProcedureRecord

INGEST = str(Path(sys.executable).with_name("ingest"))
WORDS = ("the patient procedure lesion skin joint knee tissue needle sample local anesthesia incision "
         "surgeon nurse recovery pain swelling infection bleeding dressing stitches imaging guidance "
         "ultrasound camera scope small instrument biopsy fluid steroid injection tendon sheath finger "
         "doctor office hospital outpatient minutes hours days weeks follow-up visit results laboratory").split()
SECTIONS = ("indications", "preparation", "procedure_steps", "personnel", "risks", "benefits", "recovery",
            "alternatives")
SITES = ("clinic-example.org", "health-example.com", "codes-example.net", "med-ref.example")


def sentence(rng: random.Random, lo: int = 8, hi: int = 22) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return " ".join(words).capitalize() + "."


def record(i: int, rng: random.Random) -> dict:
    """One procedure record shaped like the build's output (validated by the caller)."""
    code = f"{10000 + i:05d}" if i < 89_999 else f"{i % 10000:04d}T"
    site = SITES[i % len(SITES)]
    sources = []
    for k in range(rng.choice((1, 1, 1, 2, 3))):
        body = f"{code}-{k}".encode()
        sources.append({"path": f"{site}/cpt/{code}{'-' + str(k) if k else ''}.html", "uri": f"https://{site}/cpt/{code}",
                        "sha256": hashlib.sha256(body).hexdigest(), "size": rng.randint(30_000, 60_000),
                        "encoding": "utf-8", "encoding_source": rng.choice(("declared", "http_header", "utf8_valid")),
                        "page_type": "procedure", "page_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        "fetched_at": None, "role": "primary" if k == 0 else rng.choice(("exact_duplicate", "near_duplicate"))})
    rec = {"id": f"procedure:{site}:cpt-{code}-{hashlib.sha1(code.encode()).hexdigest()[:10]}",
           "entity": f"cpt:{code}", "title": sentence(rng, 4, 14).rstrip("."),
           "common_names": [sentence(rng, 2, 4).rstrip(".") for _ in range(rng.randint(0, 3))],
           "code": code, "code_system": "CPT", "code_source": rng.choice(("json_ld", "title", "body", "url")),
           "add_on": rng.random() < 0.05, "url": f"https://{site}/cpt/{code}",
           "summary": " ".join(sentence(rng) for _ in range(3)), "purpose": sentence(rng),
           "duration": f"{rng.randint(10, 120)} minutes", "setting": sentence(rng, 4, 10),
           "patient_experience": " ".join(sentence(rng) for _ in range(2)),
           "notes": {s: [sentence(rng)] for s in rng.sample(SECTIONS, rng.randint(0, 2))},
           "sections_recovered": rng.sample(SECTIONS, rng.choice((0, 0, 0, 1))), "sources": sources}
    for name in SECTIONS:
        rec[name] = [sentence(rng) for _ in range(rng.randint(2, 7))]
    if rng.random() < 0.2:
        rec["risk_groups"] = [{"label": label, "items": rec["risks"][j::2]} for j, label in
                              enumerate(("Common risks", "Rare complications"))]
    return ProcedureRecord.model_validate(rec).model_dump(mode="json")


def write_release(root: Path, n: int, seed: int = 13) -> Path:
    """WORKDIR/normalized with one release of n procedure records; return the release folder."""
    shutil.rmtree(root, ignore_errors=True)
    release_id = f"20260101T000000000Z-bench{n:06d}"
    release = root / "releases" / release_id
    (release / "schemas").mkdir(parents=True)
    rng = random.Random(seed)
    files: dict[str, dict] = {}

    def write(name: str, lines) -> int:
        h, size, count = hashlib.sha256(), 0, 0
        with open(release / name, "wb") as fh:
            for obj in lines:
                line = orjson.dumps(obj) + b"\n"
                fh.write(line)
                h.update(line)
                size, count = size + len(line), count + 1
        files[name] = {"sha256": h.hexdigest(), "bytes": size}
        return count

    counts = {"procedures": write("procedures.jsonl", (record(i, rng) for i in range(n)))}
    counts["codes"] = write("codes.jsonl", ({"system": "CPT", "code": f"{10000 + i:05d}", "valid": None, "billable": None,
                                            "official_title": None, "add_on": False, "descriptors": [],
                                            "referenced_by": {"procedure": [f"procedure:cpt:{10000 + i:05d}"],
                                                              "term": [], "billing": []},
                                            "conflicts": [], "variants": []} for i in range(min(n, 89_999))))
    counts["quarantine"] = write("quarantine.jsonl", ({"path": f"other/empty-{i}.html", "sha256": None, "size": 0,
                                                      "reason": "empty", "detail": "0 bytes", "page_type": None,
                                                      "uri": None, "encoding": None} for i in range(n // 100)))
    for name in ("terms", "billing"):
        counts[name] = write(f"{name}.jsonl", ())
    for name, schema in model_schemas().items():
        data = orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        (release / "schemas" / f"{name}.schema.json").write_bytes(data)
        files[f"schemas/{name}.schema.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    manifest = {"release_id": release_id, "created_at": "2026-01-01T00:00:00Z", "previous_release": None,
                "schema_version": SCHEMA_VERSION, "counts": counts,
                "datasets": {k: {"file": f"{k}.jsonl", "records": v, **files[f"{k}.jsonl"],
                                 "schema": f"schemas/{k}.schema.json"} for k, v in sorted(counts.items())},
                "files": dict(sorted(files.items()))}
    (release / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    os.symlink(Path("releases") / release_id, root / "latest")
    return release


def peak_tree_rss(proc: subprocess.Popen, every: float = 0.1) -> tuple[threading.Thread, list[int]]:
    """Start sampling the summed RSS of proc and its descendants; the peak lands in the returned list."""
    peak = [0]

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while proc.poll() is None:
            total = 0
            try:
                for p in (root, *root.children(recursive=True)):
                    try:
                        total += p.memory_info().rss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
            except psutil.NoSuchProcess:
                break
            peak[0] = max(peak[0], total)
            time.sleep(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return thread, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench-export"))
    ap.add_argument("--batch-rows", type=int, default=2000)
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args()
    root = args.workdir / "normalized"
    manifest = root / "latest" / "manifest.json"
    if args.regenerate or not manifest.is_file() or \
            json.loads(manifest.read_text())["counts"]["procedures"] != args.records:
        started = time.perf_counter()
        release = write_release(root, args.records)
        print(f"generated {args.records:,} procedure records in {time.perf_counter() - started:.1f} s")
    release = (root / "latest").resolve()
    size = (release / "procedures.jsonl").stat().st_size
    print(f"release {release.name}: procedures.jsonl {size / 1e6:,.1f} MB")
    out = args.workdir / "parquet"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [INGEST, "export", "latest", "--from", str(root), "--out", str(out), "--format", "parquet",
           "--batch-rows", str(args.batch_rows)]
    print("$ " + " ".join(cmd))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler, peak = peak_tree_rss(proc)
    output, _ = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.join(1)
    kernel_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    print(output.rstrip())
    print(f"exit {proc.returncode}; wall {elapsed:.1f} s; {args.records / elapsed:,.0f} records/s")
    print(f"peak RSS of the process tree (sampled every 0.1 s): {peak[0] / 2**20:,.0f} MiB; "
          f"kernel ru_maxrss of the child: {kernel_peak / 2**20:,.0f} MiB (goal < 1,024 MiB)")
    try:
        import duckdb
    except ImportError:
        return
    rows, mean = duckdb.sql(f"SELECT count(*), avg(len(risks)) FROM '{out / 'procedures.parquet'}'").fetchall()[0]
    print(f"DuckDB reads it back: {rows:,} rows, mean len(risks) {mean:.2f}; "
          f"procedures.parquet {(out / 'procedures.parquet').stat().st_size / 1e6:,.1f} MB")


if __name__ == "__main__":
    main()
