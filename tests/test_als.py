"""ALS and ImplicitALS: exact row solves against numpy, CG vs Cholesky, monotone objectives,
thread independence, parity with implicit, MovieLens accuracy and input checks.

Every reference here is written from the model's documented loss, densely in float64 on the
small synthetic set (300 users × 200 items), not from the C++ kernel.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core
from mfrec._engine import LocalAls

K = 6  # factors: small, so that the dense normal equations are cheap and well conditioned


# --------------------------------------------------------------------------- references
def dense(data):
    """(R, M): the ratings as a dense float64 matrix and the mask of observed pairs."""
    R = data.to_csr().toarray().astype(np.float64)
    M = np.zeros(R.shape, dtype=bool)
    M[data.user_index, data.item_index] = True
    return R, M


def confidence(r, alpha, kind="linear", epsilon=1.0):
    """c = 1 + alpha·r or 1 + alpha·log(1 + r/epsilon), float64."""
    r = np.asarray(r, dtype=np.float64)
    return 1.0 + alpha * (r if kind == "linear" else np.log1p(r / epsilon))


def explicit_rows(Y, ybias, mu, reg, count, biased, rows, R, M):
    """Exact solutions of the explicit ALS row problems of ``rows`` (one per row, float64).

    Row u: minimize Σ_j (t_j − z_jᵀx)² + λ‖x‖² over its observed j, with z_j = [y_j, 1],
    t_j = r_uj − μ − b_j, x = [p_u, b_u] when biased (else z_j = y_j, t_j = r_uj), and
    λ = reg·n_u (count) or reg — the bias is regularized like the factors.
    """
    out = []
    for u in rows:
        j = np.flatnonzero(M[u])
        Z = Y[j].astype(np.float64)
        t = R[u, j].copy()
        if biased:
            Z = np.hstack([Z, np.ones((len(j), 1))])
            t -= mu + ybias[j].astype(np.float64)
        lam = reg * len(j) if count else reg
        out.append(np.linalg.solve(Z.T @ Z + lam * np.eye(Z.shape[1]), Z.T @ t))
    return np.array(out)


def implicit_rows(Y, C, M, reg, rows):
    """Hu-Koren-Volinsky rows: (YᵀY + Σ_j (c_j − 1) y_j y_jᵀ + λI) x = Σ_j c_j y_j."""
    Y = Y.astype(np.float64)
    G = Y.T @ Y
    out = []
    for u in rows:
        j = np.flatnonzero(M[u])
        c = C[u, j]
        A = G + (Y[j].T * (c - 1.0)) @ Y[j] + reg * np.eye(Y.shape[1])
        out.append(np.linalg.solve(A, Y[j].T @ c))
    return np.array(out)


def implicit_loss(X, Y, C, P, reg):
    """Σ_all c (p − xᵀy)² + λ(‖X‖² + ‖Y‖²), densely (c = 1 and p = 0 where unobserved)."""
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    S = X @ Y.T
    return float(np.sum(C * (P - S) ** 2) + reg * (np.sum(X * X) + np.sum(Y * Y)))


def explicit_objective(model, R, M, reg, count):
    """Σ_obs (r − r̂)² + Σ_u λ_u(‖p_u‖² + b_u²) + Σ_i λ_i(‖q_i‖² + b_i²) (the ALS docstring)."""
    P, Q = model.user_factors_.astype(np.float64), model.item_factors_.astype(np.float64)
    bu, bi = model.user_bias_.astype(np.float64), model.item_bias_.astype(np.float64)
    S = P @ Q.T
    if model.biased:
        S += model.global_mean_ + bu[:, None] + bi[None, :]
    lu = reg * M.sum(1) if count else np.full(M.shape[0], reg)
    li = reg * M.sum(0) if count else np.full(M.shape[1], reg)
    return float(np.sum(((R - S) * M) ** 2) + lu @ (np.sum(P * P, 1) + bu**2)
                 + li @ (np.sum(Q * Q, 1) + bi**2))


def assert_close(got, want, rel):
    """Elementwise |got − want| <= rel·(|want| + max|want|): relative to the row's scale."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    np.testing.assert_allclose(got, want, rtol=rel, atol=rel * np.abs(want).max())


