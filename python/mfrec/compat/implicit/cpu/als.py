"""``implicit.cpu.als``: the CPU ALS model and its training loss."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .... import _core
from ..als import AlternatingLeastSquares
from .matrix_factorization_base import engine_for

__all__ = ["AlternatingLeastSquares", "calculate_loss"]


def calculate_loss(Cui, X, Y, regularization, num_threads=0):
    """implicit's training loss: (Σ_all c (p − xᵀy)² + reg (‖X‖² + ‖Y‖²)) / (Σ c over the
    stored entries + the number of pairs without one); c = the stored value, 1 elsewhere."""
    m = sp.csr_matrix(Cui)
    m.sort_indices()
    X = np.ascontiguousarray(X, dtype=np.float32)
    Y = np.ascontiguousarray(Y, dtype=np.float32)
    engine = engine_for(num_threads)
    conf = np.ascontiguousarray(m.data, dtype=np.float32)
    loss = _core.implicit_loss(m.indptr.astype(np.int64), m.indices.astype(np.int32), conf, X,
                               Y, gram=engine.gram(Y), reg=float(regularization),
                               n_threads=engine.threads(0.0))
    scale = float(np.sum(conf, dtype=np.float64)) + float(m.shape[0]) * m.shape[1] - m.nnz
    return loss / scale
