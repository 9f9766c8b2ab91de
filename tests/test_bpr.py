"""BPR against a numpy / pure-Python reference (one triple, whole epochs with the same random
streams), its sampler, fold-in, accuracy, reproducibility and its own parameters' errors."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core
from mfrec.models.bpr import negative_sampler

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LEVELS = [level for level in (0, 3, 4) if level <= _core.cpu_isa_level()]
M64, M32 = (1 << 64) - 1, (1 << 32) - 1
GOLDEN, USER_MUL = 0x9E3779B97F4A7C15, 0xD1B54A32D192ED03


# --------------------------------------------------------------------------- the reference
def splitmix_next(state):
    """(new state, output) of one SplitMix64 step."""
    state = (state + GOLDEN) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def draw(key, n):
    """The n-th output (0-based) of the SplitMix64 stream started at ``key``."""
    return splitmix_next((key + n * GOLDEN) & M64)[1]


def visiting_order(epoch_key, n):
    order, state = list(range(n)), epoch_key
    for r in range(n - 1, 0, -1):
        state, v = splitmix_next(state)
        s = (v * (r + 1)) >> 64
        order[r], order[s] = order[s], order[r]
    return order


def alias_draw(thr, alias, r32):
    m = r32 * len(thr)
    c = m >> 32
    return c if (m & M32) < int(thr[c]) else int(alias[c])


def triple_step(P, Q, b, Gu, Gi, u, i, j, lr, lu, li, lb, k, update_items=True):
    """One BPR step (float64 arithmetic on the float32 arrays, stored back); returns
    −ln σ(x_uij) before the step."""
    p, qi, qj = (a.astype(np.float64) for a in (P[u], Q[i], Q[j]))
    x = float(b[i]) - float(b[j]) + float(p @ (qi - qj))
    e = math.exp(-abs(x))
    loss = math.log1p(e) + max(-x, 0.0)
    z = e / (1 + e) if x > 0 else 1 / (1 + e)
    au = ai = aj = lr
    if Gu is not None:
        au = lr / math.sqrt(Gu[u])
        if update_items:
            ai, aj = lr / math.sqrt(Gi[i]), lr / math.sqrt(Gi[j])
    gu, gi, gj = z * (qi - qj) - lu * p, z * p - li * qi, -z * p - li * qj
    P[u] = p + au * gu
    if update_items:
        Q[i], Q[j] = qi + ai * gi, qj + aj * gj
        bi, bj = float(b[i]), float(b[j])
        b[i], b[j] = bi + ai * (z - lb * bi), bj + aj * (-z - lb * bj)
    if Gu is not None:
        Gu[u] += np.float32(gu @ gu / k)
        if update_items:
            Gi[i] += np.float32(gi @ gi / k)
            Gi[j] += np.float32(gj @ gj / k)
    return loss


def visit(key, row, sampler, verify, step):
    """The triples of one visit of a user (key, sorted positives ``row``): the positives in
    the order of an ascending Fisher–Yates shuffle (one step per triple), calls ``step(i, j)``
    for each triple not skipped; returns (Σ loss, done)."""
    thr, alias = sampler
    n, rowset, shuffled, loss, done = len(row), set(row.tolist()), row.tolist(), 0.0, 0
    for m in range(n):
        v = draw(key, m)
        r = m + (((v & M32) * (n - m)) >> 32)
        shuffled[m], shuffled[r] = shuffled[r], shuffled[m]
        i = shuffled[m]
        j = alias_draw(thr, alias, v >> 32)
        if (j in rowset) if verify else (j == i):
            continue
        loss += step(i, j)
        done += 1
    return loss, done


def reference_epochs(R, P, Q, b, Gu, Gi, sampler, seed, epochs, lr, reg, reg_bias, verify, k):
    """BPR epochs as bpr.hpp defines them, in place; returns (Σ loss, triples) per epoch."""
    out = []
    for t in epochs:
        ek = draw(seed, t)
        total, count = 0.0, 0
        for u in visiting_order(ek, R.shape[0]):
            row = R.indices[R.indptr[u]:R.indptr[u + 1]]
            if not len(row):
                continue
            key = splitmix_next((ek + (u + 1) * USER_MUL) & M64)[1]
            loss, done = visit(key, row, sampler, verify,
                               lambda i, j, u=u: triple_step(P, Q, b, Gu, Gi, u, i, j, lr, reg,
                                                             reg, reg_bias, k))
            total, count = total + loss, count + done
        out.append((total, count))
    return out


@pytest.fixture(scope="module")
def positives():
    return mfrec.datasets.synthetic(60, 40, 1200, random_state=3).binarize(4)


@pytest.fixture
def at_level():
    before = _core.isa_level()

    def run(level, fn):
        assert _core.set_isa_level(level) == level
        try:
            return fn()
        finally:
            _core.set_isa_level(before)

    yield run
    _core.set_isa_level(before)


# --------------------------------------------------------------------------- the kernel
def _one_triple(P, Q, b, Gu, Gi, lr, reg, reg_bias, adagrad):
    """User 0 with positive item 0; the sampler draws only item 1: exactly one triple."""
    k = P.shape[1]
    thr, alias = negative_sampler(np.array([0.0, 5.0]), "popularity")
    params = _core.BprParams(lr=lr, reg_user=reg, reg_item=reg, reg_bias=reg_bias,
                             adagrad=adagrad, verify=True, n_factors=k, seed=1)
    loss, done, _ = _core.bpr_epochs(np.array([0, 1], np.int64), np.array([0], np.int32), P, Q,
                                     b, Gu, Gi, thr, alias, params=params, first_epoch=0,
                                     n_epochs=1, n_threads=1)
    return float(loss[0]), int(done[0])


finite = st.floats(-1.0, 1.0, width=32)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 40), st.data(), st.floats(1e-4, 0.5), st.floats(0.0, 0.3),
       st.floats(0.0, 0.3), st.booleans())
def test_one_triple_matches_numpy(k, data, lr, reg, reg_bias, adagrad):
    """A BPR update on a single triple (u=0, i=0, j=1) against the formulas in float64."""
    vec = st.lists(finite, min_size=k, max_size=k)
    P = np.array([data.draw(vec)], np.float32)
    Q = np.array([data.draw(vec), data.draw(vec)], np.float32)
    b = np.array(data.draw(st.lists(finite, min_size=2, max_size=2)), np.float32)
    G = st.floats(1.0, 50.0, width=32)
    Gu = np.array([data.draw(G)] if adagrad else [], np.float32)
    Gi = np.array(data.draw(st.lists(G, min_size=2, max_size=2)) if adagrad else [], np.float32)
    want = [a.copy() for a in (P, Q, b, Gu, Gi)]
    want_loss = triple_step(*want[:3], want[3] if adagrad else None, want[4], 0, 0, 1,
                            lr, reg, reg, reg_bias, k)
    loss, done = _one_triple(P, Q, b, Gu, Gi, lr, reg, reg_bias, adagrad)
    assert done == 1
    # float32 dot products of up to 40 terms of size <= 1: absolute errors ~1e-5 at most
    assert loss == pytest.approx(want_loss, rel=1e-5, abs=2e-5)
    for got, exp in zip((P, Q, b, Gu, Gi), want):
        np.testing.assert_allclose(got, exp, rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("k", [5, 16, 40])
@pytest.mark.parametrize("negatives,verify,schedule", [
    ("uniform", True, "constant"), ("popularity", False, "constant"),
    ("popularity", True, "adagrad")])
def test_epochs_match_reference(positives, k, negatives, verify, schedule):
    """Whole epochs of fit() (1 thread) replayed by the pure-Python reference: same initial
    factors, visiting orders, triples and updates; float32 within 1e-4."""
    seed, n_epochs, lr, reg, reg_bias = 7, 2, 0.05, 0.02, 0.005
    model = mfrec.BPR(n_factors=k, n_epochs=n_epochs, lr=lr, reg=reg, reg_bias=reg_bias,
                      negatives=negatives, verify_negatives=verify, lr_schedule=schedule,
                      init_std=0.1, n_threads=1, random_state=seed).fit(positives)
    R = positives.to_csr()
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**63, size=3)
    k_pad = -(-k // _core.sgd_row_floats()) * _core.sgd_row_floats()
    P = np.empty((R.shape[0], k_pad), np.float32)
    Q = np.empty((R.shape[1], k_pad), np.float32)
    _core.init_normal(P, k=k, mean=0.0, std=0.1, seed=int(seeds[0]), n_threads=1)
    _core.init_normal(Q, k=k, mean=0.0, std=0.1, seed=int(seeds[1]), n_threads=1)
    b = np.zeros(R.shape[1], np.float32)
    adagrad = schedule == "adagrad"
    Gu = np.ones(R.shape[0], np.float32) if adagrad else None
    Gi = np.ones(R.shape[1], np.float32) if adagrad else None
    sampler = negative_sampler(positives.item_counts(), negatives)
    losses = reference_epochs(R, P, Q, b, Gu, Gi, sampler, int(seeds[2]), range(n_epochs), lr,
                              reg, reg_bias, verify, k)
    np.testing.assert_allclose(model.user_factors_, P[:, :k], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.item_factors_, Q[:, :k], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.item_bias_, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose([h["loss"] for h in model.history_],
                               [total / count for total, count in losses], rtol=1e-4)


@pytest.mark.parametrize("level", LEVELS[1:])
def test_every_isa_path_matches_generic(positives, at_level, level):
    def fit():
        return mfrec.BPR(n_factors=24, n_epochs=3, n_threads=1, random_state=0,
                         lr_schedule="adagrad").fit(positives)

    base, other = at_level(0, fit), at_level(level, fit)
    for attr in ("user_factors_", "item_factors_", "item_bias_"):
        np.testing.assert_allclose(getattr(other, attr), getattr(base, attr), rtol=1e-3,
                                   atol=1e-5)


def test_alias_table_is_the_distribution():
    rng = np.random.default_rng(0)
    for w in (rng.random(50) ** 3, np.r_[np.zeros(5), rng.integers(0, 4, 30), 0.0],
              np.array([0.0, 1.0]), np.ones(7), np.array([1e-12, 1.0, 1e12])):
        thr, alias = np.empty(len(w), np.uint32), np.empty(len(w), np.int32)
        _core.bpr_alias_table(w.astype(np.float64), thr, alias)
        # the probability of each item: its own share of its column, plus the columns aliased
        # to it (each column is drawn with probability 1/n)
        own = thr.astype(np.float64) / 2**32
        own[alias == np.arange(len(w))] = 1.0
        prob = own.copy()
        np.add.at(prob, alias, np.where(alias == np.arange(len(w)), 0.0, 1.0 - own))
        np.testing.assert_allclose(prob / len(w), w / w.sum(), atol=1e-6)
        assert np.all(prob[w == 0] < 1e-9)  # weight 0: never drawn
        draws = [alias_draw(thr, alias, int(r)) for r in rng.integers(0, 2**32, 2000)]
        assert all(w[j] > 0 for j in draws)
    for bad in (np.zeros(3), np.array([1.0, -1.0]), np.array([np.nan, 1.0])):
        with pytest.raises(ValueError, match="weights"):
            _core.bpr_alias_table(bad, np.empty(len(bad), np.uint32), np.empty(len(bad), np.int32))


def test_negatives_follow_the_sampler():
    """Counts of the negatives drawn from the kernel's streams (reference draws) follow
    uniform / popularity weights over the items with positives."""
    counts = np.array([0, 1, 2, 4, 8, 16, 0, 32])
    for kind, w in (("uniform", (counts > 0) * 1.0), ("popularity", counts * 1.0)):
        thr, alias = negative_sampler(counts, kind)
        draws = np.bincount([alias_draw(thr, alias, draw(99, m) >> 32) for m in range(20000)],
                            minlength=len(counts))
        np.testing.assert_allclose(draws / draws.sum(), w / w.sum(), atol=0.015)


# --------------------------------------------------------------------------- the model
def test_one_thread_is_reproducible_and_epochs_equal_run_all(positives):
    kw = dict(n_factors=8, n_epochs=4, n_threads=1, random_state=5)
    a = mfrec.BPR(**kw).fit(positives)
    b = mfrec.BPR(**kw).fit(positives)
    c = mfrec.BPR(**kw).fit(positives, callback=lambda info: None)  # epoch by epoch
    for attr in ("user_factors_", "item_factors_", "item_bias_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
        np.testing.assert_array_equal(getattr(a, attr), getattr(c, attr))
    assert [h["loss"] for h in a.history_] == [h["loss"] for h in c.history_]
    d = mfrec.BPR(**{**kw, "random_state": 6}).fit(positives)
    assert not np.array_equal(a.item_factors_, d.item_factors_)


def test_two_threads_fit_as_well(positives):
    one = mfrec.BPR(n_factors=8, n_epochs=20, n_threads=1, random_state=0).fit(positives)
    two = mfrec.BPR(n_factors=8, n_epochs=20, n_threads=2, random_state=0).fit(positives)
    assert two.history_[-1]["loss"] == pytest.approx(one.history_[-1]["loss"], rel=0.1)
    assert two.history_[-1]["loss"] < two.history_[0]["loss"]


def test_scores_are_item_bias_plus_dot(positives):
    m = mfrec.BPR(n_factors=6, n_epochs=3, random_state=0).fit(positives)
    u, i = positives.users[:40], positives.items[:40]
    ui, ii = positives.user_index[:40], positives.item_index[:40]
    want = m.item_bias_[ii] + np.einsum("ij,ij->i", m.user_factors_[ui], m.item_factors_[ii])
    np.testing.assert_allclose(m.predict(u, i), want, rtol=1e-5, atol=1e-6)
    assert not m.user_bias_.any() and m.global_mean_ == 0
    # a user the model does not know scores b_i
    got = m.predict([10**6], [positives.item_ids[0]], unknown="baseline")
    assert got[0] == pytest.approx(m.item_bias_[0])


def test_values_and_zeros(positives):
    R = positives.to_csr()
    kw = dict(n_factors=6, n_epochs=3, random_state=0, n_threads=1)
    base = mfrec.BPR(**kw).fit(R)
    scaled = R.copy()
    scaled.data = scaled.data * 7.0  # values are ignored
    np.testing.assert_array_equal(mfrec.BPR(**kw).fit(scaled).item_factors_, base.item_factors_)
    coo = R.tocoo()
    free = int(np.setdiff1d(np.arange(R.shape[1]), R.indices[R.indptr[0]:R.indptr[1]])[0])
    zeros = sp.csr_matrix((np.r_[coo.data, 0.0], (np.r_[coo.row, 0], np.r_[coo.col, free])),
                          shape=R.shape)
    assert zeros.nnz == R.nnz + 1
    z = mfrec.BPR(**kw).fit(zeros)  # a stored zero is not a positive
    np.testing.assert_array_equal(z.item_factors_, base.item_factors_)
    neg = R.copy()
    neg.data[0] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        mfrec.BPR(**kw).fit(neg)


@pytest.mark.parametrize("name,value,exc", [
    ("negatives", "random", ValueError), ("lr_schedule", "adam", ValueError),
    ("verify_negatives", "yes", TypeError), ("lr", 0.0, ValueError), ("reg", -1.0, ValueError),
    ("reg_bias", -0.1, ValueError), ("init_std", -1.0, ValueError), ("n_factors", 0, ValueError),
    ("n_epochs", -1, ValueError), ("lr", float("nan"), ValueError)])
def test_bad_parameters(positives, name, value, exc):
    with pytest.raises(exc, match=name):
        mfrec.BPR(**{"n_epochs": 1, name: value}).fit(positives)


def test_divergence_names_the_learning_rate(positives):
    with pytest.raises(FloatingPointError, match="lr=1e\\+30"):
        mfrec.BPR(n_factors=4, n_epochs=5, lr=1e30, init_std=1.0, random_state=0,
                  n_threads=1).fit(positives)


def test_a_user_with_every_item_is_skipped_not_stuck():
    R = sp.csr_matrix(np.array([[1, 1, 1], [1, 0, 0], [0, 1, 0]], np.float32))
    m = mfrec.BPR(n_factors=4, n_epochs=2, random_state=0, n_threads=1).fit(R)
    assert np.isfinite(m.user_factors_).all()
    only = sp.csr_matrix(np.ones((2, 1), np.float32))  # one item: no negative exists
    m = mfrec.BPR(n_factors=4, n_epochs=2, random_state=0).fit(only)
    assert np.isnan(m.history_[0]["loss"]) and np.isfinite(m.user_factors_).all()


def test_early_stopping_and_validation(ml100k):
    data = ml100k.binarize(4)
    train, valid = mfrec.model_selection.per_user_split(data, 0.2, random_state=0)
    m = mfrec.BPR(n_epochs=60, n_iter_no_change=3, random_state=0).fit(train, eval_set=valid)
    assert "val_ndcg@10" in m.history_[0] and m.best_epoch_ is not None
    assert len(m.history_) <= 60


# --------------------------------------------------------------------------- accuracy
@pytest.fixture(scope="module")
def ml_split(ml100k):
    return mfrec.model_selection.per_user_split(ml100k.binarize(4), 0.2, random_state=0)


@pytest.fixture(scope="module")
def ml_fitted(ml_split):
    """BPR at its defaults on the MovieLens 100K positives' training part."""
    return mfrec.BPR(random_state=0).fit(ml_split[0])