def csr_parts(m):
    m = sp.csr_matrix(m)
    m.sort_indices()
    return (m.indptr.astype(np.int64), m.indices.astype(np.int32),
            np.ascontiguousarray(m.data, dtype=np.float32))


ROWS_U = [0, 1, 7, 42, 150, 299]
ROWS_I = [0, 3, 17, 64, 120, 199]


# --------------------------------------------------------------------------- 1. exact rows
@pytest.mark.parametrize("biased", [True, False])
@pytest.mark.parametrize("reg_scaling,reg", [("count", 0.1), ("none", 2.0)])
def test_explicit_rows_are_exact_ridge_solves(small, biased, reg_scaling, reg):
    R, M = dense(small)
    count = reg_scaling == "count"
    m = mfrec.ALS(n_factors=K, n_epochs=1, reg=reg, reg_scaling=reg_scaling, biased=biased,
                  solver="cholesky", random_state=0, n_threads=1).fit(small)
    mu = m.global_mean_
    # The last half-sweep of fit solved the items with the users fixed.
    want = explicit_rows(m.user_factors_, m.user_bias_, mu, reg, count, biased, ROWS_I, R.T,
                         M.T)
    got = m.item_factors_[ROWS_I]
    if biased:
        got = np.c_[got, m.item_bias_[ROWS_I]]
    else:
        assert not m.user_bias_.any() and not m.item_bias_.any()
    assert_close(got, want, 1e-4)

    # One more user half-sweep with the items fixed, straight through the kernel.
    X, bu = m.user_factors_.copy(), m.user_bias_.copy()
    _core.als_half_sweep(small.indptr, small.item_index, small.ratings, X, m.item_factors_,
                         x_bias=bu if biased else None,
                         other_bias=m.item_bias_ if biased else None,
                         params=_core.AlsParams(reg=reg, reg_count=count, augment=biased,
                                                mu=mu if biased else 0.0, cg_steps=0),
                         n_threads=1)
    want = explicit_rows(m.item_factors_, m.item_bias_, mu, reg, count, biased, ROWS_U, R, M)
    got = np.c_[X[ROWS_U], bu[ROWS_U]] if biased else X[ROWS_U]
    assert_close(got, want, 1e-4)


@pytest.mark.parametrize("kind,alpha,epsilon", [("linear", 3.0, 1.0), ("log", 4.0, 0.5)])
def test_implicit_rows_are_exact_solves(small, kind, alpha, epsilon):
    _, M = dense(small)
    R = small.to_csr().toarray().astype(np.float64)
    C = np.where(M, confidence(R, alpha, kind, epsilon), 1.0)
    reg = 0.5
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=1, reg=reg, alpha=alpha, confidence=kind,
                          epsilon=epsilon, solver="cholesky", random_state=0,
                          n_threads=1).fit(small)
    want = implicit_rows(m.user_factors_, C.T, M.T, reg, ROWS_I)
    assert_close(m.item_factors_[ROWS_I], want, 1e-4)

    # Users, with the confidences computed here (not by the model).
    conf = confidence(small.ratings, alpha, kind, epsilon).astype(np.float32)
    X = m.user_factors_.copy()
    _core.als_half_sweep(small.indptr, small.item_index, conf, X, m.item_factors_,
                         params=_core.AlsParams(reg=reg, implicit=True, cg_steps=0),
                         gram=_core.gram(m.item_factors_, n_threads=1), n_threads=1)
    assert_close(X[ROWS_U], implicit_rows(m.item_factors_, C, M, reg, ROWS_U), 1e-4)


def test_gram_is_yty():
    Y = np.random.default_rng(0).standard_normal((5000, 7)).astype(np.float32)
    Y64 = Y.astype(np.float64)
    assert_close(_core.gram(Y, n_threads=2), Y64.T @ Y64, 1e-5)


