"""Record models (pydantic v2): the contract of every published dataset."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest import SCHEMA_VERSION

PageType = Literal["procedure", "term", "billing", "unsupported"]
SourceRole = Literal["primary", "exact_duplicate", "near_duplicate", "merged"]


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
    role: SourceRole = Field("primary", description="primary, exact_duplicate, near_duplicate or merged.")


class RiskGroup(_Model):
    label: str | None = Field(description="The page's sub-group label, e.g. 'Common risks'.")
    items: list[str] = Field(description="The risks listed under the label.")


class ProcedureRecord(_Model):
    """A medical procedure page: its descriptor, code and 13 content sections."""

    id: str = Field(description="Stable id: 'procedure:cpt:<code>' when the code is known, else 'procedure:title:<slug>-<hash>'.")
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
    sources: list[Source] = Field(description="Every raw page this record came from.")


QuarantineReason = Literal["empty", "binary", "undecodable", "too_large", "timeout", "parse_error",
                           "unsupported_page_type", "validation_error", "worker_crash", "internal_error"]


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


DATASETS: dict[str, type[BaseModel]] = {
    "procedures": ProcedureRecord,
    "quarantine": QuarantineEntry,
}
