"""Cold start: fold_in / fold_in_items against one more exact ALS half-sweep and numpy ridge
solves; add_users / add_items registration, ids, the "seen" filter and the errors."""

import numpy as np
import pytest
import scipy.sparse as sp

import mfrec
from mfrec import _core

K = 6


# --------------------------------------------------------------------------- references
def ridge_rows(R, Y, ybias, mu, reg, count, biased):
    """Row u of the CSR ``R`` (columns = rows of Y): argmin Σ_j (t_j − z_jᵀx)² + λ‖x‖²,
    z_j = [y_j, 1], t_j = r_uj − μ − b_j when biased (else z_j = y_j, t_j = r_uj),
    λ = reg·n_u (count) or reg. Rows without entries get zeros. float64, shape (n, d)."""
    R = sp.csr_matrix(R)
    d = Y.shape[1] + biased
    out = np.zeros((R.shape[0], d))
    for u in range(R.shape[0]):
        j = R.indices[R.indptr[u]:R.indptr[u + 1]]
        if len(j) == 0:
            continue
        t = R.data[R.indptr[u]:R.indptr[u + 1]].astype(np.float64)
        Z = Y[j].astype(np.float64)
        if biased:
            Z = np.c_[Z, np.ones(len(j))]
            t = t - mu - ybias[j].astype(np.float64)
        lam = reg * len(j) if count else reg
        out[u] = np.linalg.solve(Z.T @ Z + lam * np.eye(d), Z.T @ t)
    return out


def implicit_rows(R, Y, reg, conf):
    """(YᵀY + Σ_j (c_j − 1) y_j y_jᵀ + λI) x = Σ_j c_j y_j with c = conf(r) per stored r."""
    R = sp.csr_matrix(R)
    Y = Y.astype(np.float64)
    G = Y.T @ Y
    out = np.zeros((R.shape[0], Y.shape[1]))
    for u in range(R.shape[0]):
        j = R.indices[R.indptr[u]:R.indptr[u + 1]]
        c = conf(R.data[R.indptr[u]:R.indptr[u + 1]].astype(np.float64))
        A = G + (Y[j].T * (c - 1.0)) @ Y[j] + reg * np.eye(Y.shape[1])
        out[u] = np.linalg.solve(A, Y[j].T @ c)
    return out


def assert_close(got, want, rel):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    np.testing.assert_allclose(got, want, rtol=rel, atol=rel * max(np.abs(want).max(), 1e-12))


def parts(m):
    m = sp.csr_matrix(m, dtype=np.float32)
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data


def half_sweep(model, R, side="users", data=None):
    """One exact (Cholesky) half-sweep of ``side`` through the kernel, on copies of the
    model's state, with the model's own reg / scaling / bias settings."""
    own_f, fixed_f, own_b, fixed_b = (
        ("user_factors_", "item_factors_", "user_bias_", "item_bias_") if side == "users"
        else ("item_factors_", "user_factors_", "item_bias_", "user_bias_"))
    X = getattr(model, own_f).copy()
    xb = getattr(model, own_b).copy()
    implicit = isinstance(model, mfrec.ImplicitALS)
    aug = bool(model._biased)
    indptr, indices, values = parts(R)
    if data is not None:
        values = np.ascontiguousarray(data, dtype=np.float32)
    count = (not implicit) and model.reg_scaling == "count"
    Y = getattr(model, fixed_f)
    prm = _core.AlsParams(reg=float(model.reg), reg_count=count, implicit=implicit,
                          augment=aug, mu=float(model.global_mean_) if aug else 0.0, cg_steps=0)
    _core.als_half_sweep(indptr, indices, values, X, Y, params=prm,
                         gram=_core.gram(Y, n_threads=1) if implicit else None,
                         x_bias=xb if aug else None,
                         other_bias=getattr(model, fixed_b) if aug else None, n_threads=1)
    return X, xb


ROWS = [0, 3, 10, 57, 150, 299]
COLS = [0, 4, 33, 100, 199]


@pytest.fixture(scope="module")
def csr(small):
    return small.to_csr()