# --------------------------------------------------------------------------- 2. CG = Cholesky
CONFIGS = {  # name: (implicit, augment, reg, reg_count)
    "explicit-biased": (False, True, 0.1, True),
    "explicit-unbiased": (False, False, 0.1, True),
    "explicit-none": (False, True, 1.0, False),
    "implicit": (True, False, 0.1, False),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_cg_with_enough_steps_equals_cholesky(small, name):
    """CG is exact after d steps (d = k, + 1 for the bias): one half-sweep from one start."""
    implicit, aug, reg, count = CONFIGS[name]
    rng = np.random.default_rng(0)
    X0 = (rng.standard_normal((small.n_users, K)) * 0.1).astype(np.float32)
    Y = (rng.standard_normal((small.n_items, K)) * 0.1).astype(np.float32)
    bu0 = (rng.standard_normal(small.n_users) * 0.1).astype(np.float32)
    bi = (rng.standard_normal(small.n_items) * 0.1).astype(np.float32)
    data = confidence(small.ratings, 5.0).astype(np.float32) if implicit else small.ratings
    mu = float(small.ratings.mean()) if aug else 0.0
    d = K + aug
    out = {}
    G = _core.gram(Y, n_threads=1) if implicit else None

    def sweep(X, bu, steps):
        prm = _core.AlsParams(reg=reg, reg_count=count, implicit=implicit, augment=aug, mu=mu,
                              cg_steps=steps)
        _core.als_half_sweep(small.indptr, small.item_index, data, X, Y, params=prm, gram=G,
                             x_bias=bu if aug else None, other_bias=bi if aug else None,
                             n_threads=1)

    for steps in (0, d, d + 3):
        X, bu = X0.copy(), bu0.copy()
        sweep(X, bu, steps)
        out[steps] = np.c_[X, bu] if aug else X
    assert_close(out[d], out[0], 1e-3)
    assert_close(out[d + 3], out[0], 1e-3)
    # ... and few steps are not (the comparison has teeth).
    X, bu = X0.copy(), bu0.copy()
    sweep(X, bu, 1)
    assert np.abs((np.c_[X, bu] if aug else X) - out[0]).max() > 1e-2 * np.abs(out[0]).max()


@pytest.mark.parametrize("cls,extra", [(mfrec.ALS, 1), (mfrec.ImplicitALS, 0)])
def test_cg_fit_equals_cholesky_fit(small, cls, extra):
    kw = dict(n_factors=K, n_epochs=1, random_state=5, n_threads=1)
    chol = cls(solver="cholesky", **kw).fit(small)
    cg = cls(solver="cg", cg_steps=K + extra, **kw).fit(small)
    for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
        a, b = getattr(cg, attr), getattr(chol, attr)
        if b.any():
            assert_close(a, b, 1e-3)
        else:
            assert not a.any()


# --------------------------------------------------------------------------- 3. monotone
@pytest.mark.parametrize("biased", [True, False])
@pytest.mark.parametrize("reg_scaling", ["count", "none"])
def test_als_objective_non_increasing(small, biased, reg_scaling):
    """Each exact half-sweep minimizes the regularized objective over one side."""
    R, M = dense(small)
    reg = 0.05
    model = mfrec.ALS(n_factors=K, n_epochs=8, reg=reg, reg_scaling=reg_scaling,
                      biased=biased, solver="cholesky", random_state=0, n_threads=2)
    objective = []
    model.fit(small, callback=lambda info: objective.append(
        explicit_objective(model, R, M, reg, reg_scaling == "count")))
    objective = np.array(objective)
    assert len(objective) == 8
    assert np.all(np.diff(objective) <= 1e-5 * objective[:-1])
    assert objective[-1] < 0.8 * objective[0]
    # the reported loss is the training MSE of the model after the epoch
    pred = model.predict(small.users, small.items, clip=False)
    assert model.history_[-1]["loss"] == pytest.approx(np.mean((pred - small.ratings) ** 2),
                                                       rel=1e-5)


@pytest.mark.parametrize("kind", ["linear", "log"])
def test_implicit_loss_non_increasing(small, kind):
    model = mfrec.ImplicitALS(n_factors=K, n_epochs=8, confidence=kind, alpha=10.0,
                              solver="cholesky", random_state=0).fit(small)
    loss = np.array([h["loss"] for h in model.history_])
    assert np.all(np.diff(loss) <= 1e-6 * loss[:-1])
    assert loss[-1] < loss[0]


# --------------------------------------------------------------------------- 4. threads
@pytest.mark.parametrize("solver", ["cg", "cholesky"])
@pytest.mark.parametrize("cls,kw", [(mfrec.ALS, {}), (mfrec.ALS, {"biased": False}),
                                    (mfrec.ALS, {"reg_scaling": "none"}),
                                    (mfrec.ImplicitALS, {}),
                                    (mfrec.ImplicitALS, {"confidence": "log"})])
def test_bit_identical_across_thread_counts(small, solver, cls, kw):
    fits = [cls(n_factors=10, n_epochs=3, solver=solver, random_state=7, n_threads=t,
                **kw).fit(small) for t in (1, 2)]
    for attr in ("user_factors_", "item_factors_", "user_bias_", "item_bias_"):
        assert np.array_equal(getattr(fits[0], attr), getattr(fits[1], attr)), attr
    assert [h["loss"] for h in fits[0].history_] == [h["loss"] for h in fits[1].history_]
    # and the seed matters
    other = cls(n_factors=10, n_epochs=3, solver=solver, random_state=8, n_threads=1,
                **kw).fit(small)
    assert not np.array_equal(other.user_factors_, fits[0].user_factors_)


# --------------------------------------------------------------------------- 5. implicit
def test_implicit_loss_kernel_matches_dense(small):
    _, M = dense(small)
    P = M.astype(np.float64)
    R = small.to_csr().toarray()
    conf = confidence(small.ratings, 7.0).astype(np.float32)
    C = np.where(M, confidence(R, 7.0), 1.0)
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((small.n_users, K)) * 0.3).astype(np.float32)
    Y = (rng.standard_normal((small.n_items, K)) * 0.3).astype(np.float32)
    for threads in (1, 2):
        got = _core.implicit_loss(small.indptr, small.item_index, conf, X, Y,
                                  gram=_core.gram(Y, n_threads=threads), reg=0.3,
                                  n_threads=threads)
        assert got == pytest.approx(implicit_loss(X, Y, C, P, 0.3), rel=1e-5)
    # the per-epoch loss is that objective over the total confidence Σ_all c
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=2, alpha=7.0, reg=0.3, confidence="linear",
                          random_state=0).fit(small)
    want = implicit_loss(m.user_factors_, m.item_factors_, C, P, 0.3) / C.sum()
    assert m.history_[-1]["loss"] == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("use_cg", [True, False])
