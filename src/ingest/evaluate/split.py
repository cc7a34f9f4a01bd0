"""The site split fixed in a file (`tests/corpus/split.toml`): every labelled site is in exactly one part,
`tune` (extraction changes are chosen on it) or `check` (read only as aggregates).

The file is TOML with two lists of site slugs, `tune = [...]` and `check = [...]`. Sites are added by
one deterministic rule (`assign_new_sites`, used by `tests/corpus/tools/split_sites.py`) and a listed
site never moves:

- a site's key is the first 8 bytes of SHA-256 of its slug (UTF-8) read as a fraction in [0, 1);
- a new site whose key is at least CHECK_KEY_FROM is a `check` candidate, every other new site goes to `tune`;
- candidates go to `check` in descending key order as long as `tune` keeps at least TUNE_SHARE of all
  listed sites (the new ones included); the remaining candidates go to `tune`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PARTS = ("tune", "check")
TUNE_SHARE = 0.6
CHECK_KEY_FROM = 0.6


@dataclass
class Split:
    """Site slug lists per part, as the file holds them."""

    tune: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)

    def sites(self, part: str) -> set[str]:
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}; the parts are {', '.join(PARTS)}")
        return set(getattr(self, part))

    @property
    def listed(self) -> set[str]:
        return set(self.tune) | set(self.check)

    @property
    def tune_share(self) -> float:
        total = len(self.listed)
        return len(set(self.tune)) / total if total else 1.0

    def problems(self) -> list[str]:
        """What makes this split invalid: a site listed twice or in both parts, tune under its share."""
        out = [f"{site} is listed in both parts" for site in sorted(set(self.tune) & set(self.check))]
        for part in PARTS:
            names = getattr(self, part)
            out += [f"{site} is listed twice in {part}" for site in sorted({s for s in names if names.count(s) > 1})]
        if self.listed and self.tune_share + 1e-9 < TUNE_SHARE:
            out.append(f"tune holds {self.tune_share:.1%} of the sites, under {TUNE_SHARE:.0%}")
        return out


def read_split(path: Path) -> Split:
    """Read a split file; a missing list is empty, an unknown key or a non-string entry is an error."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    unknown = sorted(set(data) - set(PARTS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; a split file holds {' and '.join(PARTS)}")
    lists = {part: data.get(part, []) for part in PARTS}
    if not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in lists.values()):
        raise ValueError(f"{path}: {' and '.join(PARTS)} must be lists of site slugs")
    return Split(**lists)


def site_key(site: str) -> float:
    """The site's stable position in [0, 1): the first 8 bytes of SHA-256 of its slug."""
    return int.from_bytes(hashlib.sha256(site.encode("utf-8")).digest()[:8], "big") / 2**64


def assign_new_sites(split: Split, sites: set[str]) -> Split:
    """The split with every site of `sites` not yet listed added by the rule above; listed sites stay."""
    new = sorted(sites - split.listed)
    candidates = sorted((s for s in new if site_key(s) >= CHECK_KEY_FROM), key=lambda s: (-site_key(s), s))
    total = len(split.listed) + len(new)
    tune_count = len(set(split.tune)) + len(new)  # every new site counted in tune until it is moved to check
    to_check = []
    for site in candidates:
        if (tune_count - 1) < TUNE_SHARE * total - 1e-9:
            break
        to_check.append(site)
        tune_count -= 1
    return Split(tune=sorted(set(split.tune) | (set(new) - set(to_check))), check=sorted(set(split.check) | set(to_check)))


HEADER = """\
# The site split of the labelled procedure corpora (tests/corpus/procedures and ../shared/corpus/procedures).
# `tune`: extraction changes are chosen on these sites. `check`: read only as aggregates
# (`ingest eval --split tests/corpus/split.toml --part check --summary-only`).
# Every site of the corpora is in exactly one part; tune holds at least {share:.0%} of the sites.
# New sites are added by `.venv/bin/python tests/corpus/tools/split_sites.py` with a fixed rule
# (ingest.evaluate.split): key = first 8 bytes of SHA-256 of the slug as a fraction; a new site with
# key >= {key} is a check candidate; candidates go to check, highest key first, while tune keeps
# >= {share:.0%} of all sites; everything else goes to tune. A listed site never moves.
"""


def format_split(split: Split) -> str:
    """The file text: the header saying the rule, then both lists sorted, one site a line."""
    body = "".join(f"\n{part} = [\n" + "".join(f'  "{s}",\n' for s in sorted(set(getattr(split, part)))) + "]\n"
                   for part in PARTS)
    return HEADER.format(share=TUNE_SHARE, key=CHECK_KEY_FROM) + body
