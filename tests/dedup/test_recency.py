"""The recency key orders pages as it always did (newest first when sorted in reverse: page date,
fetch time, then the smallest path), with the path held as a compact mirrored string rather than a
tuple of negated code points."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from ingest.dedup.copies import recency_key

paths = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(["a", "ab", "a/b", "a/b.html", "é", ""])
dates = st.sampled_from(["", "2024-01-01", "2025-06-30T10:00:00Z"])


def _as_tuples(page_date: str, fetched_at: str, path: str) -> tuple:
    return (page_date, fetched_at, tuple(-ord(c) for c in path))


@given(st.lists(st.tuples(dates, dates, paths), min_size=2, max_size=8))
def test_pages_sort_as_with_negated_code_points(pages):
    assert sorted(pages, key=lambda p: recency_key(*p), reverse=True) == \
        sorted(pages, key=lambda p: _as_tuples(*p), reverse=True)


def test_the_key_of_a_long_path_is_small():
    path = "site/section/" + "page-name-" * 8 + ".html"
    assert sys.getsizeof(recency_key("", "", path)[2]) < 8 * len(path)  # the tuple held ~36 bytes a character
