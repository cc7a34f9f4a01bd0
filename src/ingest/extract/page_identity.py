"""The fitted page-identity model: a logistic regression over page features (extract/page_features.py),
its weights data (data/page_identity.toml, written by tests/corpus/tools/fit_page_identity.py).

p(procedure page) = 1 / (1 + exp(-(intercept + sum of weight * feature))); the page is a procedure page
when p reaches `threshold`. The model decides only when the file says `use = "fitted"`; else the
hand-set weights of data/page_types.toml [procedure] do (extract/classify.py).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.extract.page_features import MODEL_FEATURES


@dataclass(frozen=True)
class IdentityModel:
    weights: dict[str, float]
    intercept: float
    threshold: float
    in_force: bool

    def logit(self, features: dict[str, float]) -> float:
        return self.intercept + sum(self.weights[name] * features[name] for name in self.weights)

    def probability(self, features: dict[str, float]) -> float:
        z = self.logit(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def model_from(data: dict) -> IdentityModel:
    """The model of a parsed weights file; its features must be exactly the ones the code computes."""
    fitted = data["fitted"]
    names = tuple(fitted["weights"])
    if set(names) != set(MODEL_FEATURES):
        missing, unknown = set(MODEL_FEATURES) - set(names), set(names) - set(MODEL_FEATURES)
        raise ValueError(f"page_identity.toml: features missing {sorted(missing)}, unknown {sorted(unknown)}")
    return IdentityModel({n: float(fitted["weights"][n]) for n in MODEL_FEATURES}, float(fitted["intercept"]),
                         float(fitted["threshold"]), data["use"] == "fitted")


@lru_cache(maxsize=1)
def identity_model() -> IdentityModel:
    return model_from(tomllib.loads(resources.files("ingest.data").joinpath("page_identity.toml").read_text("utf-8")))
