"""SVDpp: the per-user SGD kernel against a numpy reference, reproducibility, implicit_items,
fold-in against the documented solve, accuracy, persistence and bad input (on the default
trainer, the grid, where nothing names the per-user walk; the grid's own kernel tests are in
test_svdpp_grid.py)."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core

K = 6


# --------------------------------------------------------------------------- reference
def svdpp_epoch(order, R, N, P, Q, Y, bu, bi, mu, lr, reg, G=None):
    """One epoch of the textbook SVD++ SGD (Surprise's update), written plainly.

    ``R`` = (indptr, indices, ratings), ``N`` = (indptr, indices); ``lr`` = (a_bu, a_bi,
    a_p, a_q, a_y), ``reg`` = (λ_bu, λ_bi, λ_p, λ_q, λ_y); ``G`` = (Gu, Gi) for AdaGrad.
    Users in ``order``, each user's ratings in CSR order; every rating recomputes
    z = |N(u)|^-½ Σ y_j and steps b_u, b_i, p_u, q_i and every y_j of N(u) from the old
    values. O(|R(u)|·|N(u)|·k) per user: the kernel gets the same result in O((|R(u)| +
    |N(u)|)·k) (cpp/include/mfrec/svdpp.hpp).
    """
    f32 = np.float32
    k = P.shape[1]
    lr, reg = [f32(v) for v in lr], [f32(v) for v in reg]
    sse = 0.0
    for u in order:
        items = N[1][N[0][u]:N[0][u + 1]]
        sn = f32(1) / np.sqrt(f32(len(items)))
        for e in range(R[0][u], R[0][u + 1]):
            i = R[1][e]
            z = Y[items].sum(axis=0, dtype=f32) * sn
            p, q = P[u].copy(), Q[i].copy()
            err = f32(R[2][e] - f32(f32(mu) + bu[u] + bi[i] + f32(np.dot(q, p + z))))
            sse += float(err) ** 2
            a_bu, a_bi, a_p, a_q, a_y = lr
            if G is not None:
                eta_u, eta_i = f32(1) / np.sqrt(G[0][u]), f32(1) / np.sqrt(G[1][i])
                a_bu, a_p, a_y = a_bu * eta_u, a_p * eta_u, a_y * eta_u
                a_bi, a_q = a_bi * eta_i, a_q * eta_i
            bu[u] += a_bu * (err - reg[0] * bu[u])
            bi[i] += a_bi * (err - reg[1] * bi[i])
            gp = err * q - reg[2] * p
            gq = err * (p + z) - reg[3] * q
            P[u] = p + a_p * gp
            Q[i] = q + a_q * gq
            Y[items] += a_y * (err * sn * q - reg[4] * Y[items])
            if G is not None:
                G[0][u] += f32(np.dot(gp, gp) / k)
                G[1][i] += f32(np.dot(gq, gq) / k)
    return sse


def assert_close(got, want, rel=1e-4):
    """Equal to relative ``rel`` of the array's scale (float32 sums round differently)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    np.testing.assert_allclose(got, want, rtol=rel, atol=rel * max(np.abs(want).max(), 1e-12))


def _init(n, k, seed, std):
    X = np.empty((n, -(-k // 8) * 8), np.float32)
    _core.init_normal(X, k=k, mean=0.0, std=std, seed=seed, n_threads=1)
    return np.ascontiguousarray(X[:, :k])


def _pattern(data, extra=None):
    if extra is None:
        return data.indptr, data.item_index
    m = (data.to_csr() != 0).astype(np.float32) + sp.csr_matrix(extra, dtype=np.float32)
    m = sp.csr_matrix(m)
    m.sum_duplicates()
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int32)


def _extra(data, seed=0, density=0.03):
    return sp.random(data.n_users, data.n_items, density=density, format="csr",
                     random_state=seed, dtype=np.float32)


@pytest.mark.parametrize("schedule", ["constant", "adagrad"])
@pytest.mark.parametrize("k", [5, 20])
@pytest.mark.parametrize("with_extra", [False, True])
def test_kernel_matches_numpy_reference(small, schedule, k, with_extra):
    """One thread, the same visiting order, 2 epochs, float32: the per-user kernel equals
    the textbook per-rating update to relative 1e-4."""
    seed, n_epochs = 7, 2
    lr, reg = (0.01, 0.05) if schedule == "constant" else (0.05, 0.1)
    extra = _extra(small) if with_extra else None
    model = mfrec.SVDpp(n_factors=k, n_epochs=n_epochs, lr=lr, reg=reg, lr_implicit=lr / 2,
                        reg_implicit=reg * 2, lr_schedule=schedule, init_std=0.1,
                        algorithm="per_user", n_threads=1,
                        random_state=seed).fit(small, implicit_items=extra)

    # Replay fit()'s draws: the three initial factor matrices and the visiting-order seed.
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**63, size=4)
    P, Q, Y = (_init(n, k, int(s), 0.1)
               for n, s in zip((small.n_users, small.n_items, small.n_items), seeds[:3]))
    bu = np.zeros(small.n_users, np.float32)
    bi = np.zeros(small.n_items, np.float32)
    mu = np.float32(small.ratings.mean(dtype=np.float64))
    R = (small.indptr, small.item_index, small.ratings)
    N = _pattern(small, extra)
    G = None
    if schedule == "adagrad":
        G = (np.ones(small.n_users, np.float32), np.ones(small.n_items, np.float32))
    active = np.flatnonzero(np.diff(small.indptr) > 0).astype(np.int32)
    losses = []
    for t in range(n_epochs):
        order = _core.svdpp_user_order(active, seed=int(seeds[3]), epoch=t)
        sse = svdpp_epoch(order, R, N, P, Q, Y, bu, bi, mu, (lr, lr, lr, lr, lr / 2),
                          (reg, reg, reg, reg, 2 * reg), G)
        losses.append(sse / small.nnz)

    assert_close(model.user_factors_, P)
    assert_close(model.item_factors_, Q)
    assert_close(model.user_bias_, bu)
    assert_close(model.item_bias_, bi)
    used = np.zeros(small.n_items, bool)
    used[N[1]] = True
    assert_close(model.implicit_factors_[used], Y[used])
    assert not model.implicit_factors_[~used].any()
    assert_close([h["loss"] for h in model.history_], losses)
    # user_implicit_ is z_u of the final y_j
    Z = np.zeros_like(P)
    for u in range(small.n_users):
        items = N[1][N[0][u]:N[0][u + 1]]
        if len(items) and small.indptr[u + 1] > small.indptr[u]:
            Z[u] = Y[items].sum(axis=0) / np.sqrt(np.float32(len(items)))
    assert_close(model.user_implicit_, Z)


def test_user_order_is_a_seeded_permutation():
    active = np.array([3, 5, 8, 9, 12, 40], np.int32)
    a = _core.svdpp_user_order(active, seed=11, epoch=0)
    assert sorted(a.tolist()) == active.tolist()
    np.testing.assert_array_equal(a, _core.svdpp_user_order(active, seed=11, epoch=0))
    orders = {tuple(_core.svdpp_user_order(active, seed=11, epoch=t)) for t in range(20)}
    assert len(orders) > 15  # a fresh order (almost) every epoch
    big = np.arange(10_000, dtype=np.int32)
    first = np.array([_core.svdpp_user_order(big, seed=s, epoch=0)[0] for s in range(300)])
    assert len(np.unique(first)) > 250  # seeds give different orders
    assert _core.svdpp_user_order(np.zeros(0, np.int32), seed=1, epoch=3).shape == (0,)


# --------------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("algorithm", ["per_user", "grid"])
def test_one_thread_is_bit_identical_and_epochs_one_by_one_equal_all_at_once(small, algorithm):
    kw = dict(n_factors=K, n_epochs=4, n_threads=1, random_state=3, algorithm=algorithm)
    a = mfrec.SVDpp(**kw).fit(small)
    b = mfrec.SVDpp(**kw).fit(small)
    c = mfrec.SVDpp(**kw).fit(small, callback=lambda info: None)  # epoch by epoch
    for attr in ("user_factors_", "item_factors_", "implicit_factors_", "user_implicit_",
                 "user_bias_", "item_bias_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
        np.testing.assert_array_equal(getattr(a, attr), getattr(c, attr))
    d = mfrec.SVDpp(**{**kw, "random_state": 4}).fit(small)
    assert not np.array_equal(a.user_factors_, d.user_factors_)


@pytest.mark.parametrize("algorithm", ["per_user", "grid"])
def test_two_threads_train_as_well(small, algorithm):
    train, test = mfrec.model_selection.train_test_split(small, 0.2, random_state=0)
    rmse = {t: mfrec.evaluate(mfrec.SVDpp(n_factors=K, n_threads=t, random_state=0,
                                          algorithm=algorithm)
                              .fit(train), test)["rmse"] for t in (1, 2)}
    assert abs(rmse[1] - rmse[2]) < 0.02
    m = mfrec.SVDpp(n_factors=K, n_epochs=3, n_threads=2, random_state=0,
                    algorithm=algorithm).fit(small)
    assert np.isfinite(m.user_factors_).all() and np.isfinite(m.implicit_factors_).all()


# --------------------------------------------------------------------------- scoring
def test_predict_uses_the_effective_user_vector(small):
    m = mfrec.SVDpp(n_factors=K, n_epochs=3, random_state=0).fit(small)
    u, i = small.users[:50], small.items[:50]
    x = m.user_factors_[u].astype(np.float64) + m.user_implicit_[u]
    want = m.global_mean_ + m.user_bias_[u] + m.item_bias_[i] + np.sum(
        x * m.item_factors_[i], axis=1)
    np.testing.assert_allclose(m.predict(u, i, clip=False), want, rtol=1e-5, atol=1e-5)
    ids, scores = m.recommend(small.user_ids[:3], n=5, filter_seen=False)
    dense = (m.global_mean_ + m.user_bias_[:3, None] + m.item_bias_[None, :]
             + (m.user_factors_[:3] + m.user_implicit_[:3]) @ m.item_factors_.T)
    np.testing.assert_allclose(scores, np.sort(dense, axis=1)[:, ::-1][:, :5], rtol=1e-5)
    assert m.user_implicit_.any(axis=1).sum() == (np.diff(small.indptr) > 0).sum()


# --------------------------------------------------------------------------- implicit items
def _raw(data):
    """``data`` with text ids, inner ids unchanged."""
    return mfrec.Interactions(np.array([f"u{u}" for u in data.users]),
                              np.array([f"i{i}" for i in data.items]), data.ratings,
                              rating_scale=(1, 5),
                              user_ids=[f"u{u}" for u in data.user_ids],
                              item_ids=[f"i{i}" for i in data.item_ids])


def test_implicit_items_forms_agree_and_matter(small):
    pd = pytest.importorskip("pandas")
    extra = _extra(small, seed=1).tocoo()
    kw = dict(n_factors=K, n_epochs=3, n_threads=1, random_state=0, algorithm="per_user")
    base = mfrec.SVDpp(**kw).fit(small)
    by_sparse = mfrec.SVDpp(**kw).fit(small, implicit_items=extra)
    assert not np.array_equal(base.user_factors_, by_sparse.user_factors_)
    raw = _raw(small)
    users = np.array([f"u{u}" for u in small.user_ids[extra.row]])
    items = np.array([f"i{i}" for i in small.item_ids[extra.col]])
    forms = {
        "interactions": mfrec.Interactions(users, items),
        "dataframe": pd.DataFrame({"user": np.r_[users, users[:5]],  # repeats are fine
                                   "item": np.r_[items, items[:5]]}),
    }
    ref = mfrec.SVDpp(**kw).fit(raw, implicit_items=extra)  # inner ids of raw
    np.testing.assert_array_equal(ref.user_factors_, by_sparse.user_factors_)
    for name, implicit in forms.items():
        m = mfrec.SVDpp(**kw).fit(raw, implicit_items=implicit)
        np.testing.assert_array_equal(m.user_factors_, by_sparse.user_factors_, err_msg=name)
        np.testing.assert_array_equal(m.implicit_factors_, by_sparse.implicit_factors_)
    # rated pairs repeated in implicit_items change nothing (N(u) is a set)
    again = mfrec.SVDpp(**kw).fit(small, implicit_items=small.to_csr())
    np.testing.assert_array_equal(again.user_factors_, base.user_factors_)


def test_items_only_in_implicit_items_get_implicit_factors(small):
    keep = small.item_index < 190  # items 190.. are never rated
    rated = small.subset(keep)
    extra = sp.csr_matrix((np.ones(20), (np.arange(20), np.full(20, 195))),
                          shape=small.shape)
    m = mfrec.SVDpp(n_factors=K, n_epochs=3, random_state=0).fit(rated, implicit_items=extra)
    assert m.implicit_factors_[195].any() and not m.implicit_factors_[196].any()
    assert not m.item_factors_[195].any()  # no ratings: a cold item
    assert np.isfinite(m.predict([0], [195])[0])


def test_implicit_items_bad_input(small):
    m = mfrec.SVDpp(n_factors=K, n_epochs=1)
    with pytest.raises(ValueError, match=r"shape \(300, 200\)"):
        m.fit(small, implicit_items=sp.csr_matrix((300, 201), dtype=np.float32))
    with pytest.raises(ValueError, match="implicit_items"):
        m.fit(small, implicit_items=sp.csr_matrix((3, 4), dtype=np.float32))
    broken = sp.csr_matrix((np.ones(2, np.float32), ([0, 0], [0, 1])), shape=(300, 200))
    broken.indices[1] = 500  # out of range, after scipy's own checks
    with pytest.raises(ValueError, match="out of range"):
        m.fit(small, implicit_items=broken)
    with pytest.raises(TypeError, match="implicit_items"):
        m.fit(small, implicit_items=[[0, 1]])
    raw = _raw(small)
    with pytest.raises(KeyError, match="implicit_items: unknown user id 'nobody'"):
        m.fit(raw, implicit_items=mfrec.Interactions(["nobody"], ["i3"]))
    with pytest.raises(KeyError, match="unknown item id 'i999'"):
        m.fit(raw, implicit_items=mfrec.Interactions(["u3"], ["i999"]))
    assert not hasattr(m, "user_factors_")  # failed fits leave nothing behind


def test_kernel_checks_its_arrays(small):
    k = 8
    P = np.zeros((small.n_users, k), np.float32)
    Q = np.zeros((small.n_items, k), np.float32)
    Y = np.zeros((small.n_items, k), np.float32)
    bu, bi = np.zeros(small.n_users, np.float32), np.zeros(small.n_items, np.float32)
    none = np.zeros(0, np.float32)
    active = np.arange(small.n_users, dtype=np.int32)
    steps = np.full((1, 5), 0.01, np.float32)

    def run(indices=small.item_index, nptr=small.indptr, nidx=small.item_index, act=active):
        return _core.svdpp_epochs(small.indptr, indices, small.ratings, nptr, nidx, act, steps,
                                  P, Q, Y, bu, bi, none, none, params=_core.SvdppParams(),
                                  first_epoch=0, seed=1, n_threads=1)

    assert run()[0].shape == (1,)
    bad = small.item_index.copy()
    bad[3] = small.n_items
    with pytest.raises(ValueError, match="out of range"):
        run(indices=bad)
    with pytest.raises(ValueError, match="out of range"):
        run(nidx=bad)
    with pytest.raises(ValueError, match="distinct"):
        run(act=np.r_[active, 0].astype(np.int32))
    with pytest.raises(ValueError, match="empty N"):
        run(nptr=np.zeros_like(small.indptr), nidx=np.zeros(0, np.int32))


# --------------------------------------------------------------------------- fold-in
def ridge_rows(R, Q, qbias, Z, mu, reg, reg_bias):
    """argmin Σ_j (r_uj − μ − b_j − q_jᵀz_u − [q_j, 1]ᵀ[x, b])² + n_u(reg‖x‖² + reg_bias b²)."""
    R = sp.csr_matrix(R)
    k = Q.shape[1]
    out = np.zeros((R.shape[0], k + 1))
    for u in range(R.shape[0]):
        j = R.indices[R.indptr[u]:R.indptr[u + 1]]
        if len(j) == 0:
            continue
        A = np.c_[Q[j].astype(np.float64), np.ones(len(j))]
        t = (R.data[R.indptr[u]:R.indptr[u + 1]] - mu - qbias[j]
             - Q[j].astype(np.float64) @ Z[u])
        lam = np.r_[np.full(k, reg), reg_bias] * len(j)
        out[u] = np.linalg.solve(A.T @ A + np.diag(lam), A.T @ t)
    return out


def user_terms(R, Y):
    R = sp.csr_matrix(R)
    Z = np.zeros((R.shape[0], Y.shape[1]))
    for u in range(R.shape[0]):
        j = R.indices[R.indptr[u]:R.indptr[u + 1]]
        if len(j):
            Z[u] = Y[j].astype(np.float64).sum(axis=0) / np.sqrt(len(j))
    return Z


def test_fold_in_is_the_documented_ridge_solve(small):
    csr = small.to_csr()
    rows = [0, 3, 10, 57, 150, 299]
    m = mfrec.SVDpp(n_factors=K, n_epochs=3, reg=0.05, reg_user=0.08, reg_bias=0.03,
                    random_state=0).fit(small)
    f, b = m.fold_in(csr[rows])
    Z = user_terms(csr[rows], m.implicit_factors_)
    want = ridge_rows(csr[rows], m.item_factors_, m.item_bias_, Z, m.global_mean_, 0.08, 0.03)
    np.testing.assert_allclose(np.c_[f, b], want, rtol=1e-4, atol=1e-5)

    # items: against the fixed effective user vectors p_u + z_u, reg_item per rating
    cols = [0, 4, 33, 199]
    fi, bi = m.fold_in_items(csr[:, cols])
    X = m.user_factors_.astype(np.float64) + m.user_implicit_
    ct = csr.T.tocsr()[cols]
    want = np.zeros((len(cols), K + 1))
    for j in range(len(cols)):
        u = ct[j].indices
        A = np.c_[X[u], np.ones(len(u))]
        t = ct[j].data - m.global_mean_ - m.user_bias_[u]
        lam = np.r_[np.full(K, 0.05), 0.03] * len(u)
        want[j] = np.linalg.solve(A.T @ A + np.diag(lam), A.T @ t)
    np.testing.assert_allclose(np.c_[fi, bi], want, rtol=1e-4, atol=1e-5)


def test_add_users_registers_factors_and_implicit_terms(small):
    csr = small.to_csr()
    m = mfrec.SVDpp(n_factors=K, n_epochs=3, random_state=0).fit(csr)
    new = sp.vstack([csr[[4, 9]], sp.csr_matrix((1, small.n_items), dtype=np.float32)]).tocsr()
    f, b = m.fold_in(new)
    np.testing.assert_array_equal(m.add_users(new), [300, 301, 302])
    np.testing.assert_array_equal(m.user_factors_[300:], f)
    np.testing.assert_array_equal(m.user_bias_[300:], b)
    np.testing.assert_allclose(m.user_implicit_[300:], user_terms(new, m.implicit_factors_),
                               rtol=1e-5, atol=1e-6)
    items = np.array([0, 5, 9])
    x = m.user_factors_[300] + m.user_implicit_[300]
    want = m.global_mean_ + m.user_bias_[300] + m.item_bias_[items] + m.item_factors_[items] @ x
    np.testing.assert_allclose(m.predict([300] * 3, items, clip=False), want, rtol=1e-5)
    assert m.predict([302], [9])[0] == pytest.approx(m.global_mean_ + m.item_bias_[9])
    ids, _ = m.recommend([300], n=m.n_items)
    assert not set(ids[0][ids[0] >= 0]) & set(csr[4].indices)
    # items: y of a new item is zero; the users' implicit terms stay
    before = m.user_implicit_.copy()
    m.add_items(sp.vstack([csr[:, [3]], sp.csr_matrix((3, 1), dtype=np.float32)]))
    assert m.implicit_factors_.shape == (small.n_items + 1, K)
    assert not m.implicit_factors_[-1].any()
    np.testing.assert_array_equal(m.user_implicit_, before)
    assert np.isfinite(m.predict([0], [small.n_items])[0])


def test_folding_in_training_users_is_close_to_the_fit(ml100k):
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    m = mfrec.SVDpp(n_factors=20, n_epochs=20, random_state=0).fit(train)
    fitted = mfrec.evaluate(m, test)["rmse"]
    f, b = m.fold_in(train)  # every training user, from their own training rows
    u, i = test.user_index, test.item_index
    x = f[u].astype(np.float64) + m.user_implicit_[u]
    pred = m.global_mean_ + b[u] + m.item_bias_[i] + np.sum(x * m.item_factors_[i], axis=1)
    folded = mfrec.metrics.rmse(test.ratings, np.clip(pred, 1, 5))
    assert folded < fitted + 0.02, (folded, fitted)


# --------------------------------------------------------------------------- accuracy
def test_defaults_beat_funksvd_defaults_on_ml100k(ml100k):
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    svdpp = mfrec.evaluate(mfrec.SVDpp(n_threads=1, random_state=0).fit(train), test)["rmse"]
    funk = mfrec.evaluate(mfrec.FunkSVD(n_threads=1, random_state=0).fit(train), test)["rmse"]
    assert svdpp < funk, (svdpp, funk)


def test_surprise_settings_train_as_surprise_does(ml100k):
    # Surprise's SVDpp reaches 0.919 on this split (benchmarks/results/compare.json)
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    m = mfrec.SVDpp(n_factors=20, n_epochs=20, lr=0.007, reg=0.02, reg_implicit=0.02,
                    init_std=0.1, lr_schedule="constant", algorithm="per_user",
                    random_state=0).fit(train)
    assert mfrec.evaluate(m, test)["rmse"] < 0.93
    assert m.history_[-1]["loss"] < m.history_[0]["loss"]


# --------------------------------------------------------------------------- paths, files
LEVELS = [level for level in (3, 4) if level <= _core.cpu_isa_level()]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("k", [5, 100])
@pytest.mark.parametrize("algorithm", ["per_user", "grid"])
def test_isa_paths_agree(small, level, k, algorithm):
    before = _core.isa_level()

    def fit(lv):
        _core.set_isa_level(lv)
        try:
            return mfrec.SVDpp(n_factors=k, n_epochs=3, n_threads=1, random_state=0,
                               algorithm=algorithm).fit(small)
        finally:
            _core.set_isa_level(before)

    got, ref = fit(level), fit(0)
    for attr in ("user_factors_", "item_factors_", "implicit_factors_", "item_bias_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(ref, attr), rtol=1e-3,
                                   atol=1e-4)


def test_save_load_keeps_the_implicit_state(small, tmp_path):
    m = mfrec.SVDpp(n_factors=K, n_epochs=2, random_state=0).fit(small)
    m.save(tmp_path / "m.npz")
    loaded = mfrec.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.user_implicit_, m.user_implicit_)
    np.testing.assert_array_equal(loaded.implicit_factors_, m.implicit_factors_)
    # a file whose implicit terms do not fit the model is refused
    import zipfile

    with zipfile.ZipFile(tmp_path / "m.npz") as zf, \
            zipfile.ZipFile(tmp_path / "bad.npz", "w") as out:
        for name in zf.namelist():
            data = zf.read(name)
            if name == "state.user_implicit_.npy":
                import io

                buf = io.BytesIO()
                np.save(buf, np.zeros((3, K), np.float32))
                data = buf.getvalue()
            out.writestr(name, data)
    with pytest.raises(mfrec.ModelFileError, match="user_implicit_"):
        mfrec.load(tmp_path / "bad.npz")


def test_bad_parameters(small):
    for kw, err, match in [({"lr_schedule": "sometimes"}, ValueError, "lr_schedule"),
                           ({"lr_implicit": 0.0}, ValueError, "lr_implicit"),
                           ({"reg_implicit": -1.0}, ValueError, "reg_implicit"),
                           ({"lr_decay": 1.5}, ValueError, "lr_decay"),
                           ({"n_factors": 0}, ValueError, "n_factors"),
                           ({"init_std": float("nan")}, ValueError, "init_std")]:
        with pytest.raises(err, match=match):
            mfrec.SVDpp(**kw).fit(small)


def test_divergence_names_the_learning_rate(small):
    with pytest.raises(FloatingPointError, match="lr=50"):
        mfrec.SVDpp(n_factors=K, lr=50.0, lr_schedule="constant", random_state=0).fit(small)


def test_cli_name():
    from mfrec._registry import cli_name

    assert cli_name(mfrec.SVDpp) == "svdpp"