# --------------------------------------------------------------------------- 1. ALS
@pytest.mark.parametrize("biased", [True, False])
@pytest.mark.parametrize("reg_scaling,reg", [("count", 0.1), ("none", 1.5)])
def test_als_fold_in_is_one_more_half_sweep(small, csr, biased, reg_scaling, reg):
    m = mfrec.ALS(n_factors=K, n_epochs=3, reg=reg, reg_scaling=reg_scaling, biased=biased,
                  random_state=0).fit(small)
    f, b = m.fold_in(csr[ROWS])
    assert f.shape == (len(ROWS), K) and b.shape == (len(ROWS),)
    assert f.dtype == b.dtype == np.float32
    X, xb = half_sweep(m, csr)
    assert_close(f, X[ROWS], 1e-5)
    if biased:
        assert_close(b, xb[ROWS], 1e-5)
    else:
        assert not b.any()
    # ... which is the documented ridge problem
    want = ridge_rows(csr[ROWS], m.item_factors_, m.item_bias_, m.global_mean_, reg,
                      reg_scaling == "count", biased)
    assert_close(np.c_[f, b] if biased else f, want, 1e-4)
    # the model itself is untouched
    assert m.n_users == small.n_users and m.user_factors_.shape == (small.n_users, K)

    # items: one more item half-sweep (with Cholesky that reproduces the fit's last one)
    fi, bi = m.fold_in_items(csr[:, COLS])
    Y, yb = half_sweep(m, csr.T.tocsr(), side="items")
    assert_close(fi, Y[COLS], 1e-5)
    if biased:
        assert_close(bi, yb[COLS], 1e-5)
    else:
        assert not bi.any()


def test_als_cholesky_fold_in_items_reproduces_last_sweep(small, csr):
    m = mfrec.ALS(n_factors=K, n_epochs=2, solver="cholesky", random_state=1).fit(small)
    f, b = m.fold_in_items(csr[:, COLS])
    assert_close(f, m.item_factors_[COLS], 1e-5)
    assert_close(b, m.item_bias_[COLS], 1e-5)


# --------------------------------------------------------------------------- 2. implicit
@pytest.mark.parametrize("kind,alpha,epsilon", [("linear", 4.0, 1.0), ("log", 6.0, 0.5)])
def test_implicit_fold_in_is_one_more_half_sweep(small, csr, kind, alpha, epsilon):
    def conf(r):
        return 1.0 + alpha * (r if kind == "linear" else np.log1p(r / epsilon))

    reg = 0.2
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=3, reg=reg, alpha=alpha, confidence=kind,
                          epsilon=epsilon, random_state=0).fit(small)
    f, b = m.fold_in(csr[ROWS])
    assert not b.any()
    X, _ = half_sweep(m, csr, data=conf(csr.data.astype(np.float64)))
    assert_close(f, X[ROWS], 1e-5)
    assert_close(f, implicit_rows(csr[ROWS], m.item_factors_, reg, conf), 1e-4)

    ct = csr.T.tocsr()
    fi, bi = m.fold_in_items(csr[:, COLS])
    assert not bi.any()
    Y, _ = half_sweep(m, ct, side="items", data=conf(ct.data.astype(np.float64)))
    assert_close(fi, Y[COLS], 1e-5)
    assert_close(fi, implicit_rows(ct[COLS], m.user_factors_, reg, conf), 1e-4)


def test_implicit_fold_in_ignores_stored_zeros(small, csr):
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=2, random_state=0).fit(small)
    rows = csr[ROWS].tocoo()
    extra = np.setdiff1d(np.arange(200), rows.col[rows.row == 0])[:5]  # unobserved pairs
    with_zeros = sp.csr_matrix((np.r_[rows.data, np.zeros(5)],
                                (np.r_[rows.row, np.zeros(5, int)], np.r_[rows.col, extra])),
                               shape=rows.shape)
    assert with_zeros.nnz == rows.nnz + 5  # stored zeros
    np.testing.assert_array_equal(m.fold_in(with_zeros)[0], m.fold_in(csr[ROWS])[0])


