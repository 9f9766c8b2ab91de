"""Surprise's baseline estimates b_u, b_i on mfrec's kernels.

- ``method="als"``: ``mfrec.Baseline`` — the same alternating exact bias solves (items, then
  users; ``reg_i``, ``reg_u``, ``n_epochs``).
- ``method="sgd"``: ``mfrec.FunkSVD`` with its factors held at zero (one factor, initial
  std 0: the factor updates then leave them at zero), constant step ``learning_rate`` and
  weight ``reg`` on both biases: Surprise's bias SGD (one error, both biases stepped), in
  mfrec's shuffled parallel order instead of Surprise's user-by-user order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["baselines"]


def baselines(trainset, options: dict) -> tuple[np.ndarray, np.ndarray]:
    import mfrec

    data = trainset._to_interactions()
    if options.get("method", "als") == "als":
        model = mfrec.Baseline(n_epochs=options.get("n_epochs", 10),
                               reg_user=options.get("reg_u", 15), reg_item=options.get("reg_i", 10))
    else:
        model = mfrec.FunkSVD(n_factors=1, n_epochs=options.get("n_epochs", 20),
                              init_std=0.0, lr=options.get("learning_rate", 0.005),
                              reg=options.get("reg", 0.02), lr_schedule="constant",
                              random_state=0)
    model.fit(data)
    return (model.user_bias_.astype(np.float64), model.item_bias_.astype(np.float64))
