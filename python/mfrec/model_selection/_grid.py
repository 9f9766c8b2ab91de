"""Parameter spaces for the searches: ParameterGrid (every combination) and
ParameterSampler (random draws from lists and scipy distributions)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_int, check_random_state, plain

if TYPE_CHECKING:
    from .._input import Seed

__all__ = ["ParameterGrid", "ParameterSampler"]


def _check_grid_values(grid: Mapping, what: str) -> None:
    for key, values in grid.items():
        if not isinstance(key, str):
            raise TypeError(f"{what}: parameter names must be strings, got {key!r}")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise TypeError(
                f"{what}: the values of {key!r} must be a list or array, got {values!r}; "
                "wrap a single value in a list")
        if len(values) == 0:
            raise ValueError(f"{what}: the values of {key!r} are an empty list")


class ParameterGrid:
    """All combinations of parameter values (scikit-learn's ``ParameterGrid`` semantics).

    Parameters
    ----------
    param_grid : dict of str -> list, or list of such dicts
        Each dict spans the product of its value lists (keys in sorted order, the last key
        varying fastest); a list of dicts chains their grids. An empty dict is one
        candidate with no parameter set.

    Examples
    --------
    >>> list(ParameterGrid({"n_factors": [8, 16], "reg": [0.01, 0.1]}))[:2]
    [{'n_factors': 8, 'reg': 0.01}, {'n_factors': 8, 'reg': 0.1}]
    """

    def __init__(self, param_grid: Mapping[str, Sequence[Any]]
                 | Iterable[Mapping[str, Sequence[Any]]]) -> None:
        if isinstance(param_grid, Mapping):
            param_grid = [param_grid]
        if isinstance(param_grid, (str, bytes)) or not isinstance(param_grid, Iterable):
            raise TypeError(f"param_grid must be a dict or a list of dicts, got {param_grid!r}")
        param_grid = list(param_grid)
        for grid in param_grid:
            if not isinstance(grid, Mapping):
                raise TypeError(f"param_grid must be a dict or a list of dicts, got {grid!r}")
            _check_grid_values(grid, "param_grid")
        self.param_grid = param_grid

    def _sub_grids(self):
        for grid in self.param_grid:
            items = sorted(grid.items())
            yield [k for k, _ in items], [list(v) for _, v in items]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for keys, values in self._sub_grids():
            for combo in itertools.product(*values):
                yield dict(zip(keys, combo))

    def __len__(self) -> int:
        return sum(int(np.prod([len(v) for v in values], dtype=np.int64))
                   for _, values in self._sub_grids())

    def __getitem__(self, ind: int) -> dict[str, Any]:
        """The ``ind``-th combination without enumerating the grid."""
        ind = check_int(ind, "index")
        if ind < 0:
            ind += len(self)
        for keys, values in self._sub_grids():
            size = int(np.prod([len(v) for v in values], dtype=np.int64))
            if ind >= size:
                ind -= size
                continue
            out = {}
            for key, vals in zip(reversed(keys), reversed(values)):
                ind, pos = divmod(ind, len(vals))
                out[key] = vals[pos]
            return dict(sorted(out.items()))
        raise IndexError("ParameterGrid index out of range")


class ParameterSampler:
    """Random parameter settings (scikit-learn's ``ParameterSampler`` semantics).

    Parameters
    ----------
    param_distributions : dict or list of dicts
        Values are lists (sampled uniformly) or distributions with an
        ``rvs(random_state=...)`` method, such as ``scipy.stats.loguniform(1e-3, 1)``. With
        a list of dicts, each draw first picks one of the dicts uniformly.
    n_iter : int
        Number of settings. If every value is a list, settings are drawn without replacement
        from the grid and there are at most as many as the grid has (with a warning).
    random_state : int, numpy Generator, SeedSequence or None
        With an int, iterating gives the same settings every time.
    """

    def __init__(self, param_distributions: Mapping[str, Any] | Iterable[Mapping[str, Any]],
                 n_iter: int, *, random_state: Seed = None) -> None:
        if isinstance(param_distributions, Mapping):
            param_distributions = [param_distributions]
        if isinstance(param_distributions, (str, bytes)) or not isinstance(
                param_distributions, Iterable):
            raise TypeError("param_distributions must be a dict or a list of dicts, "
                            f"got {param_distributions!r}")
        param_distributions = list(param_distributions)
        if not param_distributions:
            raise ValueError("param_distributions is an empty list")
        for dist in param_distributions:
            if not isinstance(dist, Mapping):
                raise TypeError("param_distributions must be a dict or a list of dicts, "
                                f"got {dist!r}")
            for key, values in dist.items():
                if hasattr(values, "rvs"):
                    continue
                _check_grid_values({key: values}, "param_distributions")
        self.param_distributions = param_distributions
        self.n_iter = check_int(n_iter, "n_iter", min_value=1)
        self.random_state = random_state

    def _all_lists(self) -> bool:
        return not any(hasattr(v, "rvs") for d in self.param_distributions for v in d.values())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rng = check_random_state(self.random_state)
        if self._all_lists():
            grid = ParameterGrid(self.param_distributions)
            size = len(grid)
            n = self.n_iter
            if n > size:
                warnings.warn(f"the grid of param_distributions has only {size} settings, "
                              f"fewer than n_iter={n}; using {size}", UserWarning,
                              stacklevel=2)
                n = size
            for ind in rng.choice(size, size=n, replace=False):
                yield grid[int(ind)]
            return
        for _ in range(self.n_iter):
            dist = self.param_distributions[int(rng.integers(len(self.param_distributions)))]
            params = {}
            for key, values in sorted(dist.items()):
                if hasattr(values, "rvs"):
                    params[key] = plain(values.rvs(random_state=rng))
                else:
                    params[key] = values[int(rng.integers(len(values)))]
            yield params

    def __len__(self) -> int:
        if self._all_lists():
            return min(self.n_iter, len(ParameterGrid(self.param_distributions)))
        return self.n_iter