# --------------------------------------------------------------------------- 3. FunkSVD, Baseline
@pytest.mark.parametrize("biased", [True, False])
@pytest.mark.parametrize("params", [{}, {"reg": 0.05, "reg_user": 0.08, "reg_bias": 0.08}])
def test_funksvd_fold_in_is_ridge(small, csr, biased, params):
    m = mfrec.FunkSVD(n_factors=K, n_epochs=3, biased=biased, random_state=0,
                      **params).fit(small)
    reg_user = params.get("reg_user", m.reg)
    f, b = m.fold_in(csr[ROWS])
    want = ridge_rows(csr[ROWS], m.item_factors_, m.item_bias_, m.global_mean_, reg_user,
                      True, biased)
    assert_close(np.c_[f, b] if biased else f, want, 1e-4)
    if not biased:
        assert not b.any()


def test_baseline_fold_in_is_bias_solve(small, csr):
    m = mfrec.Baseline(reg_user=7.0).fit(small)
    f, b = m.fold_in(csr[ROWS])
    assert f.shape == (len(ROWS), 0)
    R = csr[ROWS]
    want = [np.sum(R[j].data - m.global_mean_ - m.item_bias_[R[j].indices])
            / (7.0 + R[j].nnz) for j in range(len(ROWS))]
    assert_close(b, want, 1e-5)
    # users are solved last in every sweep: folding in a training user reproduces its bias
    assert_close(b, m.user_bias_[ROWS], 1e-5)


@pytest.mark.parametrize("model", [mfrec.Baseline(),  # defaults reg_user=15, reg_item=10
                                   mfrec.FunkSVD(n_factors=K, n_epochs=3, reg_user=0.02,
                                                 reg_item=0.3, reg_bias=0.3, random_state=0)],
                         ids=["Baseline", "FunkSVD"])
def test_fold_in_items_uses_item_regularization(small, csr, model):
    m = model.fit(small)
    f, b = m.fold_in_items(csr[:, COLS])
    ct = csr.T.tocsr()[COLS]
    if isinstance(m, mfrec.Baseline):
        want = np.array([np.sum(ct[j].data - m.global_mean_ - m.user_bias_[ct[j].indices])
                         / (m.reg_item + ct[j].nnz) for j in range(len(COLS))])
        assert_close(b, want, 1e-4)
    else:
        want = ridge_rows(ct, m.user_factors_, m.user_bias_, m.global_mean_, m.reg_item,
                          True, True)
        assert_close(np.c_[f, b], want, 1e-4)


# --------------------------------------------------------------------------- 4. add_users
def string_ids(data):
    users = np.array([f"user{u:04d}" for u in data.users])
    items = np.array([f"item{i:03d}" for i in data.items])
    return mfrec.Interactions(users, items, data.ratings, rating_scale=(1, 5))


def check_registered(m, new_ids, given, f, b):
    """The new users are known: factors = fold-in, predict and recommend by raw id work, and
    their given items are their seen items."""
    inner = m.user_map_.to_inner(new_ids)
    np.testing.assert_array_equal(m.user_factors_[inner], f)
    np.testing.assert_array_equal(m.user_bias_[inner], b)
    items = m.item_map_.ids[[0, 5, 9]]
    for uid, fu, bu in zip(new_ids, f, b):
        want = fu.astype(np.float64) @ m.item_factors_[m.item_map_.to_inner(items)].T
        if m._biased:
            want += m.global_mean_ + bu + m.item_bias_[m.item_map_.to_inner(items)]
        got = m.predict([uid] * 3, items, clip=False)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    ids, scores = m.recommend(new_ids, n=m.n_items)
    for row, uid in enumerate(new_ids):
        rec = [x for x in ids[row] if x is not None and x != -1]
        assert not set(rec) & set(given[uid])
        assert set(rec) | set(given[uid]) == set(m.item_map_.ids.tolist())
        assert np.all(np.diff(scores[row][: len(rec)]) <= 0)


