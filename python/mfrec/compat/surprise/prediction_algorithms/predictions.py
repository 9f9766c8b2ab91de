"""``Prediction`` and ``PredictionImpossible`` (Surprise's, same fields and printing)."""

from __future__ import annotations

from collections import namedtuple

__all__ = ["Prediction", "PredictionImpossible"]


class PredictionImpossible(Exception):
    """Raised by ``estimate`` when no prediction can be made; ``predict`` then falls back to
    ``default_prediction()`` and records the reason in ``details``."""


class Prediction(namedtuple("Prediction", ["uid", "iid", "r_ui", "est", "details"])):
    """One prediction: raw user and item ids, the true rating (or None), the estimate, and a
    dict of details (``was_impossible``, ``reason``, ``actual_k`` for neighbourhood models)."""

    __slots__ = ()

    def __str__(self) -> str:
        s = f"user: {self.uid:<10} item: {self.iid:<10} "
        s += "r_ui = None   " if self.r_ui is None else f"r_ui = {self.r_ui:1.2f}   "
        return s + f"est = {self.est:1.2f}   " + str(self.details)
