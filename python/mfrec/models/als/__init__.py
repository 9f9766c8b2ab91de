"""Alternating least squares: explicit ratings (:class:`ALS`) and implicit feedback
(:class:`ImplicitALS`).

Both alternate exact (Cholesky) or conjugate-gradient solves of every user row against fixed
item factors and back, through the trainer in ``_common.py`` on an engine's ALS workspace
(``mfrec/_engine.py``); the row solver is ``cpp/include/mfrec/als.hpp``. Rows are solved
independently with a fixed arithmetic order, so results are identical at any ``n_threads``.
"""

from ._explicit import ALS
from ._implicit import ImplicitALS

__all__ = ["ALS", "ImplicitALS"]

for _cls in (ALS, ImplicitALS):  # the public home, for reprs, pickles and model files
    _cls.__module__ = __name__
del _cls
