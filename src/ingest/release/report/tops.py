"""What a report section shows of a stream of lines: the first few in the section's order, and counts.

One pass each (heapq.nsmallest, documented equal to ``sorted(...)[:n]``, stable): the lines not shown are
never held, so rendering the report of a release of any size holds a few hundred lines, not the release.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Top:
    """The first `limit` items of a stream in some order, how many there were, and a count per label."""

    shown: list
    total: int = 0
    by: Counter = field(default_factory=Counter)


def top(items: Iterable[Any], limit: int, key: Callable[[Any], Any] | None = None,
        label: Callable[[Any], str] | None = None) -> Top:
    """The `limit` smallest items by key (ties in stream order), counted, and counted per label."""
    by: Counter = Counter()
    total = 0

    def counted() -> Iterator[Any]:
        nonlocal total
        for item in items:
            total += 1
            if label is not None:
                by[label(item)] += 1
            yield item

    shown = heapq.nsmallest(limit, counted(), key=key)
    return Top(shown, total, by)
