"""What ``fit``, ``eval_set``, ``fold_in``, ``evaluate`` and the splits accept, and the one
function that turns it into :class:`Interactions` (validating once), with the type aliases
the signatures use. A leaf: estimators, evaluation and model selection all import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import scipy.sparse as sp

from .interactions import Interactions

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeAlias

    import numpy as np
    import pandas as pd

    # What ``fit``, ``eval_set``, ``fold_in``, ``evaluate`` and the splits accept.
    InteractionsLike: TypeAlias = "Interactions | sp.spmatrix | sp.sparray | pd.DataFrame"
    # ``callback(info)`` after every epoch; returning False stops training.
    EpochCallback: TypeAlias = "Callable[[dict[str, Any]], bool | None]"
    # ``random_state``: a seed, a SeedSequence, a Generator (used as is) or None (fresh).
    Seed: TypeAlias = "int | np.random.Generator | np.random.SeedSequence | None"

__all__ = ["as_interactions"]


def as_interactions(X: InteractionsLike, *, what: str = "X") -> Interactions:
    """Canonical :class:`Interactions` from the accepted inputs (validates once).

    Parameters
    ----------
    X : Interactions, scipy sparse matrix or array of shape (n_users, n_items), or DataFrame
        Returned as is when already an Interactions; a sparse matrix has inner ids (row and
        column indices); a DataFrame has columns ``user``, ``item``[, ``rating``[,
        ``timestamp``]].
    what : str, default "X"
        The argument's name, for the error message.

    Returns
    -------
    Interactions

    Raises
    ------
    TypeError
        ``X`` is none of the accepted types.
    """
    if isinstance(X, Interactions):
        return X
    if sp.issparse(X):
        return Interactions.from_sparse(X)
    if type(X).__name__ == "DataFrame" and hasattr(X, "columns"):
        return Interactions.from_pandas(X)
    raise TypeError(
        f"{what} must be an mfrec.Interactions, a scipy sparse matrix or a pandas DataFrame, "
        f"got {type(X).__name__}"
    )
