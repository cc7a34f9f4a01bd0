"""Site-chrome rules, loaded from data/chrome.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ChromeRules:
    drop_tags: frozenset[str]
    late_drop_tags: frozenset[str]
    salvage_tags: tuple[str, ...]
    icon_font_classes: frozenset[str]
    drop_tokens: frozenset[str]
    keep_tokens: frozenset[str]
    drop_roles: frozenset[str]
    keep_roles: frozenset[str]
    content_roots: tuple[str, ...]
    chrome_text: re.Pattern[str]
    content_root_checks: tuple = ()

    def is_chrome_text(self, text: str) -> bool:
        """True when a whole line/heading is site chrome."""
        return bool(self.chrome_text.match(text.strip().lower()))


@lru_cache(maxsize=1)
def chrome_rules() -> ChromeRules:
    """The packaged chrome rules (cached)."""
    data = tomllib.loads(resources.files("ingest.data").joinpath("chrome.toml").read_text("utf-8"))
    return ChromeRules(
        drop_tags=frozenset(data["drop_tags"]),
        late_drop_tags=frozenset(data["late_drop_tags"]),
        salvage_tags=tuple(data["salvage_tags"]),
        icon_font_classes=frozenset(data["icon_font_classes"]),
        drop_tokens=frozenset(data["drop_tokens"]),
        keep_tokens=frozenset(data["keep_tokens"]),
        drop_roles=frozenset(data["drop_roles"]),
        keep_roles=frozenset(data["keep_roles"]),
        content_roots=tuple(data["content_roots"]),
        chrome_text=re.compile("|".join(f"(?:{p})" for p in data["chrome_text"])),
        content_root_checks=tuple(_root_check(x) for x in data["content_roots"]),
    )


def _root_check(xpath: str):
    """A predicate telling whether an element is what a '//tag' or '//*[@attr='v']' rule selects."""
    m = re.fullmatch(r"//([a-z]+)", xpath)
    if m:
        return lambda el, tag=m[1]: el.tag == tag
    m = re.fullmatch(r"//\*\[@([a-z-]+)='([^']*)'\]", xpath)
    if m:
        return lambda el, attr=m[1], value=m[2]: el.get(attr) == value
    raise ValueError(f"unsupported content_roots rule: {xpath}")
