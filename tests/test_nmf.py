"""NMF: both trainers against numpy references, non-negativity (property tests), fold-in
against an independent bounded least-squares solve, accuracy and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core
from mfrec.models._sgd import sgd_schedules
from reference import block_order

F32 = np.float32
LEVELS = [level for level in (3, 4) if level <= _core.cpu_isa_level()]


# --------------------------------------------------------------------------- references
def uniform_init(rng, n, k, lo, hi):
    """The trainers' initial factors: Uniform[lo, hi) from the model's Generator, float32."""
    return rng.uniform(lo, hi, size=(n, k)).astype(F32)


def mu_half(indptr, indices, values, X, xb, Y, yb, mu, reg, reg_b, lr_b, biased):
    """One multiplicative half-sweep (the header comment of nmf_mu.hpp), row by row, float32.

    Per row: e = r − r̂, b ← b + γ(e − λ_b b), num += N y, den += D y with c = μ + b + b_j
    (before the bias step), N = r⁺ + c⁻, D = c⁺ + r⁻ + xᵀy; then x ← x·num/(den + λ n x)
    where that denominator is > 0. Returns the row's Σ e² in row order.
    """
    k = X.shape[1]
    sse = 0.0
    for u in range(len(indptr) - 1):
        num, den = np.zeros(k, F32), np.zeros(k, F32)
        b = xb[u] if biased else F32(0)
        x = X[u].copy()
        for e in range(indptr[u], indptr[u + 1]):
            j, r = indices[e], F32(values[e])
            y = Y[j]
            pq = F32(np.dot(x, y))
            c = F32(F32(mu) + b + yb[j]) if biased else F32(0)
            err = F32(r - F32(c + pq))
            sse += float(err) ** 2
            if biased:
                b = F32(b + F32(lr_b) * F32(err - F32(reg_b) * b))
            wn = F32(max(r, 0) + max(-c, 0))
            wd = F32(F32(max(c, 0) + max(-r, 0)) + pq)
            num += wn * y
            den += wd * y
        if biased:
            xb[u] = b
        d = den + F32(reg * (indptr[u + 1] - indptr[u])) * x
        with np.errstate(divide="ignore", invalid="ignore"):
            X[u] = np.where(d > 0, x * (num / d), x)
    return sse


def mu_epoch(data, P, Q, bu, bi, mu, reg, reg_b, lr_b, biased, simultaneous=False):
    """A user half-sweep, then an item half-sweep (against the user rows and biases of the
    epoch's start if simultaneous); returns the item half's Σ e²."""
    R = data.to_csr()
    C = R.T.tocsr()
    C.sort_indices()
    P0, bu0 = P.copy(), bu.copy()
    mu_half(R.indptr, R.indices, R.data, P, bu, Q, bi, mu, reg, reg_b, lr_b, biased)
    Pu, buu = (P0, bu0) if simultaneous else (P, bu)
    return mu_half(C.indptr, C.indices, C.data, Q, bi, Pu, buu, mu, reg, reg_b, lr_b, biased)


def psgd_epoch(order, schedule, ratings, P, Q, bu, bi, mu, lr_b, lr, reg_b, reg, biased,
               G=None):
    """One epoch of projected SGD: the textbook (AdaGrad) update, then max(·, 0)."""
    k = P.shape[1]
    sse = 0.0
    for round_ in schedule:
        for b in round_:
            for u, i, e in order[b]:
                p, q = P[u].copy(), Q[i].copy()
                pred = F32(np.dot(p, q))
                if biased:
                    pred = F32(F32(mu) + bu[u] + bi[i] + pred)
                err = F32(ratings[e] - pred)
                sse += float(err) ** 2
                eta_u = eta_i = F32(1)
                if G is not None:
                    eta_u, eta_i = F32(1) / np.sqrt(G[0][u]), F32(1) / np.sqrt(G[1][i])
                if biased:
                    bu[u] += F32(lr_b) * eta_u * (err - F32(reg_b) * bu[u])
                    bi[i] += F32(lr_b) * eta_i * (err - F32(reg_b) * bi[i])
                gp = err * q - F32(reg) * p
                gq = err * p - F32(reg) * q
                if G is not None:
                    G[0][u] += F32(np.dot(gp, gp) / k)
                    G[1][i] += F32(np.dot(gq, gq) / k)
                P[u] = np.maximum(p + F32(lr) * eta_u * gp, 0)
                Q[i] = np.maximum(q + F32(lr) * eta_i * gq, 0)
    return sse


def nonneg_ridge_reference(Y, cols, vals, reg, reg_b, mu, other_bias, biased):
    """argmin Σ (t − zᵀx)² + n·reg‖p‖² + n·reg_b b² s.t. p ≥ 0, by scipy's bounded least
    squares on the stacked system (an independent solver)."""
    from scipy.optimize import lsq_linear

    n, k = len(cols), Y.shape[1]
    Z = Y[cols].astype(np.float64)
    t = vals.astype(np.float64)
    if biased:
        Z = np.c_[Z, np.ones(n)]
        t = t - mu - other_bias[cols]
    d = Z.shape[1]
    pen = np.sqrt(n * np.r_[np.full(k, reg), [reg_b] if biased else []])
    A = np.vstack([Z, np.diag(pen)])
    rhs = np.r_[t, np.zeros(d)]
    lower = np.r_[np.zeros(k), [-np.inf] if biased else []]
    res = lsq_linear(A, rhs, bounds=(lower, np.full(d, np.inf)), method="bvls", tol=1e-14)
    return res.x[:k], (res.x[k] if biased else 0.0)


# --------------------------------------------------------------------------- the kernels
@pytest.mark.parametrize("biased", [False, True])
@pytest.mark.parametrize("k,order", [(5, "alternating"), (20, "alternating"),
                                     (5, "simultaneous"), (20, "simultaneous"),
                                     (40, "simultaneous"), (60, "alternating"),
                                     (70, "simultaneous")])
def test_mu_matches_numpy_reference(small, biased, k, order):
    """Two epochs, one thread, float32: relative 1e-4 (the order of additions in a dot
    product differs; biased, the bias step's arithmetic too). Unbiased on these ratings (all
    ≥ 0) is the plain path, biased the general one: on AVX2 / AVX-512 rows of up to 64 floats
    (k = 5, 20, 40, 60) take nmf_mu_simd.hpp's row, four ratings' dot products at a time
    (users' and items' rows of every length mod 4), k = 70 the one-at-a-time row."""
    seed, n_epochs = 3, 2
    kw = dict(reg=0.06, reg_bias=0.02, lr_bias=0.005, init_low=0.1, init_high=1.0)
    m = mfrec.NMF(algorithm="mu", n_factors=k, n_epochs=n_epochs, biased=biased, n_threads=1,
                  update_order=order, random_state=seed, **kw).fit(small)
    rng = np.random.default_rng(seed)
    P = uniform_init(rng, small.n_users, k, 0.1, 1.0)
    Q = uniform_init(rng, small.n_items, k, 0.1, 1.0)
    bu, bi = np.zeros(small.n_users, F32), np.zeros(small.n_items, F32)
    mu = F32(small.ratings.mean(dtype=np.float64))
    losses = [mu_epoch(small, P, Q, bu, bi, mu, 0.06, 0.02, 0.005, biased,
                       order == "simultaneous") / small.nnz for _ in range(n_epochs)]
    np.testing.assert_allclose(m.user_factors_, P, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.item_factors_, Q, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.user_bias_, bu if biased else 0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.item_bias_, bi if biased else 0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose([h["loss"] for h in m.history_], losses, rtol=1e-4)


@pytest.mark.parametrize("biased", [False, True])
@pytest.mark.parametrize("schedule", ["constant", "adagrad"])
def test_projected_sgd_matches_numpy_reference(small, biased, schedule):
    """Replays fit()'s draws (ranks, initial factors in rank space, schedules): 2 epochs.
    Unbiased, on ratings shifted by −3 (so that the projection binds there too)."""
    B, seed, n_epochs, k = 3, 11, 2, 7
    lr, reg = (0.01, 0.05) if schedule == "constant" else (0.05, 0.1)
    X = small.to_csr().copy()  # not a view of the session's fixture
    if not biased:
        X.data -= 3
    m = mfrec.NMF(algorithm="sgd", n_factors=k, n_epochs=n_epochs, lr=lr, reg=reg,
                  biased=biased, lr_schedule=schedule, n_blocks=B, n_threads=1,
                  init_high=0.5, random_state=seed).fit(X)
    n_users, n_items = X.shape
    rng = np.random.default_rng(seed)
    ur = rng.permutation(n_users).astype(np.int32)
    ir = rng.permutation(n_items).astype(np.int32)
    P = uniform_init(rng, n_users, k, 0.0, 0.5)
    Q = uniform_init(rng, n_items, k, 0.0, 0.5)
    bu, bi = np.zeros(n_users, F32), np.zeros(n_items, F32)
    mu = F32(X.data.mean(dtype=np.float64)) if biased else F32(0)
    order = block_order(X.indptr, X.indices, ur, ir, B)
    G = None
    if schedule == "adagrad":
        G = (np.ones(n_users, F32), np.ones(n_items, F32))
    losses = [psgd_epoch(order, sched, X.data, P, Q, bu, bi, mu, lr, lr, reg, reg, biased,
                         G) / X.nnz
              for sched in sgd_schedules(rng, B, n_epochs)]
    assert (P >= 0).all() and (P == 0).any()  # the projection was active
    np.testing.assert_allclose(m.user_factors_, P[ur], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.item_factors_, Q[ir], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.user_bias_, bu[ur], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose([h["loss"] for h in m.history_], losses, rtol=1e-4)


@pytest.mark.parametrize("order", ["alternating", "simultaneous"])
def test_mu_bit_identical_at_any_thread_count(small, order):
    kw = dict(algorithm="mu", biased=True, n_factors=12, n_epochs=6, random_state=4,
              update_order=order)
    a = mfrec.NMF(n_threads=1, **kw).fit(small)
    for b in (mfrec.NMF(n_threads=1, **kw).fit(small), mfrec.NMF(n_threads=2, **kw).fit(small),
              mfrec.NMF(n_threads=3, **kw).fit(small, callback=lambda info: None)):
        for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
            np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
        assert [h["loss"] for h in a.history_] == [h["loss"] for h in b.history_]


def test_sgd_bit_identical_for_fixed_blocks(small):
    kw = dict(algorithm="sgd", biased=True, n_factors=16, n_epochs=5, n_blocks=4,
              random_state=7)
    a = mfrec.NMF(n_threads=1, **kw).fit(small)
    b = mfrec.NMF(n_threads=2, **kw).fit(small, callback=lambda info: None)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_bias_, b.item_bias_)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("algorithm,biased", [("mu", True), ("mu", False), ("sgd", True)])
def test_isa_paths_agree(small, level, algorithm, biased):
    before = _core.isa_level()
    kw = dict(algorithm=algorithm, biased=biased, n_factors=20, n_epochs=3, n_blocks=2,
              random_state=0)
    try:
        _core.set_isa_level(level)
        got = mfrec.NMF(**kw).fit(small)
        _core.set_isa_level(0)
        ref = mfrec.NMF(**kw).fit(small)
    finally:
        _core.set_isa_level(before)
    np.testing.assert_allclose(got.user_factors_, ref.user_factors_, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(got.item_bias_, ref.item_bias_, rtol=1e-3, atol=1e-4)


def test_zero_denominators_make_no_nan(small):
    """All-zero factors: every denominator of the multiplicative update is 0 (no penalty,
    no prediction); the factors stay 0 and the biases still train."""
    for biased in (False, True):
        m = mfrec.NMF(algorithm="mu", biased=biased, init_low=0.0, init_high=0.0, reg=0.0,
                      n_factors=4, n_epochs=3, random_state=0).fit(small)
        assert np.isfinite(m.user_factors_).all() and not m.user_factors_.any()
        assert not m.item_factors_.any()
        assert np.isfinite(m.item_bias_).all() and (m.item_bias_.any() == biased)
    # user 0 rates only item 0, whose factors are 0: that row's denominators are 0 (reg 0),
    # so its factors stay as they are; item 0's stay 0 (a product with 0)
    X = sp.csr_matrix(np.array([[5, 0], [0, 4]], dtype=np.float32))
    X.sort_indices()
    C = X.T.tocsr()
    P = np.array([[1, 2], [0.5, 0.5]], np.float32)
    Q = np.array([[0, 0], [1, 1]], np.float32)
    b = np.zeros(2, np.float32)
    i64, i32 = np.int64, np.int32
    sse, _ = _core.nmf_mu_epochs(X.indptr.astype(i64), X.indices.astype(i32), X.data,
                                 C.indptr.astype(i64), C.indices.astype(i32), C.data, P, Q, b, b,
                                 params=_core.NmfParams(reg_p=0.0, reg_q=0.0), n_epochs=3,
                                 n_threads=2)
    np.testing.assert_array_equal(P[0], [1, 2])
    np.testing.assert_array_equal(Q[0], [0, 0])
    assert np.isfinite(P).all() and np.isfinite(Q).all() and np.isfinite(sse).all()


def test_negative_ratings_keep_factors_nonnegative():
    rng = np.random.default_rng(0)
    X = sp.random(40, 30, density=0.3, format="csr", random_state=1, dtype=np.float32)
    X.data = rng.uniform(-3, 3, X.nnz).astype(np.float32)
    for kw in (dict(algorithm="mu"), dict(algorithm="mu", biased=True),
               dict(algorithm="sgd", biased=True), dict(algorithm="sgd", lr=0.01)):
        m = mfrec.NMF(n_factors=5, n_epochs=20, random_state=0, **kw).fit(X)
        assert (m.user_factors_ >= 0).all() and (m.item_factors_ >= 0).all(), kw
        assert np.isfinite(m.history_[-1]["loss"])


def test_training_loss_decreases(small):
    for kw in (dict(algorithm="mu"), dict(algorithm="mu", biased=True),
               dict(algorithm="sgd", lr_schedule="constant", lr=0.005)):
        m = mfrec.NMF(n_factors=10, n_epochs=12, random_state=0, **kw).fit(small)
        loss = [h["loss"] for h in m.history_]
        assert loss[-1] < 0.9 * loss[0], kw


# --------------------------------------------------------------------------- property tests
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def random_problem(draw):
    n_users, n_items = draw(st.integers(1, 12)), draw(st.integers(1, 10))
    dense = np.array(draw(st.lists(st.one_of(st.just(0.0), st.floats(-10, 20, width=32)),
                                   min_size=n_users * n_items, max_size=n_users * n_items)),
                     dtype=np.float32).reshape(n_users, n_items)
    X = sp.csr_matrix(dense)
    params = dict(
        algorithm=draw(st.sampled_from(["mu", "sgd"])), biased=draw(st.booleans()),
        n_factors=draw(st.integers(1, 6)), n_epochs=draw(st.integers(0, 8)),
        reg=draw(st.sampled_from([0.0, 0.02, 0.3])), lr=draw(st.sampled_from([0.001, 0.05])),
        lr_schedule=draw(st.sampled_from(["adagrad", "constant"])),
        init_low=draw(st.sampled_from([0.0, 0.2])), init_high=draw(st.sampled_from([0.2, 2.0])),
        n_threads=draw(st.sampled_from([1, 2])), random_state=draw(st.integers(0, 5)))
    def rows(n, m):  # n new rows over m fixed columns
        cells = st.lists(st.one_of(st.just(0.0), st.floats(-5, 10, width=32)), min_size=n * m,
                         max_size=n * m)
        return sp.csr_matrix(np.array(draw(cells), dtype=np.float32).reshape(n, m))

    return X, params, rows(3, n_items), rows(n_users, 2)


@PROPERTY
@given(random_problem())
def test_factors_are_never_negative(problem):
    """Any ratings (negative ones included), any parameters: fitted and folded-in factors
    are >= 0, or the fit stops with a documented error (no data, divergence)."""
    X, params, new_users, new_items = problem
    try:
        m = mfrec.NMF(**params).fit(X)
    except ValueError as exc:  # no interactions at all
        assert "no interactions" in str(exc) or "no training data" in str(exc)
        return
    except FloatingPointError as exc:  # steps too large for these values
        assert "diverged" in str(exc)
        return
    assert (m.user_factors_ >= 0).all() and (m.item_factors_ >= 0).all()
    for f, b in (m.fold_in(new_users), m.fold_in_items(new_items)):
        assert (f >= 0).all() and np.isfinite(f).all() and np.isfinite(b).all()


# --------------------------------------------------------------------------- fold-in
@pytest.mark.parametrize("kw", [dict(algorithm="mu"), dict(algorithm="mu", biased=True),
                                dict(algorithm="sgd", biased=True, reg_bias=0.3)])
def test_fold_in_is_the_nonnegative_ridge_solve(small, kw):
    m = mfrec.NMF(n_factors=8, n_epochs=10, random_state=0, **kw).fit(small)
    R = small.to_csr()[:40]
    f, b = m.fold_in(R)
    biased = m._biased
    active = 0
    for u in range(R.shape[0]):
        cols, vals = R.indices[R.indptr[u]:R.indptr[u + 1]], R.data[R.indptr[u]:R.indptr[u + 1]]
        x, xb = nonneg_ridge_reference(m.item_factors_, cols, vals, m.reg,
                                       m._check_params()["reg_bias"],
                                       m.global_mean_, m.item_bias_, biased)
        np.testing.assert_allclose(f[u], x, rtol=2e-4, atol=2e-5)
        np.testing.assert_allclose(b[u], xb, rtol=2e-4, atol=2e-5)
        active += int(np.sum(x == 0))
    assert (f >= 0).all() and active > 0  # the constraint binds somewhere
    # fold_in_items: the same solve with the user side fixed and the item regularization
    m.set_params(reg_item=0.5)
    C = small.to_csr()[:, :15]
    fi, bi = m.fold_in_items(C)
    Ct = C.T.tocsr()
    for i in range(5):
        s = slice(Ct.indptr[i], Ct.indptr[i + 1])
        cols, vals = Ct.indices[s], Ct.data[s]
        x, xb = nonneg_ridge_reference(m.user_factors_, cols, vals, 0.5,
                                       m._check_params()["reg_bias"],
                                       m.global_mean_, m.user_bias_, biased)
        np.testing.assert_allclose(fi[i], x, rtol=2e-4, atol=2e-5)
        np.testing.assert_allclose(bi[i], xb, rtol=2e-4, atol=2e-5)


def test_fold_in_satisfies_kkt(small):
    """The solve's optimality conditions, checked directly: gradient 0 on positive factors
    and the bias, >= 0 on factors at 0."""
    m = mfrec.NMF(n_factors=12, n_epochs=20, biased=True, random_state=1).fit(small)
    R = small.to_csr()[100:130]
    f, b = m.fold_in(R)
    Y = m.item_factors_.astype(np.float64)
    for u in range(R.shape[0]):
        cols, vals = R.indices[R.indptr[u]:R.indptr[u + 1]], R.data[R.indptr[u]:R.indptr[u + 1]]
        n = len(cols)
        resid = vals - m.global_mean_ - m.item_bias_[cols] - b[u] - Y[cols] @ f[u]
        grad = -Y[cols].T @ resid + n * m.reg * f[u]
        gb = -resid.sum() + n * 0.02 * b[u]  # the default reg_bias of "mu"
        scale = np.abs(Y[cols].T @ vals).max()
        assert abs(gb) < 1e-3 * scale
        assert np.all(np.abs(grad[f[u] > 0]) < 1e-3 * scale)
        assert np.all(grad[f[u] == 0] > -1e-3 * scale)


def test_add_users_registers_the_fold_in(small):
    m = mfrec.NMF(n_factors=6, n_epochs=5, biased=True, random_state=0).fit(small)
    rows = small.to_csr()[:3]
    f, b = m.fold_in(rows)
    n0 = rows.indptr[1]
    new = mfrec.Interactions([10**6] * n0, small.item_ids[rows.indices[:n0]], rows.data[:n0])
    inner = m.add_users(new)
    np.testing.assert_array_equal(m.user_factors_[inner[0]], f[0])
    assert m.user_bias_[inner[0]] == b[0]
    assert m.recommend([10**6], n=3)[0].shape == (1, 3)
    empty, eb = m.fold_in(sp.csr_matrix((2, small.n_items), dtype=np.float32))
    assert not empty.any() and not eb.any()


def test_nonneg_kernel_checks_its_input():
    Y = np.ones((3, 2), np.float32)
    X = np.zeros((1, 2), np.float32)
    prm = _core.AlsParams(reg=0.1, reg_count=True)
    ip, ix, v = np.array([0, 1], np.int64), np.array([5], np.int32), np.ones(1, np.float32)
    with pytest.raises(ValueError, match="out of range"):
        _core.nonneg_ridge_rows(ip, ix, v, X, Y, params=prm, n_threads=1)
    with pytest.raises(ValueError, match="explicit"):
        _core.nonneg_ridge_rows(ip, ix, v, X, Y, params=_core.AlsParams(implicit=True),
                                n_threads=1)
    with pytest.raises(ValueError, match="x_bias"):
        _core.nonneg_ridge_rows(ip, np.array([1], np.int32), v, X, Y,
                                params=_core.AlsParams(augment=True), n_threads=1)


def test_mu_kernel_checks_its_input():
    P, Q = np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)
    b = np.zeros(2, np.float32)
    ip, ix, v = np.array([0, 1, 1], np.int64), np.array([7], np.int32), np.ones(1, np.float32)
    ok = np.array([0], np.int32)
    with pytest.raises(ValueError, match="out of range"):
        _core.nmf_mu_epochs(ip, ix, v, ip, ok, v, P, Q, b, b, params=_core.NmfParams(),
                            n_epochs=1, n_threads=1)
    with pytest.raises(ValueError, match="same ratings"):
        _core.nmf_mu_epochs(ip, ok, v, np.array([0, 0, 0], np.int64), ok[:0], v[:0], P, Q, b,
                            b, params=_core.NmfParams(), n_epochs=1, n_threads=1)


# --------------------------------------------------------------------------- accuracy
def test_movielens_accuracy(ml100k):
    """ML-100K 80/20 (seed 0). Surprise's NMF settings: Surprise reaches RMSE ≈ 0.96 here."""
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    surprise = mfrec.NMF(algorithm="mu", update_order="simultaneous", n_factors=15,
                         n_epochs=50, biased=False, reg=0.06, reg_bias=0.02, lr_bias=0.005,
                         init_low=0.0, init_high=1.0, random_state=0).fit(train)
    assert mfrec.evaluate(surprise, test)["rmse"] < 0.975
    default = mfrec.NMF(random_state=0).fit(train)
    assert mfrec.evaluate(default, test)["rmse"] < 0.975


# --------------------------------------------------------------------------- parameters
def test_bias_defaults_follow_the_algorithm():
    """Unset, the bias terms are Surprise's with "mu" and lr / reg with "sgd"."""
    p = mfrec.NMF()._check_params()
    assert (p["lr_bias"], p["reg_bias"]) == (0.005, 0.02)
    p = mfrec.NMF(algorithm="sgd", lr=0.03, reg=0.07)._check_params()
    assert (p["lr_bias"], p["reg_bias"]) == (0.03, 0.07)
    p = mfrec.NMF(algorithm="sgd", lr_bias=0.1, reg_bias=0.2)._check_params()
    assert (p["lr_bias"], p["reg_bias"]) == (0.1, 0.2)


@pytest.mark.parametrize("kw,exc,match", [
    (dict(algorithm="als"), ValueError, "algorithm"),
    (dict(init_low=-0.1), ValueError, "init_low"),
    (dict(init_low=0.5, init_high=0.2), ValueError, "init_high"),
    (dict(lr_schedule="adam"), ValueError, "lr_schedule"),
    (dict(update_order="jacobi"), ValueError, "update_order"),
    (dict(reg=-1.0), ValueError, "reg"),
    (dict(reg_user=-1.0), ValueError, "reg_user"),
    (dict(lr=0.0), ValueError, "lr"),
    (dict(lr_bias="x"), TypeError, "lr_bias"),
    (dict(biased="yes"), TypeError, "biased"),
    (dict(n_blocks=0), ValueError, "n_blocks"),
    (dict(init_high=float("inf")), ValueError, "init_high"),
])
def test_bad_parameters(small, kw, exc, match):
    with pytest.raises(exc, match=match):
        mfrec.NMF(n_epochs=1, **kw).fit(small)


def test_divergence_names_the_learning_rate(small):
    for cb in (None, lambda info: None):
        m = mfrec.NMF(algorithm="sgd", biased=True, lr=80.0, lr_schedule="constant",
                      n_epochs=5, random_state=0)
        with pytest.raises(FloatingPointError, match="lr=80"):
            m.fit(small, callback=cb)
        assert not hasattr(m, "user_factors_")


def test_mu_divergence_stops_after_the_epoch(small):
    """A bias step far too large: the epochs stop after the first non-finite loss, at any
    thread count, and fit names the step."""
    for n_threads in (1, 2):
        for cb in (None, lambda info: None):
            m = mfrec.NMF(biased=True, lr_bias=50.0, n_epochs=6, n_threads=n_threads,
                          random_state=0)
            with pytest.raises(FloatingPointError, match="lr_bias=50"):
                m.fit(small, callback=cb)
            assert not hasattr(m, "user_factors_")
    R = small.to_csr()
    C = R.T.tocsr()
    C.sort_indices()
    i64, i32 = np.int64, np.int32
    runs = []
    for n_threads in (1, 2):
        P = np.full((small.n_users, 8), 0.5, F32)
        Q = np.full((small.n_items, 8), 0.5, F32)
        bu, bi = np.zeros(small.n_users, F32), np.zeros(small.n_items, F32)
        sse, secs = _core.nmf_mu_epochs(
            R.indptr.astype(i64), R.indices.astype(i32), R.data, C.indptr.astype(i64),
            C.indices.astype(i32), C.data, P, Q, bu, bi,
            params=_core.NmfParams(mu=3.5, biased=True, lr_bu=50.0, lr_bi=50.0), n_epochs=6,
            n_threads=n_threads)
        assert len(sse) == len(secs) < 6 and not np.isfinite(sse[-1])
        assert np.isfinite(sse[:-1]).all()
        runs.append(len(sse))
    assert runs[0] == runs[1]
