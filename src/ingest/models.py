"""Record models (pydantic v2): the contract of every published dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest import SCHEMA_VERSION
from ingest.errors import QUARANTINE_REASONS

PageType = Literal["procedure", "term", "billing", "unsupported"]
SourceRole = Literal["primary", "exact_duplicate", "near_duplicate"]


ENTITY_DOC = ("What the record is about, shared by every record about the same thing (linked in entities.jsonl, "
              "never merged): '<code system>:<code>' (e.g. 'cpt:27447') when the code is known, else "
              "'name:<normalized name>' (title or term without site words and place names).")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Source(_Model):
    """One raw page a record came from."""

    path: str = Field(description="Path of the raw page relative to the raw folder (POSIX).")
    uri: str | None = Field(None, description="The page's URL: canonical link, og:url, or the fetched URL.")
    sha256: str = Field(description="SHA-256 of the raw page bytes.")
    size: int = Field(description="Size of the raw page in bytes.")
    encoding: str = Field(description="Encoding used to decode the page.")
    encoding_source: str = Field(description="How the encoding was chosen: bom, http_header, declared, utf8_valid, detected, ...")
    page_type: PageType = Field(description="How the page was classified.")
    page_date: str | None = Field(None, description="Date the page states (ISO 8601), e.g. 'Last updated'.")
    fetched_at: str | None = Field(None, description="When the page was fetched (ISO 8601), from raw/manifest.jsonl.")
    role: SourceRole = Field("primary", description="primary (the page the record's content comes from), exact_duplicate or near_duplicate (a copy of it: same page under another URL, print version, syndicated copy, re-upload).")


class RiskGroup(_Model):
    label: str | None = Field(description="The page's sub-group label, e.g. 'Common risks'.")
    items: list[str] = Field(description="The risks listed under the label.")


class ProcedureRecord(_Model):
    """A medical procedure page: its descriptor, code and 13 content sections."""

    id: str = Field(description="Stable id of the document: 'procedure:<host>:<slug>-<hash>' from the page's URL (scraped URL, else canonical link), else 'procedure:path:<slug>-<hash>' from its path under the raw folder. It does not change when the page's text changes.")
    entity: str = Field(description=ENTITY_DOC)
    schema_version: str = Field(SCHEMA_VERSION, description="Version of this record schema.")
    page_type: Literal["procedure"] = "procedure"
    title: str = Field(description="The procedure's descriptor as the page titles it.")
    common_names: list[str] = Field(default_factory=list, description="Lay or alternate names the page gives.")
    code: str | None = Field(None, description="The procedure code (CPT) when stated or resolved, else null.")
    code_system: Literal["CPT", "HCPCS"] | None = Field(None, description="System of `code`.")
    code_source: str | None = Field(None, description="How the code was found: json_ld, title, body, url, descriptor_match:<record id>.")
    add_on: bool = Field(False, description="True for add-on codes ('each additional ...', 'List separately in addition to ...').")
    url: str | None = Field(None, description="Canonical URL of the page when known.")
    summary: str | None = Field(None, description="What the procedure is.")
    purpose: str | None = Field(None, description="Why it is done; the goal.")
    indications: list[str] = Field(default_factory=list, description="Who needs it / conditions it treats.")
    preparation: list[str] = Field(default_factory=list, description="What the patient does before.")
    procedure_steps: list[str] = Field(default_factory=list, description="Steps of the procedure, in order.")
    duration: str | None = Field(None, description="How long it takes.")
    setting: str | None = Field(None, description="Where it is performed.")
    personnel: list[str] = Field(default_factory=list, description="Who performs or assists.")
    risks: list[str] = Field(default_factory=list, description="Risks and complications.")
    risk_groups: list[RiskGroup] = Field(default_factory=list, description="Risks under the page's sub-group labels, when it has them.")
    benefits: list[str] = Field(default_factory=list, description="Expected benefits.")
    recovery: list[str] = Field(default_factory=list, description="Recovery and aftercare.")
    alternatives: list[str] = Field(default_factory=list, description="Other options.")
    patient_experience: str | None = Field(None, description="What the patient feels and experiences.")
    notes: dict[str, list[str]] = Field(default_factory=dict, description="Free text inside a list section that is not an item, by section name.")
    sections_recovered: list[str] = Field(default_factory=list, description="Sections whose heading was missing, recovered from the site's section order and content.")
    language: str | None = Field(None, description="The page's language (ISO 639-1, e.g. 'en', 'de'): declared by its markup, else detected from its text.")
    section_sources: dict[str, str] = Field(default_factory=dict, description="Where each section came from: field -> the heading text that opened it, 'first paragraph' (summary), or 'recovered:<cues>' when taken from content cues or the site's section order.")
    page_type_evidence: dict[str, float] | None = Field(None, description="The scored evidence that this is a procedure page: 'score' and its parts (e.g. sections, title_names_procedure, condition_headings).")
    headings_unmatched: list[str] = Field(default_factory=list, description="Headings of the page that opened no section (vocabulary the extractor lacks, or sections it does not extract).")
    unassigned_blocks: int = Field(0, description="Blocks of the main content that went to no section nor its notes (headless text, sections the extractor does not take, FAQ blocks); counted in quality.json.")
    previous_versions: int = Field(0, description="Earlier versions of this record's primary page (same URL, other content) kept in the raw store and superseded by it: not extracted, not in `sources` (0 for pages without scrape history; `ingest gc --raw` lowers it).")
    sources: list[Source] = Field(description="Every raw page this record came from.")


class CodeRef(_Model):
    """A medical code as a page gives it."""

    system: Literal["CPT", "HCPCS", "ICD-10-CM", "MODIFIER"] = Field(description="Code system.")
    code: str = Field(description="The code, normalised (ICD-10-CM upper-case with its dot).")
    description: str | None = Field(None, description="The description the page gives, verbatim.")
    context: Literal["table", "prose", "title", "url"] = Field("table", description="Where on the page the code stands.")


class EtymologyPart(_Model):
    part: str = Field(description="The word part, e.g. 'neur/o'.")
    origin: str | None = Field(None, description="Its source language and word.")
    meaning: str | None = Field(None, description="What it means.")


class Etymology(_Model):
    language: str | None = Field(None, description="Language of origin as the page labels it.")
    components: list[EtymologyPart] = Field(default_factory=list, description="The word's parts.")
    text: str | None = Field(None, description="The page's etymology prose.")


class RelatedTerm(_Model):
    term: str = Field(description="The related term.")
    explanation: str | None = Field(None, description="How the page relates it.")


class TermRecord(_Model):
    """A glossary / dictionary entry: a term, its definition, etymology, aliases and codes."""

    id: str = Field(description="Stable id: the glossary page's id ('term:<host>:<slug>-<hash>' or 'term:path:...'), then ':<normalized term>': one record per (page, term).")
    entity: str = Field(description=ENTITY_DOC)
    schema_version: str = Field(SCHEMA_VERSION, description="Version of this record schema.")
    page_type: Literal["term"] = "term"
    term: str = Field(description="The term defined.")
    definition: str | None = Field(None, description="The definition (first paragraph).")
    definition_more: list[str] = Field(default_factory=list, description="Further paragraphs of the definition section.")
    etymology: Etymology | None = Field(None, description="Word origin and its components.")
    aliases: list[str] = Field(default_factory=list, description="Alternate terms, without the page's glosses.")
    related_terms: list[RelatedTerm] = Field(default_factory=list, description="Related terms with the page's explanation.")
    codes: list[CodeRef] = Field(default_factory=list, description="Every code the page names (tables and prose), with its description.")
    icd10cm_codes: list[str] = Field(default_factory=list, description="ICD-10-CM codes of the page's code tables, in page order.")
    cpt_codes: list[str] = Field(default_factory=list, description="CPT/HCPCS codes of the page's code tables, in page order.")
    coding_notes: list[str] = Field(default_factory=list, description="The page's coding notes.")
    url: str | None = Field(None, description="Canonical URL of the page when known.")
    previous_versions: int = Field(0, description="Earlier versions of this record's primary page (same URL, other content) kept in the raw store and superseded by it: not extracted, not in `sources` (0 for pages without scrape history; `ingest gc --raw` lowers it).")
    sources: list[Source] = Field(description="Every raw page this record came from.")


class Modifier(_Model):
    modifier: str = Field(description="The CPT/HCPCS modifier, e.g. '26', 'LT'.")
    description: str | None = Field(None, description="What it means, as the page says.")
    when_to_use: str | None = Field(None, description="The page's guidance on when to append it.")


class BillingRecord(_Model):
    """A billing / payer overview of one code."""

    id: str = Field(description="Stable id of the document: 'billing:<host>:<slug>-<hash>' from the page's URL, else 'billing:path:<slug>-<hash>'.")
    entity: str = Field(description=ENTITY_DOC)
    schema_version: str = Field(SCHEMA_VERSION, description="Version of this record schema.")
    page_type: Literal["billing"] = "billing"
    code: str | None = Field(None, description="The billed code.")
    code_system: Literal["CPT", "HCPCS"] | None = Field(None, description="System of `code`.")
    title: str | None = Field(None, description="The page's title for the code.")
    summary: str | None = Field(None, description="The overview text.")
    service_type: str | None = Field(None, description="Service type as the page states it.")
    site_of_service: str | None = Field(None, description="Typical site(s) of service.")
    payers: list[str] = Field(default_factory=list, description="Payers the page names.")
    clinical_context: str | None = Field(None, description="The clinical scenario the page gives.")
    modifiers: list[Modifier] = Field(default_factory=list, description="Modifiers with description and when to use.")
    truncated: bool = Field(False, description="True when the page ends mid-table or mid-sentence (content is incomplete).")
    url: str | None = Field(None, description="Canonical URL of the page when known.")
    previous_versions: int = Field(0, description="Earlier versions of this record's primary page (same URL, other content) kept in the raw store and superseded by it: not extracted, not in `sources` (0 for pages without scrape history; `ingest gc --raw` lowers it).")
    sources: list[Source] = Field(description="Every raw page this record came from.")


QuarantineReason = Literal[tuple(QUARANTINE_REASONS)]  # the reason codes of errors.py, in their order


class QuarantineEntry(_Model):
    """A raw page that became no record, and why."""

    path: str = Field(description="Path of the raw page relative to the raw folder.")
    sha256: str | None = Field(None, description="SHA-256 of the page bytes (null if unreadable).")
    size: int | None = Field(None, description="Size in bytes.")
    reason: QuarantineReason = Field(description="Reason code.")
    detail: str = Field(description="Human-readable detail.")
    page_type: PageType | None = Field(None, description="Classification, when the page got that far.")
    uri: str | None = Field(None, description="URL of the page when known.")
    encoding: str | None = Field(None, description="Encoding used, when decoding succeeded.")


class EntityEntry(_Model):
    """One entity (a code, or a procedure name without a code) and every record about it, across sites."""

    entity: str = Field(description="The entity key, as the records' `entity` field: 'cpt:27447', 'name:knee-replacement'.")
    code_system: str | None = Field(None, description="System of `code` when the entity is a code.")
    code: str | None = Field(None, description="The code, when the entity is a code.")
    names: list[str] = Field(description="The titles (or terms) its records give, distinct, sorted.")
    record_ids: list[str] = Field(description="Every record about it (procedures, terms, billing), sorted.")
    records: int = Field(description="Number of records (len(record_ids)).")
    sites: list[str] = Field(description="Sites of those records' sources (URL host, else first folder under the raw folder), sorted.")


def _code_entry_model() -> type[BaseModel]:
    from ingest.codes import CodeEntry

    return CodeEntry




@dataclass(frozen=True)
class CodeRefRule:
    """Where a record of a page type refers to codes (data read by ingest.extract.refs)."""

    own_code: bool = False  # its `code`/`code_system` (system CPT when unstated), described by its title
    code_list: str | None = None  # a field holding CodeRefs (system, code, description)
    modifier_list: str | None = None  # a field holding Modifiers (modifier, description)
    text_fields: tuple[str, ...] = ()  # fields whose text is scanned for further codes


@dataclass(frozen=True)
class PageTypeSpec:
    """Everything the build knows about one page type, in one place."""

    name: str  # the page type, as Source.page_type and the record's `page_type`
    dataset: str  # the dataset its records go to
    model: type[BaseModel]  # the record model
    extractor: str  # the module extracting its fields; `name` is its key in ingest.EXTRACTOR_VERSIONS
    id_rule: Literal["page", "page_term"]  # how its record id is made (ingest.extract.ids): per page, or per (page, term)
    code_refs: CodeRefRule  # the codes its records refer to (ingest.extract.refs)


# The page-type registry: page type -> dataset, model, extractor, id rule, code references.
# Order is the order of the datasets (card, report, quality.json).
PAGE_TYPES: dict[str, PageTypeSpec] = {spec.name: spec for spec in (
    PageTypeSpec("procedure", "procedures", ProcedureRecord, "ingest.extract.procedure", "page",
                 CodeRefRule(own_code=True, text_fields=("summary", "purpose"))),
    PageTypeSpec("term", "terms", TermRecord, "ingest.extract.term", "page_term", CodeRefRule(code_list="codes")),
    PageTypeSpec("billing", "billing", BillingRecord, "ingest.extract.billing", "page",
                 CodeRefRule(own_code=True, modifier_list="modifiers")),
)}
# Dataset name -> the page type whose records it holds (datasets of pages only: not codes, not quarantine).
BY_DATASET: dict[str, PageTypeSpec] = {spec.dataset: spec for spec in PAGE_TYPES.values()}
# Dataset name -> record model. Order is the order of the dataset card: page datasets, codes, quarantine.
DATASETS: dict[str, type[BaseModel]] = {
    **{spec.dataset: spec.model for spec in PAGE_TYPES.values()},
    "codes": _code_entry_model(),
    "entities": EntityEntry,
    "quarantine": QuarantineEntry,
}
