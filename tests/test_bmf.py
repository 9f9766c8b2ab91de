"""BayesianMF: the Gibbs row draws against their closed-form conditional (numpy), the chain's
independence of the thread count, the posterior mean and std, fold-in, bad parameters."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core
from mfrec.models.bayesian_mf import _raw_sample

# ---------------------------------------------------------------- the kernel vs numpy


def _conditional(Y, items, r, prec, prior_mean, alpha, mu, biased):
    """Closed form of one row's conditional: A = Λ + α Σ z zᵀ, mean A⁻¹(Λm + α Σ t z)."""
    Y = Y.astype(np.float64)
    if biased:
        k = Y.shape[1] - 1
        Z = np.c_[Y[items, :k], np.ones(len(items))]
        t = r - mu - Y[items, k]
    else:
        Z, t = Y[items], r - mu
    A = prec + alpha * Z.T @ Z
    cov = np.linalg.inv(A)
    return cov @ (prec @ prior_mean + alpha * Z.T @ t), cov


def _draw_many(Y, items, r, prec, prior_mean, alpha, mu, biased, n, seed, n_threads=2):
    """n independent draws of the same row: n identical CSR rows (each its own stream)."""
    m = len(items)
    indptr = np.arange(0, (n + 1) * m, m, dtype=np.int64)
    indices = np.tile(items.astype(np.int32), n)
    data = np.tile(r.astype(np.float32), n)
    X = np.zeros((n, Y.shape[1]), dtype=np.float32)
    params = _core.GibbsParams(alpha=alpha, mu=mu, biased=biased, seed=seed, sweep=3, side=0)
    failed = _core.gibbs_half_sweep(indptr, indices, data, X, Y, params=params,
                                    prec=prec.astype(np.float32),
                                    prec_mean=(prec @ prior_mean).astype(np.float32),
                                    n_threads=n_threads)
    assert failed == 0
    return X.astype(np.float64)


def _moment_errors(draws, mean, cov):
    """The largest |z|-scores of the empirical mean and covariance against the closed form.
    Standard errors: √(Σ_ii / n) for mean i; √((Σ_ii Σ_jj + Σ_ij²) / n) for covariance
    (i, j) (Gaussian fourth moments)."""
    n = len(draws)
    z_mean = (draws.mean(axis=0) - mean) / np.sqrt(np.diag(cov) / n)
    emp = np.cov(draws.T)
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov ** 2) / n)
    z_cov = (emp - cov) / se
    return np.abs(z_mean).max(), np.abs(z_cov).max()


# 4.5 standard errors: with ≤ 15 moments per check, a correct sampler fails with
# probability < 1e-4; the draws are seeded, so the test is deterministic anyway.
TOL_Z = 4.5


@pytest.mark.parametrize("biased", [True, False])
def test_row_draws_match_the_closed_form_conditional(biased):
    rng = np.random.default_rng(0)
    k = 3
    d = k + 1 if biased else k
    Y = rng.normal(0, 0.7, size=(30, d)).astype(np.float32)
    items = np.array([1, 4, 7, 9, 15, 22], dtype=np.int64)
    r = rng.uniform(1, 5, size=len(items))
    B = rng.normal(size=(d, d))
    prec = B @ B.T + d * np.eye(d)
    prior_mean = rng.normal(size=d)
    alpha, mu = 1.7, 3.2
    # the closed form from the float32 inputs the kernel sees
    mean, cov = _conditional(Y, items, r.astype(np.float32).astype(np.float64),
                             prec.astype(np.float32).astype(np.float64), prior_mean, alpha, mu,
                             biased)
    draws = _draw_many(Y, items, r, prec, prior_mean, alpha, mu, biased, 20_000, seed=5)
    zm, zc = _moment_errors(draws, mean, cov)
    assert zm < TOL_Z and zc < TOL_Z, (zm, zc)
    # The check has power: a precision matrix off by a factor 1.25 (either way) fails it.
    for factor in (1.25, 0.8):
        wrong_mean, wrong_cov = _conditional(Y, items, r, factor * prec, prior_mean / 1.0,
                                             alpha * factor, mu, biased)
        assert max(_moment_errors(draws, wrong_mean, wrong_cov)) > TOL_Z