def test_add_users_with_string_ids(small):
    data = string_ids(small)
    m = mfrec.ALS(n_factors=K, n_epochs=3, random_state=0).fit(data)
    before = m.predict(data.users[:50], data.items[:50])
    given = {"newu0001": ["item001", "item005", "item100"], "newu0002": ["item007", "item003"]}
    new = mfrec.Interactions([u for u, its in given.items() for _ in its],
                             [i for its in given.values() for i in its], [5, 4, 1, 3, 5],
                             rating_scale=(1, 5))
    f, b = m.fold_in(new)
    inner = m.add_users(new)
    np.testing.assert_array_equal(inner, [300, 301])
    assert m.n_users == 302
    check_registered(m, list(given), given, f, b)
    np.testing.assert_array_equal(m.predict(data.users[:50], data.items[:50]), before)
    # the whole-catalogue recommend knows them too
    all_ids, _ = m.recommend(n=3)
    assert all_ids.shape == (302, 3)


def test_add_users_with_shifted_int_ids(small):
    data = mfrec.Interactions(small.users + 1000, small.items + 5000, small.ratings)
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=3, random_state=0).fit(data)
    given = {7: [5003, 5010], 8: [5003]}
    new = mfrec.Interactions([7, 7, 8], [5003, 5010, 5003])
    f, b = m.fold_in(new)
    np.testing.assert_array_equal(m.add_users(new), [300, 301])
    check_registered(m, [7, 8], given, f, b)
    assert m.predict([1000], [5003])[0] == pytest.approx(
        float(m.user_factors_[0] @ m.item_factors_[3]), rel=1e-5)


@pytest.mark.parametrize("cls", [mfrec.ALS, mfrec.ImplicitALS, mfrec.FunkSVD, mfrec.Baseline])
def test_add_users_to_sparse_fitted_model(small, csr, cls):
    params = {} if cls is mfrec.Baseline else {"n_factors": K, "n_epochs": 3,
                                               "random_state": 0}
    m = cls(**params).fit(csr)
    new = csr[[3, 5]]
    f, b = m.fold_in(new)
    np.testing.assert_array_equal(m.add_users(new), [300, 301])
    assert m.user_map_.identity and m.n_users == 302
    given = {300: list(csr[3].indices), 301: list(csr[5].indices)}
    check_registered(m, [300, 301], given, f, b)
    np.testing.assert_array_equal(m.add_users(csr[[7]]), [302])  # ids keep counting
    assert m.n_users == 303


