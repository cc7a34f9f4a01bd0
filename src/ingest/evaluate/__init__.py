"""Extraction quality against hand-made truth: the yardstick for real pages (`ingest eval`).

Every page goes through `ingest.page.process.process_page`, the per-page stage `ingest build`
runs, so what is scored is what a release would hold for that page. Scores (like trafilatura's
evaluation): page-type precision and recall and the page-type confusion (truth procedure /
negative against the outcome: a procedure record, another page type, quarantine by reason);
item-level precision, recall and F1 per labelled list section (items matched one to one by
normalized text similarity), its mean per field, and the field confusion (where each truth
section's items landed: the same field, another field, `notes`, nowhere, or no record); token F1
of summary, duration and setting; title exact match; per site and overall (with the mean of the
per-site macro F1 and the worst sites), plus the worst pages with what went wrong.

Modules: `matching` (item matching, F1), `scoring` (one page), `metrics` (aggregates, floors),
`corpus` (corpora through the per-page stage, the report), `split` (the tune / check site split).
"""

from ingest.evaluate.corpus import Corpus, EvalReport, evaluate, evaluate_corpora, load_truth
from ingest.evaluate.matching import ITEM_MATCH, match_items, match_pairs, normalize_text, prf, similarity, token_f1
from ingest.evaluate.metrics import GATED, Metrics, aggregate, below_floors, load_floors
from ingest.evaluate.scoring import LIST_SECTIONS, TEXT_FIELDS, PageScore, SectionScore, score_page, site_of
from ingest.evaluate.split import PARTS, Split, assign_new_sites, format_split, read_split, site_key

__all__ = ["GATED", "ITEM_MATCH", "LIST_SECTIONS", "PARTS", "TEXT_FIELDS", "Corpus", "EvalReport", "Metrics",
           "PageScore", "SectionScore", "Split", "aggregate", "assign_new_sites", "below_floors", "evaluate",
           "evaluate_corpora", "format_split", "load_floors", "load_truth", "match_items", "match_pairs",
           "normalize_text", "prf", "read_split", "score_page", "similarity", "site_key", "site_of", "token_f1"]
