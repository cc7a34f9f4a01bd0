"""Entity keys: which records are about the same procedure, code or term (linked, never fused).

`entity_key` gives the code system and code when the record has a code (`cpt:27447`), else
`name:<key>`: the title (or term) normalized (``normalize_heading``), without site words, generic
words, a trailing place phrase and the words of the page's og:site_name, each word stemmed
(vocabulary in data/entity.toml). The title pass has already cut the site's name off the title.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from ingest.extract.wording import normalize_heading, stem


@cache
def _vocabulary() -> tuple[frozenset[str], re.Pattern[str]]:
    data = tomllib.loads(resources.files("ingest").joinpath("data/entity.toml").read_text("utf-8"))["name"]
    dropped = frozenset(data["site_words"]) | frozenset(data["generic_words"])
    preps = "|".join(sorted((re.escape(p) for p in data["place_prepositions"]), key=len, reverse=True))
    # lower-case preposition, then capitalized words (St. Mary's, Denver, CO) to the end
    place = re.compile(rf"\s+(?:{preps})\s+(?:[A-Z][\w.'\u2019&-]*,?\s*)+$")
    return dropped, place


def _singular(word: str) -> str:
    """A plural's singular (wording.stem), leaving -is/-us words alone ("arthritis", "meniscus")."""
    return word if word.endswith(("is", "us")) else stem(word)


def name_key(name: str, site_name: str | None = None) -> str:
    """The normalized procedure name of a title or term ('' when it has no word)."""
    dropped, place = _vocabulary()
    trimmed = place.sub("", name.strip()) or name
    site = set(normalize_heading(site_name).split()) if site_name else set()
    words = normalize_heading(trimmed).split()
    kept = [w for w in words if w not in dropped and w not in site] or words
    return "-".join(_singular(w) for w in kept)


def code_entity(code_system: str | None, code: str) -> str:
    """`cpt:27447`: the entity of a record with a code (system CPT when unstated)."""
    return f"{(code_system or 'CPT').lower()}:{code}"


def entity_key(fields: dict, site_name: str | None = None) -> str:
    """The entity of a record with these fields: its code when known, else its name key."""
    if fields.get("code"):
        return code_entity(fields.get("code_system"), fields["code"])
    key = name_key(fields.get("title") or fields.get("term") or "", site_name)
    return f"name:{key or 'untitled'}"
