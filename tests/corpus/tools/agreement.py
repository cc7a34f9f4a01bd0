"""Agreement between two labellers, scored like `ingest eval` scores the program.

The second labeller's truth for a sample of corpus pages (tests/corpus/agreement/second-labeller.json,
labelled blind: without seeing the first truth or the program's output) is scored against the corpus
truth as if it were the program's output, both ways round. The result is the ceiling the metrics of
`ingest eval` can be read against.

    .venv/bin/python tests/corpus/tools/agreement.py
"""
from __future__ import annotations

import json
from pathlib import Path

from ingest.evaluate import aggregate, score_page

HERE = Path(__file__).resolve().parents[1]


def as_record(entry: dict) -> dict | None:
    if not entry["is_procedure"]:
        return None
    return {"title": entry["title"], **entry.get("sections", {}), **entry.get("texts", {})}


def main() -> None:
    first = json.loads((HERE / "procedures" / "truth.json").read_text())
    second = json.loads((HERE / "agreement" / "second-labeller.json").read_text())
    for truth, other, label in ((first, second, "corpus truth as truth"), (second, first, "second labeller as truth")):
        pages = [score_page(name, truth[name], as_record(other[name]),
                            "procedures" if other[name]["is_procedure"] else "quarantine", "") for name in second]
        metrics = aggregate(pages).as_dict()
        print(label, {k: round(v, 3) if isinstance(v, float) else v for k, v in metrics.items()})


if __name__ == "__main__":
    main()
