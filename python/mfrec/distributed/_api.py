"""The public functions: ``fit`` (a model fitted by ``DaskEngine``), ``recommend`` (batch
top-N, block by block on the workers), ``evaluate`` (ranking metrics of a partitioned test
set) and ``fold_in`` (factors of partitioned new users)."""

from __future__ import annotations

import numpy as np

from .._input import as_interactions
from .._validation import check_int
from ._client import _dask, _get_client, _is_dask_frame
from ._engine import DaskEngine
from ._layout import DistData, _slice_csr, block_bounds
from ._tasks import _Seen, _seen, _seen_rows, _topn_block

_FAMILY = ("ALS", "ImplicitALS")


def _check_model(model):
    if type(model).__name__ not in _FAMILY or not hasattr(model, "_make_trainer"):
        raise TypeError(f"mfrec.distributed fits ALS and ImplicitALS, got "
                        f"{type(model).__name__}")


def fit(model, data, client=None, *, gather_user_factors: bool = True, eval_set=None,
        callback=None, n_blocks: int | None = None, duplicates: str = "error"):
    """Fit ``model`` (an ``ALS`` or ``ImplicitALS``) on a Dask cluster and return it.

    Parameters
    ----------
    model : ALS or ImplicitALS
        Its parameters are used as for ``model.fit``; with the same ``random_state`` the
        factors equal a local fit's bit for bit.
    data : Interactions, scipy sparse matrix, or dask DataFrame
        A dask DataFrame has columns ``user``, ``item``[, ``rating``] (raw ids, strings
        included); it is mapped to inner ids and cut into blocks on the workers, never
        collected on the client.
    client : distributed.Client, optional
        Default: Dask's current client.
    gather_user_factors : bool, default True
        True: the result is an ordinary fitted model (numpy factors and its training
        interactions on the client). False: ``user_factors_`` (and ``user_bias_``) stay on
        the workers as dask arrays chunked by user block, and so do the training
        interactions; use :func:`recommend` on such a model.
    eval_set, callback
        As for ``model.fit`` (``eval_set`` in memory; each epoch with either gathers the
        factors to the client).
    n_blocks : int, optional
        Row blocks per side (default: the number of workers).
    duplicates : {"error", "sum", "last", "mean"}, default "error"
        Repeated (user, item) pairs in a dask DataFrame, as for ``Interactions``.

    Returns
    -------
    model
        Fitted. A worker lost during the fit either costs a recomputation (Dask reruns the
        lost tasks from their inputs) or raises ``RuntimeError``; factors of a partial
        sweep are never returned.
    """
    _check_model(model)
    client = _get_client(client)
    engine = DaskEngine(client, n_blocks=n_blocks, gather_user_factors=gather_user_factors,
                        duplicates=duplicates)
    distributed = _dask()
    lost = (getattr(distributed.client, "FutureCancelledError", None),
            getattr(distributed.scheduler, "KilledWorker", None),
            getattr(distributed, "CancelledError", None), OSError)
    lost = tuple(e for e in lost if isinstance(e, type))
    try:
        model._fit(data, eval_set=eval_set, callback=callback, engine=engine)
    except lost as exc:
        raise RuntimeError(
            f"the Dask fit failed: a worker or its data was lost ({type(exc).__name__}: "
            f"{exc}); no factors were published from the interrupted sweep") from exc
    return model