def test_add_users_errors(small, csr):
    m = mfrec.ALS(n_factors=K, n_epochs=2, random_state=0).fit(csr)
    new = csr[[3, 5]]
    with pytest.raises(ValueError, match="new and unique"):
        m.add_users(new, user_ids=[5, 900])  # 5 is known
    with pytest.raises(ValueError, match="new and unique"):
        m.add_users(new, user_ids=[900, 900])
    with pytest.raises(ValueError, match="2 entries"):
        m.add_users(new, user_ids=[900])
    with pytest.raises(ValueError, match=r"shape \(2, 200\)"):
        m.add_users(sp.csr_matrix((2, 201), dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(2, 200\)"):
        m.fold_in(sp.csr_matrix((2, 199), dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(300, 2\)"):
        m.fold_in_items(sp.csr_matrix((301, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(300, 2\)"):
        m.add_items(sp.csr_matrix((299, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="NaN or infinite"):
        m.fold_in(sp.csr_matrix(np.r_[np.nan, np.zeros(199)][None, :]))
    assert m.n_users == 300 and m.n_items == 200  # failed calls register nothing

    # raw-id models need raw ids for sparse input; Interactions carry theirs
    r = mfrec.ALS(n_factors=K, n_epochs=2, random_state=0).fit(string_ids(small))
    with pytest.raises(ValueError, match="user_ids are required"):
        r.add_users(new)
    np.testing.assert_array_equal(r.add_users(new, user_ids=["newu0001", "newu0002"]),
                                  [300, 301])
    again = mfrec.Interactions(["newu0001"], ["item001"], [3.0])
    with pytest.raises(ValueError, match="new and unique"):
        r.add_users(again)  # already added
    with pytest.raises(mfrec.NotFittedError):
        mfrec.ALS().fold_in(new)


@pytest.mark.parametrize("biased", [True, False])
def test_new_user_without_interactions(small, biased):
    data = string_ids(small)
    m = mfrec.ALS(n_factors=K, n_epochs=3, biased=biased, random_state=0).fit(data)
    new = mfrec.Interactions(["newu0001", "newu0001"], ["item001", "item002"], [4, 5],
                             user_ids=["newu0001", "ghost000"], rating_scale=(1, 5))
    f, b = m.fold_in(new)
    assert f[0].any() and not f[1].any() and b[1] == 0
    m.add_users(new)
    g = m.user_map_.to_inner(["ghost000"])[0]
    assert not m.user_factors_[g].any() and m.user_bias_[g] == 0
    items = data.item_ids[:20]
    pred = m.predict(["ghost000"] * 20, items, clip=False)
    want = (m.global_mean_ + m.item_bias_[:20]) if biased else np.full(20, m.global_mean_)
    np.testing.assert_allclose(pred, want, rtol=1e-6)
    ids, scores = m.recommend(["ghost000"], n=5)  # nothing seen: the top item biases
    assert np.all(np.isfinite(scores))
    if biased:
        np.testing.assert_array_equal(ids[0], data.item_ids[np.argsort(-m.item_bias_,
                                                                       kind="stable")[:5]])


def test_new_sparse_row_without_interactions(small, csr):
    m = mfrec.ALS(n_factors=K, n_epochs=2, random_state=0).fit(csr)
    rows = sp.vstack([csr[[4]], sp.csr_matrix((1, 200), dtype=np.float32)]).tocsr()
    m.add_users(rows)
    assert m.user_factors_[300].any() and not m.user_factors_[301].any()
    assert m.predict([301], [9])[0] == pytest.approx(m.global_mean_ + m.item_bias_[9], rel=1e-6)


def test_add_users_longer_string_ids(small):
    users = np.array([f"u{u:03d}" for u in small.users])  # dtype <U4
    m = mfrec.ALS(n_factors=K, n_epochs=2, random_state=0).fit(
        mfrec.Interactions(users, small.items, small.ratings))
    m.add_users(mfrec.Interactions(["newcomer", "newcomer"], [1, 2], [4.0, 5.0]))
    assert "newcomer" in m.user_map_.ids.tolist()
    assert np.isfinite(m.predict(["newcomer"], [3])).all()


# --------------------------------------------------------------------------- 5. items
def test_add_items_to_sparse_fitted_model(small, csr):
    m = mfrec.ALS(n_factors=K, n_epochs=3, random_state=0).fit(csr)
    new = csr[:, [3, 8]]  # shape (n_users, n_new): two copies of existing columns
    f, b = m.fold_in_items(new)
    np.testing.assert_array_equal(m.add_items(new), [200, 201])
    assert m.item_map_.identity and m.n_items == 202
    np.testing.assert_array_equal(m.item_factors_[200:], f)
    np.testing.assert_array_equal(m.item_bias_[200:], b)
    have = new[:, 0].nonzero()[0]
    lack = np.setdiff1d(np.arange(300), have)
    want = m.global_mean_ + m.user_bias_[lack[:5]] + b[0] + m.user_factors_[lack[:5]] @ f[0]
    np.testing.assert_allclose(m.predict(lack[:5], [200] * 5, clip=False), want, rtol=1e-5)
    ids, _ = m.recommend(have, n=202)  # users who have the new item never get it
    assert not np.isin(ids, [200]).any()
    ids, _ = m.recommend(lack, n=202)  # the others can
    assert np.isin(ids, [200]).any(axis=1).all()
    sims, _ = m.similar_items([200], n=3)
    assert sims.shape == (1, 3) and 200 not in sims


def test_add_items_with_raw_ids(small):
    data = string_ids(small)
    m = mfrec.ImplicitALS(n_factors=K, n_epochs=3, random_state=0).fit(data)
    buyers = ["user0001", "user0002", "user0003", "user0010"]
    new = mfrec.Interactions(buyers + ["user0001"], ["itemNEW"] * 4 + ["itemNW2"],
                             [1, 2, 1, 3, 1])
    f, b = m.fold_in_items(new)
    np.testing.assert_array_equal(m.add_items(new), [200, 201])
    np.testing.assert_array_equal(m.item_factors_[200:], f)
    assert f.any(axis=1).all() and not b.any()
    got = m.predict(["user0100"], ["itemNEW"])[0]
    assert got == pytest.approx(float(m.user_factors_[100] @ f[0]), rel=1e-5)
    ids, _ = m.recommend(buyers, n=m.n_items)
    assert not (ids == "itemNEW").any()
    assert not (ids[0] == "itemNW2").any()
    with pytest.raises(ValueError, match="new and unique"):
        m.add_items(new)
    with pytest.raises(ValueError, match="item_ids are required"):
        m.add_items(sp.csr_matrix((300, 1), dtype=np.float32))


def test_item_shape_error_names_item_users(small, csr):
    m = mfrec.ALS(n_factors=K, n_epochs=1, random_state=0).fit(csr)
    with pytest.raises(ValueError, match=r"item_users must have shape \(300, 2\)"):
        m.fold_in_items(sp.csr_matrix((301, 2), dtype=np.float32))


# --------------------------------------------------------------------------- 6. raw keys
def test_dataframe_keyed_by_raw_item_ids(small):
    pd = pytest.importorskip("pandas")
    data = string_ids(small)
    m = mfrec.ALS(n_factors=K, n_epochs=3, random_state=0).fit(data)
    df = pd.DataFrame({"user": ["x", "x", "x", "y"],
                       "item": ["item150", "item002", "item077", "item002"],
                       "rating": [5.0, 1.0, 3.0, 4.0]})
    # the same rows as a sparse matrix over the model's inner item ids (users x, y sorted)
    cols = m.item_map_.to_inner(df["item"].to_numpy())
    rows = np.array([0, 0, 0, 1])
    S = sp.csr_matrix((df["rating"].to_numpy(), (rows, cols)), shape=(2, 200))
    for got, want in zip(m.fold_in(df), m.fold_in(S)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(m.fold_in(mfrec.Interactions.from_pandas(df)), m.fold_in(S)):
        np.testing.assert_array_equal(got, want)
    bad = pd.DataFrame({"user": ["x"], "item": ["item999"], "rating": [3.0]})
    with pytest.raises(KeyError, match="item999"):
        m.fold_in(bad)
    with pytest.raises(KeyError, match="item999"):
        m.add_users(bad)
    assert m.n_users == 300
    # items keyed by raw user ids
    di = pd.DataFrame({"user": ["user0004", "user0200"], "item": ["new", "new"],
                       "rating": [4.0, 2.0]})
    Si = sp.csr_matrix(([4.0, 2.0], ([4, 200], [0, 0])), shape=(300, 1))
    for got, want in zip(m.fold_in_items(di), m.fold_in_items(Si)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(KeyError, match="nobody"):
        m.fold_in_items(pd.DataFrame({"user": ["nobody"], "item": ["new"], "rating": [1.0]}))
    np.testing.assert_array_equal(m.add_users(df), [300, 301])
    assert m.predict(["y"], ["item002"], clip=False)[0] == pytest.approx(
        m.global_mean_ + m.user_bias_[301] + m.item_bias_[2]
        + float(m.user_factors_[301] @ m.item_factors_[2]), rel=1e-5)


def test_add_items_keeps_and_pads_item_metadata(small):
    """Titles survive add_items (new items show their id); numeric metadata is padded."""
    m = mfrec.FunkSVD(n_factors=K, n_epochs=2, random_state=0).fit(small)
    titles = small.item_titles.copy()
    m.add_items(sp.csr_matrix(np.ones((small.n_users, 2), dtype=np.float32)),
                item_ids=[1000, 1001])
    got = m._train.item_titles
    assert list(got[:len(titles)]) == list(titles) and list(got[-2:]) == ["1000", "1001"]
    genre = m._train.item_metadata["genre"]
    assert len(genre) == small.n_items + 2 and list(genre[-2:]) == [-1, -1]
    m.add_users(sp.csr_matrix(np.ones((1, m.n_items), dtype=np.float32)), user_ids=[5000])
    assert list(m._train.item_titles) == list(got)
