"""Model names on the command line (from the model registry) and ``--param KEY=VALUE``."""

from __future__ import annotations

import ast
import inspect

from .._registry import all_models, cli_name

__all__ = ["MODELS", "model_class", "build_model", "parse_params"]


def _summary(cls) -> str:
    """The first sentence of a model's docstring, without its final period."""
    first = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
    return first.rstrip(".")


# command-line name -> (class, one-line description), derived from the model registry
MODELS = {cli_name(cls): (cls, _summary(cls)) for _, cls in all_models()}


def model_class(name: str):
    """The class for a command-line model name; also accepts the class name and the name
    without hyphens (``funksvd``)."""
    key = name.lower().replace("_", "-")
    squash = {k.replace("-", ""): k for k in MODELS}
    key = squash.get(key.replace("-", ""), key)
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
