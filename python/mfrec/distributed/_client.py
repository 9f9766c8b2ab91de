"""Dask on use: the ImportError naming the extra, the current client, and telling a dask
DataFrame from data in memory. Nothing here imports Dask at import time."""

from __future__ import annotations


def _dask():
    """The ``distributed`` module, or an ImportError naming the extra."""
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ImportError(
            "mfrec.distributed needs Dask (dask[distributed] and dask[dataframe]): "
            "pip install 'mfrec[dask]'") from exc
    return distributed


def _get_client(client):
    distributed = _dask()
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError as exc:
        raise ValueError("no Dask client: pass client= or start one first "
                         "(dask.distributed.Client(...))") from exc


def _is_dask_frame(X) -> bool:
    return type(X).__module__.startswith("dask") and hasattr(X, "columns")
