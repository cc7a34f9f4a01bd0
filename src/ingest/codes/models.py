"""Pydantic models shared by the code recognisers, checks and index."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

System = Literal["CPT", "HCPCS", "ICD-10-CM", "MODIFIER"]
MentionContext = Literal["table", "prose", "title", "url"]
MentionKind = Literal["code", "range", "category"]
ConflictKind = Literal["official_title_mismatch", "cross_source_descriptor", "descriptor_variant"]
RecordType = Literal["procedure", "term", "billing"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CodeMention(_Frozen):
    """One code (or range / category reference) found in page text.

    ``kind="code"``: ``code`` is a normalised code of ``system``.
    ``kind="range"``: ``code`` is "START-END", a span too big (or too irregular)
    to expand; expanded ranges yield ``kind="code"`` mentions with ``range_of``.
    ``kind="category"``: an ICD category reference such as "G89.x" / "G56.4-"
    (``code`` is "G89" / "G56.4"); it names a family, not a reportable code.
    ``evidence`` says why the token was accepted ("table", "keyword",
    "code_list", "format", "code_set", "modifier_keyword", "modifier_suffix",
    "title", "url"); ``start``/``end`` are offsets of the token in the input.
    """

    system: System
    code: str
    description: str | None = None
    context: MentionContext = "prose"
    kind: MentionKind = "code"
    range_of: str | None = None
    evidence: str = "format"
    start: int | None = None
    end: int | None = None


class IcdInfo(_Frozen):
    """What the official ICD-10-CM code set says about a code."""

    code: str
    valid: bool
    billable: bool
    title: str | None = None


class SourcedText(_Frozen):
    """A descriptor and the sources (record ids / refs) that give it."""

    text: str
    sources: list[str]


class Conflict(_Frozen):
    """A description that contradicts the official title or another source.

    ``descriptors`` are the texts involved with who gives them; ``sources`` is
    their union.  ``unmatched_terms`` are page words the official wording does
    not cover; ``suggested_code``/``suggested_title`` name a code whose official
    wording covers the page text better.  ``kind="descriptor_variant"`` marks a
    compatible difference (e.g. an appended "(add-on)"), not a contradiction.
    """

    kind: ConflictKind
    system: System
    code: str
    descriptors: list[SourcedText]
    sources: list[str]
    detail: str
    official_title: str | None = None
    unmatched_terms: list[str] = []
    suggested_code: str | None = None
    suggested_title: str | None = None
