"""Normalize a release directory for comparison: release ids, created_at and timings masked
(and the manifest's hash/size of the two files that print them: README.md, report.html)."""
import json, re, sys
from pathlib import Path

RID = re.compile(r"\d{8}T\d{9}Z-[0-9a-f]{8}")
TIME_KEYS = {"created_at", "seconds", "stage_seconds", "elapsed", "timings", "duration_seconds"}

def mask(o):
    if isinstance(o, dict):
        out = {}
        for k, v in o.items():
            if k in TIME_KEYS:
                out[k] = "T"
            elif k in ("README.md", "report.html") and isinstance(v, dict) and "sha256" in v:
                out[k] = {**v, "sha256": "H", "bytes": "B"}
            else:
                out[k] = mask(v)
        return out
    if isinstance(o, list):
        return [mask(x) for x in o]
    return o

root = Path(sys.argv[1])
for f in sorted(p for p in root.rglob("*") if p.is_file()):
    text = f.read_text("utf-8", "replace")
    if f.suffix == ".json":
        text = json.dumps(mask(json.loads(text)), indent=1, sort_keys=True)
    elif f.suffix == ".jsonl":
        text = "\n".join(json.dumps(mask(json.loads(l)), sort_keys=True) for l in text.splitlines() if l.strip())
    elif f.suffix == ".html":
        text = re.sub(r"Created( at)?:?\s*<b>[^<]*</b>", "Created X", text)
        text = re.sub(r"\(created [0-9T:.Z-]+\)", "(created X)", text)
        text = re.sub(r'<section id="timings">.*?</section>', "TIMINGS", text, flags=re.S)
    elif f.suffix == ".md":
        text = re.sub(r"(?im)^.*(created|seconds|timing| s \|).*$", "MASKED", text)
    print("===", f.relative_to(root))
    print(RID.sub("RID", text))
