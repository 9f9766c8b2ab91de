"""SVDpp(algorithm="grid"): the grid kernel against a numpy reference of its two passes,
thread-count independence, accuracy and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from test_svdpp import K, _extra, _init, assert_close

import mfrec
from mfrec import _core
from mfrec.models._sgd import block_grid, sgd_schedules
from mfrec.models._svdpp_train import GRID_Y_DAMPING, _grid_like

ATTRS = ("user_factors_", "item_factors_", "implicit_factors_", "user_implicit_",
         "user_bias_", "item_bias_")


def grid_epoch(grid, pattern, schedule, u_id, i_id, P, Q, Y, Z, bu, bi, sn, damp, mu, lr, reg,
               G, inv_k):
    """One epoch of svdpp_grid.hpp, written plainly (id space): pass 0 over the blocks in
    the schedule's order (the SGD steps, z_u carried in closed form, each user's y step a_u
    and decay D_u gathered), then pass 1 (y_j ← y_j + ω_j((D_u − 1) y_j + a_u), the next
    z_u = Σ sn_u y_j as each y_j is once u's step is in) over ``pattern``, N(u)'s grid
    (user, item, block_ptr). Returns Σ err²."""
    f32 = np.float32
    lr, reg = [f32(v) for v in lr], [f32(v) for v in reg]
    A = np.zeros_like(P)
    D = np.ones(len(P), f32)
    sse = 0.0
    blocks = [int(b) for rnd in schedule for b in rnd]
    for b in blocks:
        for e in range(grid.block_ptr[b], grid.block_ptr[b + 1]):
            u, i = u_id[grid.user[e]], i_id[grid.item[e]]
            p, q, z = P[u].copy(), Q[i].copy(), Z[u].copy()
            err = f32(grid.rating[e] - f32(f32(mu) + bu[u] + bi[i] + f32(np.dot(q, p + z))))
            sse += float(err) ** 2
            a_bu, a_bi, a_p, a_q, a_y = lr
            if G is not None:
                eta_u, eta_i = f32(1) / np.sqrt(G[0][u]), f32(1) / np.sqrt(G[1][i])
                a_bu, a_p, a_y = a_bu * eta_u, a_p * eta_u, a_y * eta_u
                a_bi, a_q = a_bi * eta_i, a_q * eta_i
            bu[u] += a_bu * (err - reg[0] * bu[u])
            bi[i] += a_bi * (err - reg[1] * bi[i])
            d = f32(1) - a_y * reg[4]
            g = err * q
            gp = g - reg[2] * p
            gq = err * (p + z) - reg[3] * q
            P[u] = p + a_p * gp
            Q[i] = q + a_q * gq
            Z[u] = d * z + a_y * g
            A[u] = d * A[u] + a_y * sn[u] * g
            D[u] *= d
            if G is not None:
                G[0][u] += f32(np.dot(gp, gp)) * inv_k
                G[1][i] += f32(np.dot(gq, gq)) * inv_k
    Z[:] = 0
    p_user, p_item, p_ptr = pattern
    for b in blocks:
        for e in range(p_ptr[b], p_ptr[b + 1]):
            u, j = u_id[p_user[e]], i_id[p_item[e]]
            w = damp[j]
            Y[j] = (f32(1) - w * (f32(1) - D[u])) * Y[j] + w * A[u]
            Z[u] += sn[u] * Y[j]
    return sse


@pytest.mark.parametrize("schedule", ["constant", "adagrad"])
@pytest.mark.parametrize("k", [5, 20])
@pytest.mark.parametrize("n_blocks", [1, 3])
@pytest.mark.parametrize("with_extra", [False, True])
def test_grid_kernel_matches_numpy_reference(small, schedule, k, n_blocks, with_extra):
    """Two epochs, float32: the grid kernel equals its two passes written plainly, to
    relative 1e-4, at two threads (the blocks of a round share no row); with extra implicit
    items, N(u)'s grid has the ratings' ranks and bins."""
    seed, n_epochs = 5, 2
    lr, reg = (0.01, 0.05) if schedule == "constant" else (0.05, 0.1)
    extra = _extra(small) if with_extra else None
    model = mfrec.SVDpp(n_factors=k, n_epochs=n_epochs, lr=lr, reg=reg, lr_implicit=lr / 2,
                        reg_implicit=reg * 2, lr_schedule=schedule, init_std=0.1,
                        algorithm="grid", n_blocks=n_blocks, n_threads=2,
                        random_state=seed).fit(small, implicit_items=extra)

    # Replay fit()'s draws: the per-user trainer's four (its factors, rows in rank space),
    # then the grid's ranks and schedules
    seeds = np.random.default_rng(seed).integers(0, 2**63, size=4)
    P, Q, Y = (_init(n, k, int(s), 0.1)
               for n, s in zip((small.n_users, small.n_items, small.n_items), seeds[:3]))
    rng = np.random.default_rng(seed)
    rng.integers(0, 2**63, size=4)
    grid = block_grid(small, small.ratings, n_blocks, rng, 1)
    schedules = sgd_schedules(rng, n_blocks, n_epochs)
    u_id, i_id = np.argsort(grid.user_rank), np.argsort(grid.item_rank)
    P, Q, Y = P[grid.user_rank], Q[grid.item_rank], Y[grid.item_rank]  # to id space
    counts = np.diff(small.indptr)
    N = small.to_csr().astype(bool)
    if extra is not None:
        N = N + extra.astype(bool)
    N = sp.csr_matrix(sp.diags((counts > 0).astype(float)) @ N.astype(np.float32))
    N.eliminate_zeros()
    N.sort_indices()
    N_of = [N.indices[N.indptr[u]:N.indptr[u + 1]] for u in range(small.n_users)]
    n_u = np.array([len(x) for x in N_of])
    sn = np.where(n_u > 0, 1.0 / np.sqrt(np.maximum(n_u, 1)), 0.0).astype(np.float32)
    users_per_item = np.bincount(N.indices, minlength=small.n_items)
    damp = (1.0 / (1.0 + users_per_item / GRID_Y_DAMPING)).astype(np.float32)
    pattern = (grid.user, grid.item, grid.block_ptr)
    if extra is not None:  # N(u)'s grid: the ranks and bins of the ratings' grid
        pattern = _grid_like(grid, (N.indptr.astype(np.int64), N.indices.astype(np.int32)),
                             counts, small.item_counts(), 1)
        # block b of either grid: the same user bin and item bin
        B, blocks_of = n_blocks, lambda ptr: np.repeat(np.arange(B * B), np.diff(ptr))
        user_bin, item_bin = np.full(small.n_users, -1), np.full(small.n_items, -1)
        user_bin[grid.user] = blocks_of(grid.block_ptr) // B
        item_bin[grid.item] = blocks_of(grid.block_ptr) % B
        b = blocks_of(pattern[2])
        assert (user_bin[pattern[0]] == b // B).all()
        rated = item_bin[pattern[1]] >= 0  # items only in implicit_items: in no rating block
        assert (item_bin[pattern[1]][rated] == (b % B)[rated]).all()
    Z = np.zeros_like(P)
    for u in range(small.n_users):
        if n_u[u]:
            Z[u] = Y[N_of[u]].sum(axis=0) * sn[u]
    bu = np.zeros(small.n_users, np.float32)
    bi = np.zeros(small.n_items, np.float32)
    mu = np.float32(small.ratings.mean(dtype=np.float64))
    G = None
    if schedule == "adagrad":
        G = (np.ones(small.n_users, np.float32), np.ones(small.n_items, np.float32))
    losses = [grid_epoch(grid, pattern, schedules[t], u_id, i_id, P, Q, Y, Z, bu, bi, sn, damp, mu,
                         (lr, lr, lr, lr, lr / 2), (reg, reg, reg, reg, 2 * reg), G,
                         np.float32(1 / k)) / small.nnz
              for t in range(n_epochs)]

    assert_close(model.user_factors_, P)
    assert_close(model.item_factors_, Q)
    assert_close(model.implicit_factors_, Y)
    assert_close(model.user_bias_, bu)
    assert_close(model.item_bias_, bi)
    assert_close([h["loss"] for h in model.history_], losses)
    # user_implicit_ is z_u of the final y_j
    Zf = np.zeros_like(P)
    for u in range(small.n_users):
        if n_u[u]:
            Zf[u] = Y[N_of[u]].sum(axis=0) * sn[u]
    assert_close(model.user_implicit_, Zf)


def test_grid_is_bit_identical_at_any_thread_count_and_epoch_by_epoch(small):
    kw = dict(n_factors=K, n_epochs=4, algorithm="grid", n_blocks=2, random_state=3)
    a = mfrec.SVDpp(**kw, n_threads=1).fit(small)
    b = mfrec.SVDpp(**kw, n_threads=2).fit(small)
    c = mfrec.SVDpp(**kw, n_threads=2).fit(small, callback=lambda info: None)
    for attr in ATTRS:
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
        np.testing.assert_array_equal(getattr(a, attr), getattr(c, attr))
    d = mfrec.SVDpp(**{**kw, "random_state": 4}, n_threads=1).fit(small)
    assert not np.array_equal(a.user_factors_, d.user_factors_)


def test_the_default_is_the_grid_with_or_without_implicit_items(small):
    kw = dict(n_factors=K, n_epochs=2, n_threads=1, random_state=3)
    assert mfrec.SVDpp().algorithm == "grid"
    for extra in (None, _extra(small)):
        default = mfrec.SVDpp(**kw).fit(small, implicit_items=extra)
        grid = mfrec.SVDpp(**kw, algorithm="grid").fit(small, implicit_items=extra)
        for attr in ATTRS:
            np.testing.assert_array_equal(getattr(default, attr), getattr(grid, attr))
        walk = mfrec.SVDpp(**kw, algorithm="per_user").fit(small, implicit_items=extra)
        assert not np.array_equal(grid.user_factors_, walk.user_factors_)
    # implicit_items change the grid's fit, and repeated rated pairs do not (N(u) is a set)
    plain = mfrec.SVDpp(**kw).fit(small)
    with_extra = mfrec.SVDpp(**kw).fit(small, implicit_items=_extra(small))
    rated_again = mfrec.SVDpp(**kw).fit(small, implicit_items=small.to_csr())
    assert not np.array_equal(with_extra.user_factors_, plain.user_factors_)
    for attr in ATTRS:
        np.testing.assert_array_equal(getattr(rated_again, attr), getattr(plain, attr))


def test_grid_trains_as_well_as_the_per_user_walk(small):
    train, test = mfrec.model_selection.train_test_split(small, 0.2, random_state=0)
    rmse = {alg: mfrec.evaluate(mfrec.SVDpp(n_factors=K, algorithm=alg, random_state=0)
                                .fit(train), test)["rmse"] for alg in ("per_user", "grid")}
    assert abs(rmse["grid"] - rmse["per_user"]) < 0.02, rmse


def test_grid_defaults_beat_funksvd_defaults_on_ml100k(ml100k):
    # the grid's y step undamped overshoots here (RMSE ~0.97; svdpp_grid.hpp); damped it
    # matches the per-user walk (0.898)
    train, test = mfrec.model_selection.train_test_split(ml100k, 0.2, random_state=0)
    grid = mfrec.evaluate(mfrec.SVDpp(algorithm="grid", random_state=0).fit(train),
                          test)["rmse"]
    funk = mfrec.evaluate(mfrec.FunkSVD(random_state=0).fit(train), test)["rmse"]
    assert grid < funk, (grid, funk)
    assert grid < 0.905


def test_grid_bad_input(small):
    with pytest.raises(ValueError, match="algorithm"):
        mfrec.SVDpp(algorithm="blocks").fit(small)
    with pytest.raises(ValueError, match="n_blocks"):
        mfrec.SVDpp(algorithm="grid", n_blocks=0).fit(small)


def test_grid_kernel_checks_its_arrays(small):
    m = mfrec.SVDpp(n_factors=K, n_epochs=1, algorithm="grid", n_blocks=2, n_threads=1,
                    random_state=0)
    from mfrec._engine import LocalEngine
    from mfrec.models._svdpp_train import SvdppGridTrainer

    params = {**m._check_params(), "global_mean": float(small.ratings.mean())}
    t = SvdppGridTrainer(m, small, params, LocalEngine(1), 2)
    args = [*t.grid.arrays, t.schedules, t.steps, t.P, t.Q, t.Y, t.Z, t.A, t.bu, t.bi, t.Gu,
            t.Gi, t.D, t.sn, t.damp]
    kw = dict(params=t.params, n_threads=1)
    bad_user = t.grid.user.copy()
    bad_user[0] = small.n_users
    bad_schedule = t.schedules.copy()
    bad_schedule[0, 0, 0] = 4
    for pos, value, match in [(0, bad_user, "out of range"), (4, bad_schedule, "block id"),
                              (17, t.damp[:-1], "damp"), (10, t.A[:-1], "A")]:
        call = list(args)
        call[pos] = value
        with pytest.raises(ValueError, match=match):
            _core.svdpp_grid_epochs(*call, **kw)
    sse, _ = _core.svdpp_grid_epochs(*args, **kw)
    assert len(sse) == 1 and np.isfinite(sse[0])
    # the implicit grid: all three arrays or none, the ratings' B, indices in range
    g = t.grid
    with pytest.raises(ValueError, match="go together"):
        _core.svdpp_grid_epochs(*args, **kw, implicit_user=g.user)
    one_bin = np.array([0, len(g.user)], dtype=np.int64)
    with pytest.raises(ValueError, match="B x B"):
        _core.svdpp_grid_epochs(*args, **kw, implicit_user=g.user, implicit_item=g.item,
                                implicit_block_ptr=one_bin)
    bad_item = g.item.copy()
    bad_item[-1] = small.n_items
    with pytest.raises(ValueError, match="out of range"):
        _core.svdpp_grid_epochs(*args, **kw, implicit_user=g.user, implicit_item=bad_item,
                                implicit_block_ptr=g.block_ptr)
    with pytest.raises(ValueError, match="out of range"):
        _core.svdpp_grid_terms(g.user, bad_item, g.block_ptr, t.Y, t.Z, t.sn, n_threads=1)


def test_grid_builder_checks_the_balancing_counts(small):
    X = small.to_csr()
    n = X.nnz
    ranks = (np.arange(small.n_users, dtype=np.int32), np.arange(small.n_items, dtype=np.int32))
    out = (np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n, np.float32),
           np.empty(5, np.int64))
    base = (X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, *ranks, *out)
    for kw, match in [({"user_count": np.zeros(3, np.int64)}, "user_count"),
                      ({"item_count": -np.ones(small.n_items, np.int64)}, "item_count")]:
        with pytest.raises(ValueError, match=match):
            _core.sgd_build_blocks(*base, n_bins=2, **kw)
    # the matrix's own counts given explicitly: the same grid as without them
    _core.sgd_build_blocks(*base, n_bins=2)
    ref = [a.copy() for a in out]
    _core.sgd_build_blocks(*base, n_bins=2, user_count=np.diff(X.indptr).astype(np.int64),
                           item_count=small.item_counts().astype(np.int64))
    for a, b in zip(ref, out):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("algorithm", ["grid", "per_user"])
def test_given_initial_factors_land_on_their_ids(small, algorithm):
    """The seam the Surprise compat layer uses (``_initial_values``, models/_sgd.given_rows):
    with ``n_epochs=0`` the fitted factors are the given ones, row for row — through the
    grid's rank space too; a wrong shape is refused."""
    k = 6
    rng = np.random.default_rng(3)
    given = {"user_factors": rng.normal(size=(small.n_users, k)),
             "item_factors": rng.normal(size=(small.n_items, k)),
             "implicit_factors": rng.normal(size=(small.n_items, k))}
    m = mfrec.SVDpp(n_factors=k, n_epochs=0, algorithm=algorithm, random_state=0)
    m._initial_values = given
    m.fit(small)
    for name, want in given.items():
        np.testing.assert_array_equal(getattr(m, name + "_"), want.astype(np.float32), name)
    m._initial_values = {"user_factors": given["user_factors"][:, :k - 1]}
    with pytest.raises(ValueError, match="initial user_factors"):
        m.fit(small)