def test_parity_with_implicit(small, monkeypatch, use_cg):
    """Same start, same confidences: implicit's ALS and ours give the same losses and factors.

    implicit (0.7) also solves all users then all items per iteration, with the same CG
    (warm start, 3 steps) or an exact solve, so the factor matrices agree to float32
    rounding (observed ≈ 1e-5 relative); asserted at 1e-3.
    """
    pytest.importorskip("implicit")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from implicit.cpu.als import AlternatingLeastSquares

    k, reg, alpha, n_iter = 8, 0.1, 2.0, 5
    _, M = dense(small)
    P = M.astype(np.float64)
    Cs = small.to_csr().astype(np.float32)
    Cs.data = confidence(Cs.data, alpha).astype(np.float32)  # implicit: value = c
    C = np.where(M, Cs.toarray(), 1.0)
    rng = np.random.default_rng(0)
    X0 = (rng.standard_normal((small.n_users, k)) * 0.1).astype(np.float32)
    Y0 = (rng.standard_normal((small.n_items, k)) * 0.1).astype(np.float32)
    start = LocalAls.init_factors

    def init_factors(self, *args, **kwargs):  # the same start as implicit's
        start(self, *args, **kwargs)
        self.X, self.Y = X0.copy(), Y0.copy()

    monkeypatch.setattr(LocalAls, "init_factors", init_factors)

    ours = []
    model = mfrec.ImplicitALS(n_factors=k, n_epochs=n_iter, reg=reg, alpha=alpha,
                              confidence="linear",
                              solver="cg" if use_cg else "cholesky", cg_steps=3, n_threads=1)
    model.fit(small, callback=lambda info: ours.append(
        (model.user_factors_.copy(), model.item_factors_.copy())))

    theirs = []
    with threadpoolctl.threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # implicit's OpenBLAS threadpool advice
        peer = AlternatingLeastSquares(factors=k, iterations=n_iter, regularization=reg,
                                       alpha=1.0, use_cg=use_cg, random_state=0,
                                       num_threads=1, calculate_training_loss=False)
        peer.cg_steps = 3
        peer.user_factors, peer.item_factors = X0.copy(), Y0.copy()
        peer.fit(Cs, show_progress=False, callback=lambda it, elapsed, loss: theirs.append(
            (peer.user_factors.copy(), peer.item_factors.copy())))

    assert len(ours) == len(theirs) == n_iter
    loss_ours = np.array([implicit_loss(X, Y, C, P, reg) for X, Y in ours])
    loss_theirs = np.array([implicit_loss(X, Y, C, P, reg) for X, Y in theirs])
    for it in (1, 3, 5):
        assert abs(loss_ours[it - 1] / loss_theirs[it - 1] - 1) < 1e-3, it
    np.testing.assert_allclose(loss_ours, loss_theirs, rtol=1e-3)
    assert np.all(np.diff(loss_theirs) < 0)  # the curve goes somewhere: both descend
    assert loss_ours[-1] < 0.7 * implicit_loss(X0, Y0, C, P, reg)
    for (X, Y), (Xp, Yp) in zip(ours, theirs):  # the factors themselves agree
        assert_close(X, Xp, 1e-3)
        assert_close(Y, Yp, 1e-3)
    # our reported loss is the same objective over the total confidence
    assert np.allclose([h["loss"] for h in model.history_], loss_ours / C.sum(), rtol=1e-5)


