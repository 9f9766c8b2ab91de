"""``implicit.utils``: the public helpers of implicit 0.7.3."""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp

__all__ = ["ParameterWarning", "augment_inner_product_matrix", "check_blas_config",
           "check_csr", "check_random_state", "nonzeros"]


class ParameterWarning(Warning):
    """A parameter was converted or ignored (e.g. a non-CSR matrix given to ``fit``)."""


def nonzeros(m, row):
    """(column, value) of the stored entries of ``row`` of the CSR matrix ``m``."""
    for index in range(m.indptr[row], m.indptr[row + 1]):
        yield m.indices[index], m.data[index]


def check_blas_config() -> None:
    """Accepted for compatibility: mfrec's kernels limit BLAS threads themselves while they
    run, so there is nothing to warn about."""


def check_random_state(random_state) -> np.random.Generator:
    """A numpy Generator from a seed, a Generator or a RandomState (as implicit does)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


def augment_inner_product_matrix(factors: np.ndarray) -> tuple[float, np.ndarray]:
    """The factors with one extra column that turns inner-product search into a nearest-
    neighbour search (Bachrach et al. 2014): (max norm, augmented factors)."""
    norms = np.linalg.norm(factors, axis=1)
    max_norm = norms.max()
    extra = np.sqrt(np.maximum(max_norm**2 - norms**2, 0.0))
    return max_norm, np.append(factors, extra.reshape(-1, 1), axis=1)


def check_csr(user_items) -> sp.csr_matrix:
    """``user_items`` as a CSR matrix; other formats are converted with a ParameterWarning."""
    if not isinstance(user_items, sp.csr_matrix):
        name = type(user_items).__name__
        start = time.time()
        if not sp.issparse(user_items):
            raise ValueError(f"expected a scipy sparse matrix, got {name}")
        user_items = sp.csr_matrix(user_items)
        warnings.warn(f"Method expects CSR input, and was passed {name} instead. Converting to "
                      f"CSR took {time.time() - start:.3g} seconds", ParameterWarning,
                      stacklevel=3)
    return user_items
