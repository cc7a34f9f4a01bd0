"""Medical codes: recognise CPT / HCPCS / ICD-10-CM / modifiers in page text, check them
against the official ICD-10-CM code set and against each other, and build the code index."""

from .cpt import compare_descriptors, cpt_category, cpt_conflicts, is_add_on, is_cpt, system_of
from .icd10 import describe_conflict, expand_icd_range, is_valid, lookup, normalise_icd
from .index import (
    CodeEntry,
    CodeReference,
    Descriptor,
    build_index,
    resolve_code_by_descriptor,
)
from .models import CodeMention, Conflict, IcdInfo, SourcedText
from .recognise import (
    classify,
    find_codes,
    normalise_code,
    parse_header,
    split_code_cell,
)

__all__ = [
    "CodeEntry",
    "CodeMention",
    "CodeReference",
    "Conflict",
    "Descriptor",
    "IcdInfo",
    "SourcedText",
    "build_index",
    "classify",
    "compare_descriptors",
    "cpt_category",
    "cpt_conflicts",
    "describe_conflict",
    "expand_icd_range",
    "find_codes",
    "is_add_on",
    "is_cpt",
    "is_valid",
    "lookup",
    "normalise_code",
    "normalise_icd",
    "parse_header",
    "resolve_code_by_descriptor",
    "split_code_cell",
    "system_of",
]
