"""Benchmark: our numpy MinHash + LSH against datasketch, in the same run.

Generates N synthetic ~2 KB documents (seeded random sentences over a
built-in vocabulary) of which ~10% are planted near-duplicates: a copy of
another document with 1-3 sentences rewritten (order otherwise untouched).
Both pipelines see the same texts and the same 5-word shingles and are timed
from text to candidate pairs:

  datasketch  MinHash(num_perm=128).update_batch + MinHashLSH(threshold=0.8)
              insert + query of every document
  ours        MinHasher.signatures (batched) + LSHIndex.insert/candidate_pairs

It then reports docs/s, the ratio ours/datasketch, the recall of planted
pairs whose true Jaccard is >= threshold (as candidates, and after each
side's verification), and false candidates (candidate pairs whose true
Jaccard is below the threshold).  No assertions on time.

    python benchmarks/bench_minhash.py --docs 20000
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from ingest.dedup import LSHIndex, MinHasher, choose_bands, near_duplicate_clusters, words

VOCAB = """
patient procedure surgeon anesthesia incision catheter artery vein biopsy
tissue sample imaging scan ultrasound contrast dye needle sedation recovery
hospital clinic outpatient inpatient discharge follow visit appointment nurse
doctor physician specialist referral diagnosis symptom pain swelling fever
infection bleeding risk complication benefit alternative treatment therapy
medication dose tablet injection infusion antibiotic steroid allergy reaction
heart lung kidney liver stomach bowel colon bladder spine knee hip shoulder
joint bone muscle nerve skin eye ear nose throat brain blood pressure pulse
oxygen breathing monitor device implant stent valve graft suture stitch
dressing wound bandage cast brace splint exercise rest diet fluid water meal
fasting before after during hours days weeks months minutes usually often
sometimes rarely may might can will should must need needs take takes taking
make makes remove removes insert inserts place placed check checks test tests
result results report reports normal abnormal mild moderate severe acute
chronic local general regional small large thin flexible camera tube light
the a an of to in on at by for with without from into through over under
and or but if when while because although so then also only just very more
less most least each every some any all both either neither this that these
those your you it its they them their we our us he she his her one two three
four five six seven eight ten first second last next early late long short
high low left right upper lower inside outside area region part side surface
prepare preparation instructions consent form question questions answer team
staff care home family friend drive driving work school activity activities
shower bath lift lifting walk walking stairs sleep sleeping eat eating drink
call contact emergency urgent help support information leaflet guide page
""".split()


def _sentence(rng: random.Random, weights: list[float]) -> str:
    n = rng.randint(8, 18)
    ws = rng.choices(VOCAB, weights=weights, k=n)
    return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."


def make_corpus(
    n_docs: int, dup_rate: float, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(docs, planted (original_id, copy_id) pairs); docs are ~2 KB each."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(VOCAB))]  # mild Zipf
    n_copies = int(round(n_docs * dup_rate))
    originals: list[list[str]] = []
    for _ in range(n_docs - n_copies):
        sentences, size = [], 0
        while size < 2000:
            s = _sentence(rng, weights)
            sentences.append(s)
            size += len(s) + 1
        originals.append(sentences)
    docs = [(f"doc{i:06d}", " ".join(s)) for i, s in enumerate(originals)]
    planted = []
    for j, base in enumerate(rng.sample(range(len(originals)), n_copies)):
        sentences = list(originals[base])
        n_edits = rng.choices([1, 2, 3], weights=[0.7, 0.2, 0.1])[0]
        for pos in rng.sample(range(len(sentences)), n_edits):
            sentences[pos] = _sentence(rng, weights)
        copy_id = f"dup{j:06d}"
        docs.append((copy_id, " ".join(sentences)))
        planted.append((docs[base][0], copy_id))
    rng.shuffle(docs)
    return docs, planted


def shingle_strings(text: str, k: int) -> set[bytes]:
    ws = words(text)
    if len(ws) < k:
        return {" ".join(ws).encode(), *(w.encode() for w in ws)} if ws else set()
    return {" ".join(ws[i : i + k]).encode() for i in range(len(ws) - k + 1)}


def true_jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def run_datasketch(docs, num_perm, threshold, k):
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    sigs = {}
    for doc_id, text in docs:
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch(list(shingle_strings(text, k)))
        sigs[doc_id] = m
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for doc_id, m in sigs.items():
        lsh.insert(doc_id, m)
    cands = set()
    for doc_id, m in sigs.items():
        for other in lsh.query(m):
            if other != doc_id:
                cands.add((min(doc_id, other), max(doc_id, other)))
    t2 = time.perf_counter()
    verified = {p for p in cands if sigs[p[0]].jaccard(sigs[p[1]]) >= threshold}
    est = lambda a, b: sigs[a].jaccard(sigs[b])  # noqa: E731
    return {"sig_s": t1 - t0, "lsh_s": t2 - t1, "cands": cands, "verified": verified,
            "bands": lsh.b, "rows": lsh.r, "est": est}


def run_ours(docs, num_perm, threshold, k):
    hasher = MinHasher(num_perm, k, seed=1)
    ids = [d for d, _ in docs]
    t0 = time.perf_counter()
    blocks = list(hasher.iter_signatures(t for _, t in docs))
    t1 = time.perf_counter()
    index = LSHIndex(threshold, num_perm)
    pos = 0
    for block in blocks:
        index.insert(ids[pos : pos + len(block)], block)
        pos += len(block)
    pairs = index.candidate_pairs()
    t2 = time.perf_counter()
    cands = {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in pairs.tolist()}
    t3 = time.perf_counter()
    clusters = near_duplicate_clusters(docs, threshold, num_perm, k)
    t4 = time.perf_counter()
    verified = {(a, b) for c in clusters for a, b, _ in c.pairs}
    sigs = dict(zip(ids, np.concatenate(blocks)))
    est = lambda a, b: float(np.mean(sigs[a] == sigs[b]))  # noqa: E731
    return {"sig_s": t1 - t0, "lsh_s": t2 - t1, "e2e_s": t4 - t3, "cands": cands,
            "verified": verified, "bands": index.bands, "rows": index.rows, "est": est}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--dup-rate", type=float, default=0.10)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--shingle-size", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-datasketch", action="store_true")
    args = ap.parse_args()
    k, th, p = args.shingle_size, args.threshold, args.num_perm

    t = time.perf_counter()
    docs, planted = make_corpus(args.docs, args.dup_rate, args.seed)
    gen_s = time.perf_counter() - t
    text = dict(docs)
    avg_kb = sum(len(x) for _, x in docs) / len(docs) / 1024
    print(f"corpus: {len(docs)} docs, avg {avg_kb:.2f} KB, {len(planted)} planted "
          f"near-duplicates (generated in {gen_s:.1f}s); threshold {th}, num_perm {p}, "
          f"{k}-word shingles; choose_bands -> {choose_bands(th, p)}")

    results = {"ours": run_ours(docs, p, th, k)}
    if not args.skip_datasketch:
        results["datasketch"] = run_datasketch(docs, p, th, k)

    shingles: dict[str, set[bytes]] = {}

    def jac(a: str, b: str) -> float:
        for x in (a, b):
            if x not in shingles:
                shingles[x] = shingle_strings(text[x], k)
        return true_jaccard(shingles[a], shingles[b])

    truth = {(min(a, b), max(a, b)): jac(a, b) for a, b in planted}
    positives = {pr for pr, j in truth.items() if j >= th}
    js = np.array(list(truth.values()))
    print(f"planted pairs: true Jaccard min {js.min():.3f} / median {np.median(js):.3f} / "
          f"max {js.max():.3f}; {len(positives)} of {len(truth)} have J >= {th}\n")

    hdr = (f"{'pipeline':<11} {'bands x rows':>12} {'sig docs/s':>11} {'+LSH docs/s':>12} "
           f"{'cand recall':>11} {'verif recall':>12} {'candidates':>10} {'false cand':>10} "
           f"{'mean|est-J|':>11}")
    print(hdr)
    print("-" * len(hdr))
    rates = {}
    for name, r in results.items():
        n = len(docs)
        rates[name] = n / (r["sig_s"] + r["lsh_s"])
        false_c = sum(1 for a, b in r["cands"] if jac(a, b) < th)
        cand_recall = len(positives & r["cands"]) / max(len(positives), 1)
        ver_recall = len(positives & r["verified"]) / max(len(positives), 1)
        err = np.mean([abs(r["est"](a, b) - j) for (a, b), j in truth.items()])
        print(f"{name:<11} {r['bands']:>5} x {r['rows']:<4} {n / r['sig_s']:>11,.0f} "
              f"{rates[name]:>12,.0f} {cand_recall:>11.4f} {ver_recall:>12.4f} "
              f"{len(r['cands']):>10,} {false_c:>10,} {err:>11.4f}")
    print()
    if "datasketch" in rates:
        print(f"speed ratio ours/datasketch (signatures + LSH candidates): "
              f"{rates['ours'] / rates['datasketch']:.1f}x")
    ours = results["ours"]
    print(f"ours end-to-end near_duplicate_clusters (content keys, exact collapse, "
          f"MinHash, LSH, exact verification, union-find): {len(docs) / ours['e2e_s']:,.0f} "
          f"docs/s ({ours['e2e_s']:.2f}s)")
    print("verification: ours = exact shingle-set Jaccard; datasketch = signature "
          "estimate >= threshold")


if __name__ == "__main__":
    main()
