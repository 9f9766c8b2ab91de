"""Model names on the command line and ``--param KEY=VALUE`` parsing."""

from __future__ import annotations

import ast

from ..als import ALS, ImplicitALS
from ..baseline import Baseline
from ..funk_svd import FunkSVD

__all__ = ["MODELS", "model_class", "build_model", "parse_params"]

# command-line name -> (class, one-line description)
MODELS = {
    "funksvd": (FunkSVD, "biased matrix factorization by Hogwild SGD (Funk SVD)"),
    "als": (ALS, "explicit-ratings ALS (ALS-WR, exact biases)"),
    "implicit-als": (ImplicitALS, "implicit-feedback ALS with confidence weights (Hu et al.)"),
    "baseline": (Baseline, "mu + b_u + b_i, fitted by ALS sweeps (Surprise's BaselineOnly)"),
}


def model_class(name: str):
    """The class for a command-line model name (also accepts the class name)."""
    key = name.lower().replace("_", "-")
    aliases = {cls.__name__.lower(): k for k, (cls, _) in MODELS.items()}
    key = aliases.get(key.replace("-", ""), key)
    if key not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    return MODELS[key][0]


def parse_params(items: list[str]) -> dict:
    """``["reg=0.1", "biased=False", "solver=cg"]`` -> dict; values as Python literals,
    else strings."""
    out = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param expects KEY=VALUE, got {item!r}")
        text = text.strip()
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = {"none": None, "true": True, "false": False}.get(text.lower(), text)
        out[key.strip()] = value
    return out


def build_model(name: str, params: dict):
    """An unfitted model; unknown parameters raise ValueError listing the valid ones."""
    cls = model_class(name)
    valid = cls._param_names()
    bad = sorted(set(params) - set(valid))
    if bad:
        raise ValueError(f"{cls.__name__} has no parameter(s) {bad}; valid: {valid}")
    return cls(**params)
