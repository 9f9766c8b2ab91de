"""A synthetic ratings generator with the structure of real recommendation data.

- Power-law user activity and item popularity (a few heavy users, a long tail of items).
- Latent taste: items belong to taste clusters; each user prefers a few clusters, and *which*
  items a user rates depends on that taste as well as on popularity — so "most popular" is
  not the answer to top-N, and ranking metrics mean something.
- Ratings = μ + b_u + b_i + p_uᵀq_i + noise, rounded to the 1–5 star scale, with p_u and q_i
  built from the same taste clusters (users rate what they chose higher, as in real data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._progress import progress
from .._validation import check_int, check_random_state
from ..interactions import Interactions

if TYPE_CHECKING:
    from .._input import Seed

__all__ = ["synthetic"]


def synthetic(n_users: int = 2000, n_items: int = 1000, nnz: int = 50_000, *,
              n_clusters: int = 24, taste: float = 0.7, noise: float = 0.6,
              random_state: Seed = None, verbose: bool = False) -> Interactions:
    """Generate synthetic 1–5 star ratings.

    Parameters
    ----------
    n_users, n_items : int
        Catalogue size; every user gets at least one rating (some items may get none).
    nnz : int
        Number of distinct (user, item) ratings; at most n_users × n_items / 2.
    n_clusters : int, default 24
        Number of taste clusters (genres).
    taste : float in [0, 1], default 0.7
        Probability that a rating's item is drawn from the user's preferred clusters rather
        than by global popularity.
    noise : float, default 0.6
        Standard deviation of the rating noise before rounding.
    verbose : bool, default False
        Show the progress of the steps (a tqdm bar with the ``progress`` extra, else lines
        on stderr); generating 10M ratings takes several seconds.
    random_state : int, numpy Generator, SeedSequence or None
        Seed of everything drawn: the same int gives the same data.

    Returns
    -------
    Interactions
        ``nnz`` ratings in {1, ..., 5} (float32) with int64 timestamps, rating scale (1, 5),
        raw ids 0..n_users-1 and 0..n_items-1, and item metadata of shape (n_items,):
        ``"title"`` (``"Item 17 (genre 3)"``) and ``"genre"`` (the taste cluster, int).

    Raises
    ------
    ValueError
        A size below 1, ``nnz`` above n_users × n_items / 2 or below n_users, or ``taste``
        outside [0, 1].
    TypeError
        A size is not an integer.
    """
    n_users = check_int(n_users, "n_users", min_value=1)
    n_items = check_int(n_items, "n_items", min_value=1)
    nnz = check_int(nnz, "nnz", min_value=1)
    n_clusters = check_int(n_clusters, "n_clusters", min_value=1)
    if nnz > n_users * n_items // 2:
        raise ValueError(f"nnz={nnz} is more than half of n_users × n_items = "
                         f"{n_users * n_items}: the matrix would not be sparse")
    if nnz < n_users:
        raise ValueError(f"nnz={nnz} < n_users={n_users}: every user needs a rating")
    if not 0.0 <= taste <= 1.0:
        raise ValueError(f"taste must be in [0, 1], got {taste}")
    rng = check_random_state(random_state)
    n_clusters = min(n_clusters, n_items)
    with progress(4, "synthetic", enabled=bool(verbose), unit="step") as bar:
        return _generate(rng, n_users, n_items, nnz, n_clusters, taste, noise, bar)


def _generate(rng, n_users, n_items, nnz, n_clusters, taste, noise, bar) -> Interactions:

    # Power-law activity: Pareto weights, at least one rating, at most n_items / 2 per user.
    activity = rng.pareto(1.2, n_users) + 1.0
    per_user = np.maximum(1, np.floor(nnz * activity / activity.sum())).astype(np.int64)
    per_user = np.minimum(per_user, max(1, n_items // 2))
    per_user = _fix_total(per_user, nnz, max(1, n_items // 2), rng)

    # Items: Zipf-like popularity, random cluster, factor near the cluster centroid.
    popularity = 1.0 / (1.0 + rng.permutation(n_items)) ** 0.9
    cluster = rng.integers(0, n_clusters, n_items)
    cluster[rng.permutation(n_items)[:n_clusters]] = np.arange(n_clusters)  # none empty
    dim = 8
    centroid = rng.standard_normal((n_clusters, dim)) / np.sqrt(dim)
    q = centroid[cluster] + 0.35 * rng.standard_normal((n_items, dim)) / np.sqrt(dim)

    # Users: sparse preferences over clusters; taste vector from the preferred centroids.
    pref = rng.dirichlet(np.full(n_clusters, 0.25), n_users)
    p = 1.6 * (pref @ centroid) + 0.35 * rng.standard_normal((n_users, dim)) / np.sqrt(dim)

    bar.update(1, stage="users and items")
    users, items = _draw_pairs(rng, per_user, popularity, cluster, pref, taste, nnz)
    bar.update(1, stage=f"{nnz:,} (user, item) pairs")

    b_u = 0.35 * rng.standard_normal(n_users)
    log_pop = np.log(popularity)
    b_i = 0.3 * rng.standard_normal(n_items) + 0.15 * (log_pop - log_pop.mean()) / log_pop.std()
    signal = np.einsum("nd,nd->n", p[users], q[items]) * 2.0
    r = 3.55 + b_u[users] + b_i[items] + signal + noise * rng.standard_normal(len(users))
    ratings = np.clip(np.rint(r), 1, 5).astype(np.float32)
    timestamps = rng.integers(880_000_000, 1_700_000_000, len(users))
    titles = np.array([f"Item {i} (genre {c})" for i, c in enumerate(cluster)], dtype=object)
    bar.update(1, stage="ratings")
    out = Interactions(users, items, ratings, timestamps, rating_scale=(1.0, 5.0),
                       user_ids=np.arange(n_users), item_ids=np.arange(n_items),
                       item_metadata={"title": titles, "genre": cluster})
    bar.update(1, stage="interactions")
    return out


def _fix_total(per_user, total, cap, rng):
    """Adjust counts to sum to ``total`` while keeping each in [1, cap]."""
    diff = total - int(per_user.sum())
    while diff != 0:
        if diff > 0:
            room = np.flatnonzero(per_user < cap)
            pick = rng.permutation(room)[:diff]
            per_user[pick] += 1
        else:
            room = np.flatnonzero(per_user > 1)
            pick = rng.permutation(room)[:-diff]
            per_user[pick] -= 1
        diff = total - int(per_user.sum())
    return per_user


def _sorted_unique(a):
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if a.size else a


def _draw_pairs(rng, per_user, popularity, cluster, pref, taste, nnz):
    """Distinct (user, item) pairs: each user's count, items by taste or by popularity."""
    n_users, n_items = len(per_user), len(popularity)
    n_clusters = pref.shape[1]
    # Per-cluster popularity CDFs laid end to end: cluster c spans [c, c + 1).
    by_cluster = np.lexsort((np.arange(n_items), cluster))
    pop_sorted = popularity[by_cluster]
    c_sorted = cluster[by_cluster]
    cum = np.cumsum(pop_sorted)
    start = np.searchsorted(c_sorted, np.arange(n_clusters))
    base = np.r_[0.0, cum][start]
    total = np.add.reduceat(pop_sorted, start)
    cdf_cluster = c_sorted + (cum - base[c_sorted]) / total[c_sorted]
    cdf_global = np.cumsum(popularity) / popularity.sum()
    pref_cdf = np.cumsum(pref, axis=1)

    want = per_user.copy()
    pairs = np.empty(0, dtype=np.int64)
    for attempt in range(12):
        users = np.repeat(np.arange(n_users), want)
        if users.size == 0:
            break
        if attempt < 6:  # by taste or popularity
            items = np.empty(users.size, dtype=np.int64)
            by_taste = rng.random(users.size) < taste
            t_users = users[by_taste]
            chunk = max(1, 4_000_000 // max(1, n_clusters))
            clusters = np.empty(t_users.size, dtype=np.int64)
            for s in range(0, t_users.size, chunk):
                cu = t_users[s:s + chunk]
                x = rng.random(cu.size)[:, None]
                clusters[s:s + chunk] = np.minimum((pref_cdf[cu] < x).sum(axis=1),
                                                   n_clusters - 1)
            pos = np.searchsorted(cdf_cluster, clusters + rng.random(clusters.size),
                                  side="right")
            items[by_taste] = by_cluster[np.minimum(pos, n_items - 1)]
            g = np.searchsorted(cdf_global, rng.random(int((~by_taste).sum())), side="right")
            items[~by_taste] = np.minimum(g, n_items - 1)
        else:  # heavy users that exhausted their popular items: fill the tail uniformly
            items = rng.integers(0, n_items, users.size)
        new = _sorted_unique(users * n_items + items)
        new = new[~np.isin(new, pairs, assume_unique=True)] if pairs.size else new
        pairs = np.sort(np.r_[pairs, new], kind="stable")
        got = np.bincount(pairs // n_items, minlength=n_users)
        want = np.maximum(per_user - got, 0)
        if want.sum() == 0:
            break
    # Exactly nnz pairs: drop random extras (never a user's last rating).
    if len(pairs) > nnz:
        u = pairs // n_items
        order = rng.permutation(len(pairs))
        first = np.zeros(len(pairs), dtype=bool)
        u_sorted_pos = order[np.argsort(u[order], kind="stable")]
        starts = np.r_[True, u[u_sorted_pos][1:] != u[u_sorted_pos][:-1]]
        first[u_sorted_pos[starts]] = True
        extra = order[~first[order]][: len(pairs) - nnz]
        pairs = np.delete(pairs, extra)
    elif len(pairs) < nnz:  # saturated users: fill with random unused pairs
        need = nnz - len(pairs)
        while need > 0:
            cand = rng.integers(0, n_users * n_items, 2 * need + 16)
            cand = _sorted_unique(cand)
            cand = rng.permutation(cand[~np.isin(cand, pairs, assume_unique=True)])[:need]
            pairs = np.sort(np.r_[pairs, cand])
            need = nnz - len(pairs)
    return pairs // n_items, pairs % n_items
