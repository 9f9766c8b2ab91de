"""Plain numpy reference implementations the C++ kernels are tested against.

Written for clarity, not speed: scalar loops over ratings, vector ops over factors, float32.
"""

from __future__ import annotations

import numpy as np


def block_order(indptr, indices, user_rank, item_rank, B, lanes=4):
    """The SGD visiting order inside each block, rebuilt from its definition.

    Users and items are cut, in rank order, into B bins holding nearly equal shares of the
    ratings. Returns a list over blocks b = user_bin * B + item_bin of arrays of (user_rank,
    item_rank, csr position) rows. Each user's ratings in the block form a run (ascending item id);
    ``lanes`` lanes take turns, one rating each, every lane working through one run and
    taking the next user's run (users ascending by rank) when its own is done.
    """
    def bins(count_by_rank):  # equal shares of the ratings, consecutive ranks
        cum = np.cumsum(count_by_rank)
        return np.minimum((np.maximum(cum, 1) - 1) * B // max(cum[-1], 1), B - 1)

    user_bin = bins(np.diff(indptr)[np.argsort(user_rank)])
    item_bin = bins(np.bincount(item_rank[indices], minlength=len(item_rank)))
    blocks = [[] for _ in range(B * B)]
    for u in np.argsort(user_rank):
        ub = user_bin[user_rank[u]]
        per_bin = {}
        for e in range(indptr[u], indptr[u + 1]):
            i = indices[e]
            ib = item_bin[item_rank[i]]
            per_bin.setdefault(ib, []).append((user_rank[u], item_rank[i], e))
        for ib, rows in per_bin.items():
            blocks[ub * B + ib].append(rows)
    out = []
    for runs in blocks:  # runs: one list per user, users in rank order
        queue, current, order = list(runs), [[] for _ in range(lanes)], []
        while True:
            for lane in current:
                if not lane and queue:
                    lane.extend(queue.pop(0))
            if not any(current):
                break
            for lane in current:
                if lane:
                    order.append(lane.pop(0))
        out.append(order)
    return out


def sgd_epoch(order, schedule, ratings, P, Q, bu, bi, mu, lr_b, lr, reg_b, reg_p, reg_q, biased,
              G=None):
    """One epoch of the textbook SGD update, in the given block order (rank space).

    With ``G = (Gu, Gi)``: AdaGrad with one accumulator per row, step η/√G from the old G,
    then G += ‖gradient‖² / k.
    """
    f32 = np.float32
    k = P.shape[1]
    sse = 0.0
    for round_ in schedule:
        for b in round_:
            for u, i, e in order[b]:
                p, q = P[u].copy(), Q[i].copy()
                pred = f32(np.dot(p, q))
                if biased:
                    pred = f32(f32(mu) + bu[u] + bi[i] + pred)
                err = f32(ratings[e] - pred)
                sse += float(err) ** 2
                eta_u = eta_i = f32(1)
                if G is not None:
                    eta_u, eta_i = f32(1) / np.sqrt(G[0][u]), f32(1) / np.sqrt(G[1][i])
                if biased:
                    bu[u] += f32(lr_b) * eta_u * (err - f32(reg_b) * bu[u])
                    bi[i] += f32(lr_b) * eta_i * (err - f32(reg_b) * bi[i])
                gp = err * q - f32(reg_p) * p
                gq = err * p - f32(reg_q) * q
                if G is not None:
                    G[0][u] += f32(np.dot(gp, gp) / k)
                    G[1][i] += f32(np.dot(gq, gq) / k)
                P[u] = p + f32(lr) * eta_u * gp
                Q[i] = q + f32(lr) * eta_i * gq
    return sse


def baseline_als(indptr, indices, ratings, n_items, mu, reg_u, reg_i, n_epochs):
    """Surprise's BaselineOnly ALS: alternate exact bias solves, items first."""
    n_users = len(indptr) - 1
    users = np.repeat(np.arange(n_users), np.diff(indptr))
    bu = np.zeros(n_users)
    bi = np.zeros(n_items)
    for _ in range(n_epochs):
        for i in range(n_items):
            m = indices == i
            bi[i] = np.sum(ratings[m] - mu - bu[users[m]]) / (reg_i + m.sum())
        for u in range(n_users):
            s = slice(indptr[u], indptr[u + 1])
            bu[u] = np.sum(ratings[s] - mu - bi[indices[s]]) / (reg_u + (indptr[u + 1] - indptr[u]))
    return bu, bi