def _ndcg(X, Q, b, train, test, users):
    """NDCG@10 of the top-10 by b_i + x_uᵀq_i, training items filtered (dense, numpy)."""
    S = X[users] @ Q.T + b
    seen = train.to_csr()[users].tocoo()
    S[seen.row, seen.col] = -np.inf
    ids = np.argsort(-S, axis=1, kind="stable")[:, :10]
    return mfrec.metrics.ndcg_at_k(ids, test.to_csr()[users], 10)


def test_accuracy_beats_popularity(ml_split, ml_fitted):
    train, test = ml_split
    m = ml_fitted
    got = mfrec.evaluate(m, test, ["ndcg@10"])["ndcg@10"]
    users = np.flatnonzero(test.user_counts() > 0)
    pop = _ndcg(np.zeros((train.n_users, 1)), np.zeros((train.n_items, 1)),
                train.item_counts().astype(np.float64), train, test, users)
    assert got > 1.2 * pop, (got, pop)


def test_fold_in_training_users_ranks_as_well(ml_split, ml_fitted):
    """Folding the training users in from their own rows (items fixed) gives NDCG@10 within
    10 % of the fitted users'."""
    train, test = ml_split
    m = ml_fitted
    users = np.flatnonzero(test.user_counts() > 0)
    fitted = _ndcg(m.user_factors_, m.item_factors_, m.item_bias_, train, test, users)
    X, xb = m.fold_in(train.to_csr())
    assert X.shape == m.user_factors_.shape and not xb.any()
    folded = _ndcg(X, m.item_factors_, m.item_bias_, train, test, users)
    assert folded >= 0.9 * fitted, (folded, fitted)