def test_row_draws_do_not_depend_on_threads_or_order():
    rng = np.random.default_rng(1)
    Y = rng.normal(size=(20, 5)).astype(np.float32)
    items = np.array([0, 3, 5], dtype=np.int64)
    r = np.array([4.0, 2.0, 5.0])
    prec, m = np.eye(5) * 2, np.zeros(5)
    a = _draw_many(Y, items, r, prec, m, 2.0, 3.5, True, 500, seed=9, n_threads=1)
    b = _draw_many(Y, items, r, prec, m, 2.0, 3.5, True, 500, seed=9, n_threads=2)
    np.testing.assert_array_equal(a, b)
    c = _draw_many(Y, items, r, prec, m, 2.0, 3.5, True, 500, seed=10, n_threads=2)
    assert not np.array_equal(a, c)


def test_half_sweep_statistics_and_sse():
    rng = np.random.default_rng(2)
    R = sp.random(40, 25, density=0.2, random_state=3, format="csr", dtype=np.float32)
    R.data = np.round(R.data * 4 + 1).astype(np.float32)
    R.sort_indices()
    d = 4
    Y = rng.normal(size=(25, d)).astype(np.float32)
    X = np.zeros((40, d), dtype=np.float32)
    s1, s2, sse = np.empty(d), np.empty((d, d)), np.empty(40)
    _core.gibbs_half_sweep(R.indptr.astype(np.int64), R.indices.astype(np.int32), R.data, X, Y,
                           params=_core.GibbsParams(alpha=2.0, mu=3.0, seed=1),
                           prec=np.eye(d, dtype=np.float32),
                           prec_mean=np.zeros(d, dtype=np.float32), stats_sum=s1,
                           stats_scatter=s2, row_sse=sse, n_threads=2)
    has = np.diff(R.indptr) > 0
    assert not X[~has].any()
    Xd = X[has].astype(np.float64)
    np.testing.assert_allclose(s1, Xd.sum(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.tril(s2), np.tril(Xd.T @ Xd), rtol=1e-5, atol=1e-5)
    coo = R.tocoo()
    res = coo.data - 3.0 - Y[coo.col, 3] - np.sum(X[coo.row, :3] * Y[coo.col, :3], 1) \
        - X[coo.row, 3]
    np.testing.assert_allclose(sse, np.bincount(coo.row, res ** 2, minlength=40), rtol=1e-4,
                               atol=1e-5)


def test_kernel_rejects_bad_arrays():
    X = np.zeros((2, 3), dtype=np.float32)
    Y = np.zeros((4, 3), dtype=np.float32)
    indptr = np.array([0, 1, 2], dtype=np.int64)
    kw = dict(params=_core.GibbsParams(), prec=np.eye(3, dtype=np.float32),
              prec_mean=np.zeros(3, dtype=np.float32), n_threads=1)
    with pytest.raises(ValueError, match="column index out of range"):
        _core.gibbs_half_sweep(indptr, np.array([0, 9], np.int32), np.ones(2, np.float32), X,
                               Y, **kw)
    with pytest.raises(ValueError, match="prec"):
        _core.gibbs_half_sweep(indptr, np.array([0, 1], np.int32), np.ones(2, np.float32), X,
                               Y, **{**kw, "prec": np.eye(2, dtype=np.float32)})
    with pytest.raises(TypeError):
        _core.gibbs_half_sweep(indptr, np.array([0, 1], np.int32), np.ones(2), X, Y, **kw)


# ---------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def syn():
    return mfrec.datasets.synthetic(400, 300, 12_000, random_state=2)


@pytest.fixture(scope="module")
def fitted(syn):
    return mfrec.BayesianMF(n_factors=6, n_samples=30, burn_in=10, random_state=0,
                            n_threads=2).fit(syn)


def test_same_chain_at_one_and_two_threads(syn):
    kw = dict(n_factors=5, n_samples=5, burn_in=3, random_state=4, alpha="auto")
    a = mfrec.BayesianMF(n_threads=1, **kw).fit(syn)
    b = mfrec.BayesianMF(n_threads=2, **kw).fit(syn)
    for attr in ("user_samples_", "item_samples_", "alpha_", "user_prior_prec_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


def test_predict_is_the_mean_over_kept_samples(fitted, syn):
    m = fitted
    u, i = syn.user_index[:200].astype(np.int64), syn.item_index[:200].astype(np.int64)
    S, k = len(m.alpha_), m.n_factors
    per_sample = []
    for s in range(S):
        X = _raw_sample(m.user_samples_, m.user_bias_, s, S, k, "user", True).astype(float)
        Y = _raw_sample(m.item_samples_, m.item_bias_, s, S, k, "item", True).astype(float)
        per_sample.append(m.global_mean_ + X[u, k] + Y[i, k] + np.sum(X[u, :k] * Y[i, :k], 1))
    per_sample = np.array(per_sample)
    got = m.predict(syn.users[:200], syn.items[:200], clip=False)
    np.testing.assert_allclose(got, per_sample.mean(0), atol=2e-4)
    _, std = m.predict(syn.users[:200], syn.items[:200], return_std=True)
    want = np.sqrt(per_sample.var(0) + np.mean(1 / m.alpha_))
    np.testing.assert_allclose(std, want, rtol=2e-3, atol=2e-4)
    # the posterior mean factors are the means of the samples
    np.testing.assert_allclose(m.item_bias_, np.mean([_raw_sample(
        m.item_samples_, m.item_bias_, s, S, k, "item", True)[:, k] for s in range(S)], 0),
        atol=1e-5)


def test_std_is_positive_and_larger_with_less_evidence(fitted, syn):
    m = fitted
    n_u, n_i = syn.user_counts(), syn.item_counts()
    # every user against the 30 most rated items, and every item against the 30 most active
    # users: the mean std per user (item) falls as its number of ratings grows
    top_i = np.argsort(-n_i)[:30]
    uu = np.repeat(np.arange(len(n_u)), 30)
    _, std_u = m.predict(syn.user_ids[uu], syn.item_ids[np.tile(top_i, len(n_u))],
                         return_std=True)
    assert (std_u > 0).all() and np.isfinite(std_u).all()
    per_user = std_u.reshape(-1, 30).mean(1)
    few, many = n_u <= np.quantile(n_u, 0.25), n_u >= np.quantile(n_u, 0.75)
    assert per_user[few].mean() > per_user[many].mean()
    assert np.corrcoef(per_user[n_u > 0], np.log(n_u[n_u > 0]))[0, 1] < -0.3
    top_u = np.argsort(-n_u)[:30]
    ii = np.repeat(np.arange(len(n_i)), 30)
    _, std_i = m.predict(syn.user_ids[np.tile(top_u, len(n_i))], syn.item_ids[ii],
                         return_std=True)
    per_item = std_i.reshape(-1, 30).mean(1)
    warm = n_i > 0
    assert np.corrcoef(per_item[warm], np.log(n_i[warm]))[0, 1] < -0.3
    se = m._scoring().item_uncertainty(1)
    assert np.corrcoef(se[warm], np.log(n_i[warm]))[0, 1] < -0.3


def test_cold_and_unknown_pairs_get_the_prior_std(fitted, syn):
    m = fitted
    mean, std = m.predict([syn.user_ids[0], -12345], [syn.item_ids[0], syn.item_ids[0]],
                          unknown="baseline", return_std=True)
    assert np.isfinite(std).all() and std[1] > std[0] > 0
    one = m.predict(syn.user_ids[0], syn.item_ids[0], return_std=True)
    assert isinstance(one[0], float) and isinstance(one[1], float)


def test_lower_confidence_bound_ranking(fitted, syn):
    m = fitted
    n_i = syn.item_counts()
    ids, _ = m.recommend(n=10)
    lcb, _ = m.recommend(n=10, risk_aversion=2.0)
    ev = lambda x: np.median(n_i[m.item_map_.to_inner(x.ravel())])  # noqa: E731
    assert ev(lcb) >= ev(ids)


def test_fold_in_matches_a_training_user(fitted, syn):
    m = fitted
    csr = syn.to_csr()
    busy = np.argsort(-syn.user_counts())[:5]
    f, b = m.fold_in(csr[busy])
    assert f.shape == (5, m.n_factors) and b.shape == (5,)
    # a folded-in copy of a busy user predicts like the user (both posterior means)
    model = mfrec.BayesianMF(n_factors=6, n_samples=30, burn_in=10, random_state=0).fit(syn)
    new = model.add_users(csr[busy], user_ids=np.arange(10_000, 10_005))
    assert list(new) == list(range(model.n_users - 5, model.n_users))
    items = syn.item_ids[:50]
    for j, u in enumerate(busy):
        a = model.predict(np.full(50, syn.user_ids[u]), items)
        c = model.predict(np.full(50, 10_000 + j), items)
        assert np.sqrt(np.mean((a - c) ** 2)) < 0.15
    assert model.user_samples_.shape[0] == model.n_users
    ids, _ = model.recommend([10_000], n=5)
    assert (ids != None).all()  # noqa: E711


def test_save_load_keeps_the_std(fitted, syn, tmp_path):
    fitted.save(tmp_path / "b.npz")
    loaded = mfrec.load(tmp_path / "b.npz")
    u, i = syn.users[:30], syn.items[:30]
    for x, y in zip(loaded.predict(u, i, return_std=True), fitted.predict(u, i, return_std=True)):
        np.testing.assert_array_equal(x, y)


def test_more_accurate_than_baseline(syn):
    tr, te = mfrec.model_selection.train_test_split(syn, 0.2, random_state=0)
    bmf = mfrec.BayesianMF(n_factors=8, n_samples=40, burn_in=15, random_state=0).fit(tr)
    base = mfrec.Baseline().fit(tr)
    rmse = {name: mfrec.metrics.rmse(te.ratings, mdl.predict(te.users, te.items))
            for name, mdl in (("bmf", bmf), ("base", base))}
    assert rmse["bmf"] < rmse["base"] - 0.02, rmse


@pytest.mark.parametrize("params, error, match", [
    ({"n_samples": 0}, ValueError, "n_samples"),
    ({"burn_in": -1}, ValueError, "burn_in"),
    ({"thin": 0}, ValueError, "thin"),
    ({"n_epochs": 0}, ValueError, "n_epochs"),
    ({"alpha": "sampled"}, ValueError, "alpha"),
    ({"alpha": -1.0}, ValueError, "alpha"),
    ({"alpha": 1e6}, ValueError, "alpha"),
    ({"init_std": 1e30}, ValueError, "init_std"),
    ({"beta0": 0.0}, ValueError, "beta0"),
    ({"w0": float("nan")}, ValueError, "w0"),
    ({"biased": "yes"}, TypeError, "biased"),
    ({"n_factors": 2.5}, TypeError, "n_factors"),
])
def test_bad_parameters(params, error, match, syn):
    with pytest.raises(error, match=match):
        mfrec.BayesianMF(**params).fit(syn)


def test_short_chains_keep_what_they_ran(syn):
    m = mfrec.BayesianMF(n_factors=3, n_samples=50, burn_in=5, n_epochs=8,
                         random_state=0).fit(syn)
    assert len(m.alpha_) == 3 and len(m.history_) == 8
    m = mfrec.BayesianMF(n_factors=3, burn_in=5, n_epochs=2, random_state=0).fit(syn)
    assert len(m.alpha_) == 1  # still within the burn-in: the last sweep is kept
    hist = []
    mfrec.BayesianMF(n_factors=3, n_samples=3, burn_in=2, random_state=0).fit(
        syn, eval_set=syn, callback=hist.append)
    assert len(hist) == 5 and all(np.isfinite(h["val_rmse"]) for h in hist)


def test_items_without_data_get_the_prior_uncertainty():
    data = mfrec.datasets.synthetic(300, 400, 5000, random_state=3)
    tr, _ = mfrec.model_selection.train_test_split(data, 0.3, random_state=0)
    m = mfrec.BayesianMF(n_factors=4, n_samples=10, burn_in=5, random_state=0).fit(tr)
    cold = tr.item_counts() == 0
    assert cold.any()
    se = m._scoring().item_uncertainty(1)
    assert np.isfinite(se).all() and se[cold].min() > np.median(se[~cold])
    ids, _ = m.recommend(n=10, risk_aversion=96)
    assert not cold[m.item_map_.to_inner(ids.ravel())].any()
