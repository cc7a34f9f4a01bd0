"""How a predicted item is matched to a truth item, and the F1 arithmetic every score shares."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher

# Two items are the same item when their normalized texts are at least this similar.
ITEM_MATCH = 0.8

_PUNCT = re.compile(r"[^\w\s]", re.U)
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, case-folded, punctuation dropped, whitespace collapsed: the form items are compared in."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WS.sub(" ", _PUNCT.sub(" ", text)).strip()


def similarity(a: str, b: str) -> float:
    """Similarity of two normalized texts in [0, 1] (difflib ratio)."""
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < ITEM_MATCH or matcher.quick_ratio() < ITEM_MATCH:
        return 0.0
    return matcher.ratio()


def match_pairs(truth: list[str], predicted: list[str]) -> list[tuple[int, int]]:
    """One-to-one matching, most similar pairs first: (truth index, predicted index) of every matched pair."""
    norm_t = [normalize_text(t) for t in truth]
    norm_p = [normalize_text(p) for p in predicted]
    pairs = sorted(((similarity(a, b), i, j) for i, a in enumerate(norm_t) for j, b in enumerate(norm_p)),
                   reverse=True)
    used_t: set[int] = set()
    used_p: set[int] = set()
    matched: list[tuple[int, int]] = []
    for score, i, j in pairs:
        if score < ITEM_MATCH:
            break
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
            matched.append((i, j))
    return matched


def match_items(truth: list[str], predicted: list[str]) -> tuple[int, list[str], list[str]]:
    """(matched, missed truth items, extra predicted items) of the one-to-one matching."""
    pairs = match_pairs(truth, predicted)
    used_t = {i for i, _ in pairs}
    used_p = {j for _, j in pairs}
    missed = [truth[i] for i in range(len(truth)) if i not in used_t]
    extra = [predicted[j] for j in range(len(predicted)) if j not in used_p]
    return len(pairs), missed, extra


def prf(matched: int, n_truth: int, n_pred: int) -> tuple[float, float, float]:
    """Precision, recall and F1; an empty side counts as perfect only when both are empty."""
    if n_truth == 0 and n_pred == 0:
        return 1.0, 1.0, 1.0
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_truth if n_truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def token_f1(truth: str, predicted: str | None) -> float:
    """Bag-of-words F1 of two texts."""
    t, p = Counter(normalize_text(truth).split()), Counter(normalize_text(predicted or "").split())
    common = sum((t & p).values())
    return prf(common, sum(t.values()), sum(p.values()))[2]