# --------------------------------------------------------------------------- fold-in
def test_fold_in_is_deterministic_per_row(positives):
    m = mfrec.BPR(n_factors=8, n_epochs=5, random_state=0).fit(positives)
    R = positives.to_csr()[:12]
    X, _ = m.fold_in(R)
    X1 = np.vstack([m.fold_in(R[u:u + 1])[0] for u in range(R.shape[0])])
    np.testing.assert_array_equal(X, X1)  # a row's result depends on its items alone
    X2, _ = m.fold_in(R[::-1])
    np.testing.assert_array_equal(X2, X[::-1])
    m.set_params(n_threads=1)
    np.testing.assert_array_equal(m.fold_in(R)[0], X)  # and not on the thread count
    empty = sp.csr_matrix((2, R.shape[1]), dtype=np.float32)
    assert not m.fold_in(empty)[0].any()


def test_fold_in_is_the_documented_solve(positives):
    """One fold-in row against the reference: zeros, n_epochs visits with the fold-in key."""
    m = mfrec.BPR(n_factors=5, n_epochs=3, random_state=0, lr_schedule="adagrad").fit(positives)
    R = positives.to_csr()[3:4]
    X, _ = m.fold_in(R)
    row = R.indices
    key = 0x5EED_B1A5
    for item in row.tolist():
        key = splitmix_next((key ^ item) & M64)[1]
    P = np.zeros((1, 5), np.float32)
    Q, b = m.item_factors_.copy(), m.item_bias_.copy()
    Gu = np.ones(1, np.float32)
    sampler = negative_sampler(positives.item_counts(), "uniform")
    for t in range(3):
        visit(draw(key, t), row, sampler, True,
              lambda i, j: triple_step(P, Q, b, Gu, None, 0, i, j, m.lr, m.reg, m.reg, m.reg,
                                       5, update_items=False))
    np.testing.assert_allclose(X, P, rtol=1e-4, atol=1e-6)


def test_add_users_and_no_item_fold_in(positives):
    m = mfrec.BPR(n_factors=6, n_epochs=3, random_state=0).fit(positives)
    R = positives.to_csr()[:3]
    raw = [10**6, 10**6 + 1, 10**6 + 2]
    new = m.add_users(R, user_ids=raw)
    assert list(new) == [positives.n_users, positives.n_users + 1, positives.n_users + 2]
    np.testing.assert_array_equal(m.user_factors_[new], m.fold_in(R)[0])
    ids, _ = m.recommend(raw, n=5)
    for row, u in zip(ids, range(3)):  # their items count as seen
        seen = positives.item_ids[R.indices[R.indptr[u]:R.indptr[u + 1]]]
        assert not set(row.tolist()) & set(seen.tolist())
    with pytest.raises(NotImplementedError, match="new users only"):
        m.fold_in_items(sp.random(m.n_users, 2, density=0.5, format="csr", random_state=0))
    bad = R.copy()
    bad.data[0] = -2.0
    with pytest.raises(ValueError, match="non-negative"):
        m.fold_in(bad)
