"""Splitting interactions into training and test sets."""

from __future__ import annotations

import numbers

from ._base import as_interactions
from ._validation import check_random_state

__all__ = ["train_test_split"]


def _n_test(test_size, n: int) -> int:
    if isinstance(test_size, bool):
        raise TypeError("test_size must be a float in (0, 1) or a positive int")
    if isinstance(test_size, numbers.Integral):
        if not 0 < test_size < n:
            raise ValueError(f"test_size={test_size} must be in [1, {n - 1}] for {n} interactions")
        return int(test_size)
    if isinstance(test_size, numbers.Real):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size}")
        n_test = int(round(test_size * n))
        if not 0 < n_test < n:
            raise ValueError(f"test_size={test_size} leaves an empty train or test set "
                             f"with {n} interactions")
        return n_test
    raise TypeError(f"test_size must be a float in (0, 1) or a positive int, got {test_size!r}")


def train_test_split(data, test_size=0.2, random_state=None):
    """Random split of the interactions into (train, test).

    Both parts keep the parent's id maps, so users or items that land only in the test set
    are *known but cold* for a model fitted on the train part.

    Parameters
    ----------
    data : Interactions, scipy sparse matrix or DataFrame
    test_size : float in (0, 1) or int, default 0.2
        Fraction (rounded) or number of interactions in the test set.
    random_state : int, numpy Generator or None

    Returns
    -------
    train, test : Interactions
    """
    data = as_interactions(data, what="data")
    n_test = _n_test(test_size, data.nnz)
    perm = check_random_state(random_state).permutation(data.nnz)
    return data.subset(perm[n_test:]), data.subset(perm[:n_test])
