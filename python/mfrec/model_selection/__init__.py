"""Model selection: splitting interactions, cross-validation and hyper-parameter search.

Everything here follows scikit-learn's conventions, adapted to recommender data:

* **Splits** return ``(train, test)`` pairs of :class:`~mfrec.Interactions` that keep the
  parent's id maps, so a user or item whose rows all land in the test part is *known but
  cold* for a model fitted on the train part. They are reproducible from ``random_state``
  and fully vectorized (no per-user Python loops): ``train_test_split``,
  ``per_user_split``, ``leave_k_out``, ``temporal_split``, and the cross-validation
  iterators :class:`KFold` and :class:`ShuffleSplit`.
* :func:`cross_validate` fits a fresh clone of a model on each training fold and scores it
  on the test fold; :class:`GridSearchCV` and :class:`RandomizedSearchCV` do so for every
  candidate parameter setting. Scores are "greater is better" (``"neg_rmse"``).

Layout: ``_split.py`` (splits, KFold, ShuffleSplit), ``_scoring.py`` (scorer names),
``_validate.py`` (cross_validate), ``_search.py`` (GridSearchCV, RandomizedSearchCV).
"""

from ._grid import ParameterGrid, ParameterSampler
from ._search import GridSearchCV, RandomizedSearchCV
from ._split import (
    KFold,
    ShuffleSplit,
    leave_k_out,
    per_user_split,
    temporal_split,
    train_test_split,
)
from ._validate import cross_validate

__all__ = [
    "train_test_split",
    "per_user_split",
    "leave_k_out",
    "temporal_split",
    "KFold",
    "ShuffleSplit",
    "cross_validate",
    "ParameterGrid",
    "ParameterSampler",
    "GridSearchCV",
    "RandomizedSearchCV",
]