def recommend(model, user_ids=None, n: int = 10, client=None, *, filter_seen: bool = True,
              n_blocks: int | None = None):
    """Top-``n`` items of every user (or of ``user_ids``), block by block on the workers.

    Returns a lazy dask DataFrame with columns ``user`` (raw id), ``rank`` (1-based),
    ``item`` (raw id), ``score``: the rows ``model.recommend`` gives, one per (user, rank)
    (fewer when a user has fewer candidates). Write it with ``.to_parquet(path)`` or
    ``.compute()`` it. Works on an ordinary fitted model and on one fitted by :func:`fit`
    with ``gather_user_factors=False`` (user factors on the workers).
    """
    import dask
    import dask.dataframe as dd
    import pandas as pd

    _dask()
    client = _get_client(client)
    model._check_fitted()
    n = min(check_int(n, "n", min_value=1), max(model.n_items, 1))
    st = vars(model)
    biased = bool(st["_biased"])
    mu = float(st["global_mean_"])
    X, ub = st["user_factors_"], st["user_bias_"]
    Y = client.scatter(np.asarray(st["item_factors_"]), broadcast=True, hash=False)
    ib = client.scatter(np.asarray(st["item_bias_"]), broadcast=True, hash=False)
    umap, imap = st["user_map_"], st["item_map_"]
    imap_f = None if imap.identity else client.scatter(imap, broadcast=True, hash=False)
    train = st["_train"]
    dist = isinstance(train, DistData)
    if user_ids is not None:
        from .._retrieval import _inner_ids
        sel = _inner_ids(umap, user_ids, "user_ids")
    n_workers = len(client.nthreads())
    bounds = (train.user_bounds if dist else
              block_bounds(model.n_users, n_blocks or max(1, n_workers)))
    parts = []
    for b, (lo, hi) in enumerate(bounds):
        if dist:
            seen = dask.delayed(_seen)(train.by_user[b])
            Xb, ubb = X[lo:hi], ub[lo:hi]
        else:
            seen = _Seen(_slice_csr(train.indptr, train.item_index, train.ratings, lo, hi))
            Xb, ubb = np.asarray(X[lo:hi]), np.asarray(ub[lo:hi])
        rows = None
        if user_ids is not None:
            rows = sel[(sel >= lo) & (sel < hi)] - lo
            if not len(rows):
                continue
            Xb, ubb = Xb[rows], ubb[rows]
            seen = dask.delayed(_seen_rows)(seen, rows)
        if rows is None:
            uids = None if umap.identity else umap.ids[lo:hi]
        else:
            uids = umap.ids[lo:hi][rows]
        parts.append(dask.delayed(_topn_block)(Xb, ubb, Y, ib, seen, biased, mu, n,
                                               filter_seen, uids, imap_f, lo))
    meta = pd.DataFrame({"user": pd.Series([], dtype=umap.ids.dtype),
                         "rank": pd.Series([], dtype=np.int32),
                         "item": pd.Series([], dtype=imap.ids.dtype if not imap.identity
                                           else np.int64),
                         "score": pd.Series([], dtype=np.float32)})
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def evaluate(model, test, client=None, *, k: int = 10, filter_seen: bool = True):
    """Ranking metrics of ``model`` on partitioned held-out interactions.

    ``test``: a dask DataFrame with columns ``user``, ``item`` (raw ids; users the model
    does not know are skipped). Each partition's users get their top-``k`` on the workers;
    the per-user hits are summed there. Returns ``{"precision@k", "recall@k", "ndcg@k",
    "n_users"}``: means over the users with held-out items (precision = hits / k; recall =
    hits / |test items|; NDCG with binary gains).
    """
    _get_client(client)
    top = recommend(model, n=k, client=client, filter_seen=filter_seen)
    merged = top.merge(test[["user", "item"]].assign(hit=1), on=["user", "item"], how="left")
    per = merged.assign(hit=merged["hit"].fillna(0),
                        dcg=merged["hit"].fillna(0) / np.log2(merged["rank"] + 1))
    per_user = per.groupby("user")[["hit", "dcg"]].sum()
    n_test = test.groupby("user")["item"].count().rename("n_test")
    joined = per_user.join(n_test, how="inner")
    res = joined.map_partitions(_metric_parts, k, meta={"p": "f8", "r": "f8", "ndcg": "f8",
                                                        "n": "i8"}).sum().compute()
    n_users = int(res["n"])
    return {f"precision@{k}": float(res["p"]) / max(n_users, 1),
            f"recall@{k}": float(res["r"]) / max(n_users, 1),
            f"ndcg@{k}": float(res["ndcg"]) / max(n_users, 1), "n_users": n_users}


def _metric_parts(df, k):
    import pandas as pd
    ideal = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    nt = df["n_test"].to_numpy()
    idcg = ideal[np.minimum(nt, k) - 1] if len(nt) else np.empty(0)
    return pd.DataFrame({"p": [float((df["hit"] / k).sum())],
                         "r": [float((df["hit"] / nt).sum())],
                         "ndcg": [float((df["dcg"] / idcg).sum()) if len(nt) else 0.0],
                         "n": [len(df)]})


def _fold_in_part(df, model, k):
    import pandas as pd

    cols = [f"f{j}" for j in range(k)]
    if not len(df):
        return pd.DataFrame({"user": df["user"].to_numpy()[:0], "bias": np.float32(0),
                             **{c: np.float32(0) for c in cols}}).iloc[:0]
    inter = as_interactions(df.reset_index(drop=True), what="user_items")
    X, b = model.fold_in(inter)
    out = pd.DataFrame(X, columns=cols)
    out.insert(0, "bias", b)
    out.insert(0, "user", inter.user_ids)
    return out


def fold_in(model, user_items, client=None):
    """Factors of new users from a partitioned set of their interactions, on the workers.

    ``user_items``: a dask DataFrame with columns ``user``, ``item``[, ``rating``] (raw ids;
    items must be known to the model). Rows are shuffled so that each user's rows meet in
    one partition, then each partition is folded in with the model's own ``fold_in`` (the
    same solve: rows equal ``model.fold_in`` of the whole set). Returns a lazy dask
    DataFrame ``user, bias, f0 .. f{k-1}``, one row per new user.
    """
    import pandas as pd

    _get_client(client)
    model._check_fitted()
    if not _is_dask_frame(user_items):
        raise TypeError("user_items must be a dask DataFrame (user, item[, rating]); use "
                        "model.fold_in for data in memory")
    k = int(np.asarray(model.item_factors_).shape[1])
    meta = pd.DataFrame({"user": pd.Series([], dtype=user_items["user"].dtype),
                         "bias": pd.Series([], dtype=np.float32),
                         **{f"f{j}": pd.Series([], dtype=np.float32) for j in range(k)}})
    shuffled = user_items.shuffle("user")
    return shuffled.map_partitions(_fold_in_part, model, k, meta=meta)