# --------------------------------------------------------------------------- 6. MovieLens
def test_movielens_als_rmse(ml100k):
    train, test = mfrec.model_selection.train_test_split(ml100k, test_size=0.2, random_state=0)
    model = mfrec.ALS(random_state=0).fit(train)
    assert mfrec.evaluate(model, test, ["rmse"])["rmse"] <= 0.915  # ≈ 0.912


def popularity_ndcg(train, test, k=10):
    """NDCG@k of recommending the most popular unseen training items to each test user."""
    pop = np.argsort(-train.item_counts(), kind="stable")
    seen = train.to_csr()
    users = np.unique(test.user_index)
    rel = sp.csr_matrix((np.ones(test.nnz), (np.searchsorted(users, test.user_index),
                                             test.item_index)),
                        shape=(len(users), train.n_items))
    recs = np.empty((len(users), k), dtype=np.int64)
    for row, u in enumerate(users):
        mask = np.isin(pop, seen.indices[seen.indptr[u]:seen.indptr[u + 1]], invert=True)
        recs[row] = pop[mask][:k]
    return mfrec.metrics.ndcg_at_k(recs, rel, k)


@pytest.mark.parametrize("params,factor", [({}, 1.2),
                                           ({"n_factors": 16, "alpha": 5.0, "reg": 1.0}, 1.6)])
def test_movielens_implicit_beats_popularity(ml100k, params, factor):
    data = ml100k.binarize(4)
    train, test = mfrec.model_selection.per_user_split(data, test_size=0.2, random_state=0)
    pop = popularity_ndcg(train, test)
    assert 0.1 < pop < 0.2  # ≈ 0.156
    model = mfrec.ImplicitALS(random_state=0, **params).fit(train)
    ndcg = mfrec.evaluate(model, test, ["ndcg@10"])["ndcg@10"]
    assert ndcg > factor * pop  # defaults ≈ 0.20, the smaller model ≈ 0.29


# --------------------------------------------------------------------------- 7. inputs
@pytest.mark.parametrize("cls,params,match", [
    (mfrec.ImplicitALS, {"alpha": -1.0}, "alpha"),
    (mfrec.ImplicitALS, {"confidence": "sqrt"}, "confidence"),
    (mfrec.ImplicitALS, {"confidence": "log", "epsilon": 0.0}, "epsilon"),
    (mfrec.ALS, {"cg_steps": 0}, "cg_steps"),
    (mfrec.ImplicitALS, {"cg_steps": 0}, "cg_steps"),
    (mfrec.ALS, {"solver": "qr"}, "solver"),
    (mfrec.ImplicitALS, {"solver": "qr"}, "solver"),
    (mfrec.ALS, {"reg": -0.1}, "reg"),
    (mfrec.ImplicitALS, {"reg": -0.1}, "reg"),
    (mfrec.ALS, {"reg_scaling": "sqrt"}, "reg_scaling"),
    (mfrec.ALS, {"n_factors": 0}, "n_factors"),
])
def test_bad_parameters(small, cls, params, match):
    with pytest.raises(ValueError, match=match):
        cls(**{"n_factors": 4, "n_epochs": 1, **params}).fit(small)


