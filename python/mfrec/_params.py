"""The scikit-learn parameter contract shared by estimators and searches."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

__all__ = ["Params"]

_P = TypeVar("_P", bound="Params")


class Params:
    """The scikit-learn parameter contract: ``__init__`` arguments are the parameters."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this object, as given to ``__init__``.

        Parameters
        ----------
        deep : bool, default True
            Accepted for scikit-learn compatibility; no parameter is itself an estimator
            whose parameters would be listed.

        Returns
        -------
        dict of str -> object
            ``{name: value}`` for every ``__init__`` parameter, values as stored.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: _P, **params: Any) -> _P:
        """Set parameters, as ``__init__`` would (no validation until ``fit``).

        Parameters
        ----------
        **params
            ``name=value`` for ``__init__`` parameters.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A name is not an ``__init__`` parameter (the message lists the valid ones).
        """
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; "
                                 f"valid: {valid}")
            setattr(self, key, value)
        return self
