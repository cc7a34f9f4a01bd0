"""Vocabularies of term and billing pages (data/page_types.toml) and heading matching for them."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.extract.wording import content_tokens, normalize_heading


@dataclass(frozen=True, eq=False)
class PageTypeVocabulary:
    name: str
    min_signals: int
    title_patterns: tuple[re.Pattern[str], ...]
    sections: dict[str, tuple[str, ...]]  # section -> normalized variants
    extra: dict

    @lru_cache(maxsize=8192)  # noqa: B019 - one vocabulary per page type and process
    def section(self, heading: str) -> str | None:
        """The section a heading names (exact, or all of a variant's words present)."""
        norm = normalize_heading(heading)
        if not norm or len(norm.split()) > 14:
            return None
        tokens = content_tokens(norm)
        best: tuple[int, str] | None = None
        for name, variants in self.sections.items():
            for variant in variants:
                if norm == variant:
                    return name
                vt = content_tokens(variant)
                if vt and vt <= tokens and (best is None or len(vt) > best[0]):
                    best = (len(vt), name)
        return best[1] if best else None

    def title_match(self, text: str) -> re.Match[str] | None:
        for pattern in self.title_patterns:
            m = pattern.match(text.strip())
            if m:
                return m
        return None


@lru_cache(maxsize=None)
def page_type_vocabulary(name: str) -> PageTypeVocabulary:
    """Vocabulary of page type `name` ('term' or 'billing')."""
    data = tomllib.loads(resources.files("ingest.data").joinpath("page_types.toml").read_text("utf-8"))[name]
    return PageTypeVocabulary(
        name=name,
        min_signals=data["min_signals"],
        title_patterns=tuple(re.compile(p, re.I) for p in data["title_patterns"]),
        sections={k: tuple(normalize_heading(v) for v in vs) for k, vs in data["sections"].items()},
        extra={k: v for k, v in data.items() if k not in ("min_signals", "title_patterns", "sections")},
    )