def test_bad_data():
    neg = sp.csr_matrix(np.array([[1.0, 0, -2.0], [0, 3.0, 0]]))
    with pytest.raises(ValueError, match="non-negative"):
        mfrec.ImplicitALS(n_factors=2, n_epochs=1).fit(neg)
    with pytest.raises(TypeError, match="biased"):
        mfrec.ALS(biased="yes").fit(neg)
    empty = sp.csr_matrix((30, 20), dtype=np.float32)
    for cls in (mfrec.ALS, mfrec.ImplicitALS):
        with pytest.raises(ValueError, match="no (training data|interactions)"):
            cls(n_factors=2, n_epochs=1).fit(empty)
    # only stored zeros: every pair unobserved for ImplicitALS
    zeros = sp.csr_matrix((np.zeros(3), ([0, 1, 2], [0, 1, 2])), shape=(5, 4))
    with pytest.raises(ValueError, match="no training data"):
        mfrec.ImplicitALS(n_factors=2, n_epochs=1).fit(zeros)


@pytest.mark.parametrize("cls", [mfrec.ALS, mfrec.ImplicitALS])
@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_rows_without_interactions(small, cls, solver):
    users = np.r_[small.user_ids, [900, 901]]
    items = np.r_[small.item_ids, [700]]
    data = mfrec.Interactions(small.users, small.items, small.ratings, rating_scale=(1, 5),
                              user_ids=users, item_ids=items)
    m = cls(n_factors=K, n_epochs=3, solver=solver, random_state=0).fit(data)
    for arr in (m.user_factors_, m.item_factors_, m.user_bias_, m.item_bias_):
        assert np.all(np.isfinite(arr))
    assert not m.user_factors_[-2:].any() and not m.user_bias_[-2:].any()
    assert not m.item_factors_[-1].any() and not m.item_bias_[-1].any()
    assert m.user_factors_[:-2].any(axis=1).all()
    assert np.isfinite([h["loss"] for h in m.history_]).all()
    pred = m.predict([900, 901, 0, 900], [0, 1, 700, 700])
    assert np.all(np.isfinite(pred))
    base = m.global_mean_
    want = base + m.item_bias_[[0, 1]] if cls is mfrec.ALS else [0.0, 0.0]
    np.testing.assert_allclose(pred[:2], want, rtol=1e-6)
    ids, scores = m.recommend([900], n=5)
    assert np.all(np.isfinite(scores))


def test_clone_and_params():
    sklearn_base = pytest.importorskip("sklearn.base")
    for model in (mfrec.ALS(n_factors=5, reg=0.3, reg_scaling="none", biased=False,
                            solver="cholesky", random_state=4),
                  mfrec.ImplicitALS(n_factors=5, alpha=3.0, confidence="log", epsilon=2.0,
                                    cg_steps=5, random_state=4)):
        twin = sklearn_base.clone(model)
        assert type(twin) is type(model) and twin is not model
        assert twin.get_params() == model.get_params()


def test_clone_of_fitted_refits_identically(small):
    sklearn_base = pytest.importorskip("sklearn.base")
    m = mfrec.ALS(n_factors=K, n_epochs=2, random_state=3).fit(small)
    twin = sklearn_base.clone(m)
    assert not hasattr(twin, "user_factors_")
    twin.fit(small)
    assert np.array_equal(twin.user_factors_, m.user_factors_)


def test_implicit_predict_is_unclipped(small):
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=3, random_state=0).fit(small)
    u, i = np.repeat(np.arange(50), 200), np.tile(np.arange(200), 50)
    pred = m.predict(u, i)
    want = np.einsum("nk,nk->n", m.user_factors_[u].astype(np.float64),
                     m.item_factors_[i].astype(np.float64))
    np.testing.assert_allclose(pred, want, rtol=1e-5, atol=1e-6)
    lo, hi = m.rating_scale_  # (1, 5): the preferences are mostly below it
    assert pred.min() < lo and np.mean(pred < lo) > 0.5
    np.testing.assert_array_equal(m.predict(u, i, clip=True), pred)
    # and the explicit model does clip
    e = mfrec.ALS(n_factors=K, n_epochs=3, random_state=0).fit(small)
    p = e.predict(u, i)
    assert p.min() >= lo and p.max() <= hi
