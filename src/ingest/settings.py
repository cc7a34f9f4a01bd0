"""Build settings: sane defaults, overridable from the CLI, flow parameters or the environment."""

from __future__ import annotations

import inspect
import os
from typing import Any

from pydantic import BaseModel, Field

DEFAULT_RAW = "raw"  # the raw pages folder of `ingest build/serve/refresh` and the flows
DEFAULT_OUT = "normalized"  # their output folder


def usable_cpus() -> int:
    """CPUs this process may use (respects taskset/cgroup affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """One extraction process per usable CPU; with a single CPU, extract in-process
    (a worker process would only add inter-process costs, ~40% measured pinned to one core)."""
    cpus = usable_cpus()
    return cpus if cpus > 1 else 0


class BuildSettings(BaseModel):
    """Knobs of one build: the one place their defaults, ranges and descriptions are written.

    The CLI flags of `ingest build/serve/refresh`, the parameters of the `build` and `refresh`
    flows and prefect.yaml's deployments are generated from (or checked against) these fields."""

    max_page_bytes: int = Field(5_000_000, ge=1, description="Pages larger than this are quarantined as too_large.")
    page_time_limit: float = Field(10.0, gt=0, description="Seconds one page may take to extract before it is quarantined as timeout.")
    batch_size: int = Field(500, ge=1, description="Pages per Prefect task run (orchestration costs ~10 ms a task here).")
    workers: int = Field(default_factory=default_workers, ge=0, description="Extraction processes; 0 extracts in the calling process.")
    chunk_size: int = Field(25, ge=1, description="Pages sent to a worker process at a time.")
    wait: bool = Field(False, description="When another build or gc holds the output folder's lock, wait for it (saying who holds it) instead of exiting at once with code 75.")
    dedup_threshold: float = Field(0.8, gt=0.0, le=1.0, description="Jaccard similarity at which two pages are near-duplicates.")
    drift_margin: float = Field(0.2, gt=0.0, le=1.0, description="Drop in a site's field coverage against the previous release that flags layout drift (0.2 = 20 points).")
    strict: bool = Field(False, description="Refuse to publish when a site's field coverage drops by more than the drift margin (layout drift).")
    shrink_margin: float = Field(0.2, ge=0.0, le=1.0, description="Largest fall in the number of records against `latest` a build publishes (0.2 = 20%); a larger one is refused (1 allows any).")
    allow_shrink: bool = Field(False, description="Publish a fall in records beyond the shrink margin when the lost records' pages are absent from the raw folder (removed on purpose).")
    failure_margin: float = Field(0.05, ge=0.0, le=1.0, description="Largest share of pages that may end in internal_error, worker_crash or timeout; more refuses to publish (1 allows any).")

    @classmethod
    def from_given(cls, values: dict[str, Any]) -> BuildSettings:
        """Settings from the values given (None: not given, the default applies)."""
        return cls(**given_settings(values))


def given_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The build settings among values that were given (not None)."""
    return {name: value for name, value in values.items() if name in BuildSettings.model_fields and value is not None}


def settings_default(name: str) -> Any:
    """A setting's default as a parameter default (None when computed at run time, like `workers`)."""
    field = BuildSettings.model_fields[name]
    return None if field.default_factory is not None else field.default


def settings_parameters() -> list[inspect.Parameter]:
    """One keyword-only parameter per setting, with its default (for generated flow signatures)."""
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=settings_default(name),
                              annotation=field.annotation if field.default_factory is None else field.annotation | None)
            for name, field in BuildSettings.model_fields.items()]
