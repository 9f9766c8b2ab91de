"""Type stub of mfrec._core, the C++ kernels (private API: use the mfrec package).

Written by tools/make_stub.py from the compiled module; tests/test_stub.py checks it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__version__: str
__all__: list[str] = [
    "AlsParams",
    "BprParams",
    "GibbsParams",
    "KnnPredictParams",
    "KnnSimParams",
    "NmfParams",
    "PredictParams",
    "SgdParams",
    "SvdppParams",
    "als_half_sweep",
    "baseline_als_sweep",
    "bpr_alias_table",
    "bpr_epochs",
    "bpr_fold_in",
    "cpu_isa_level",
    "gibbs_half_sweep",
    "gram",
    "gram_parts",
    "implicit_loss",
    "init_normal",
    "isa_dispatch",
    "isa_level",
    "knn_dot_pairs",
    "knn_dot_scores",
    "knn_predict",
    "knn_predict_computed",
    "knn_predict_grid",
    "knn_similarity",
    "nmf_mu_epochs",
    "nmf_sgd_epochs",
    "nonneg_ridge_rows",
    "openmp_enabled",
    "pack_panels",
    "predict_pairs",
    "set_isa_level",
    "sgd_build_blocks",
    "sgd_epochs",
    "sgd_row_floats",
    "stacked_moments",
    "svdpp_epochs",
    "svdpp_grid_epochs",
    "svdpp_grid_terms",
    "svdpp_user_order",
    "svdpp_user_terms",
    "topk",
    "topk_dense",
    "topk_panel_width",
]

class AlsParams:
    """
    What an ALS half-sweep solves per row (see als.hpp).
    """
    reg: float
    reg_count: bool
    implicit: bool
    augment: bool
    mu: float
    cg_steps: int
    reg_bias: float
    def __init__(
        self,
        *,
        reg: float = ...,
        reg_count: bool = ...,
        implicit: bool = ...,
        augment: bool = ...,
        mu: float = ...,
        cg_steps: int = ...,
        reg_bias: float = ...,
    ) -> None: ...

class BprParams:
    """
    BPR's SGD step and sampling (see bpr.hpp).
    """
    lr: float
    reg_user: float
    reg_item: float
    reg_bias: float
    adagrad: bool
    verify: bool
    n_factors: int
    seed: int
    def __init__(
        self,
        *,
        lr: float = ...,
        reg_user: float = ...,
        reg_item: float = ...,
        reg_bias: float = ...,
        adagrad: bool = ...,
        verify: bool = ...,
        n_factors: int = ...,
        seed: int = ...,
    ) -> None: ...

class GibbsParams:
    """
    What a Gibbs half-sweep draws (see bmf.hpp).
    """
    alpha: float
    mu: float
    biased: bool
    seed: int
    sweep: int
    side: int
    def __init__(
        self,
        *,
        alpha: float = ...,
        mu: float = ...,
        biased: bool = ...,
        seed: int = ...,
        sweep: int = ...,
        side: int = ...,
    ) -> None: ...

class KnnPredictParams:
    """
    Estimate options (see knn_predict.hpp).
    """
    mode: int
    k: int
    min_k: int
    mu: float
    def __init__(
        self,
        *,
        mode: int = ...,
        k: int = ...,
        min_k: int = ...,
        mu: float = ...,
    ) -> None: ...

class KnnSimParams:
    """
    Similarity options (see knn_similarity.hpp).
    """
    kind: int
    min_support: int
    shrinkage: float
    max_neighbors: int
    def __init__(
        self,
        *,
        kind: int = ...,
        min_support: int = ...,
        shrinkage: float = ...,
        max_neighbors: int = ...,
    ) -> None: ...

class NmfParams:
    """
    NMF's multiplicative updates (see nmf_mu.hpp): penalties per rating, bias steps.
    """
    mu: float
    reg_p: float
    reg_q: float
    reg_bu: float
    reg_bi: float
    lr_bu: float
    lr_bi: float
    biased: bool
    simultaneous: bool
    def __init__(
        self,
        *,
        mu: float = ...,
        reg_p: float = ...,
        reg_q: float = ...,
        reg_bu: float = ...,
        reg_bi: float = ...,
        lr_bu: float = ...,
        lr_bi: float = ...,
        biased: bool = ...,
        simultaneous: bool = ...,
    ) -> None: ...

class PredictParams:
    """
    score = offset + b_u + b_i + xᵀy, or fallback (see predict.hpp).
    """
    offset: float
    use_fallback: bool
    fallback: float
    clip: bool
    lo: float
    hi: float
    def __init__(
        self,
        *,
        offset: float = ...,
        use_fallback: bool = ...,
        fallback: float = ...,
        clip: bool = ...,
        lo: float = ...,
        hi: float = ...,
    ) -> None: ...

class SgdParams:
    """
    FunkSVD's SGD update (see sgd_step.hpp); the steps come per epoch.
    """
    mu: float
    reg_bu: float
    reg_bi: float
    reg_p: float
    reg_q: float
    biased: bool
    adagrad: bool
    n_factors: int
    def __init__(
        self,
        *,
        mu: float = ...,
        reg_bu: float = ...,
        reg_bi: float = ...,
        reg_p: float = ...,
        reg_q: float = ...,
        biased: bool = ...,
        adagrad: bool = ...,
        n_factors: int = ...,
    ) -> None: ...

class SvdppParams:
    """
    SVD++'s SGD update (see svdpp.hpp); the steps come per epoch.
    """
    mu: float
    reg_bu: float
    reg_bi: float
    reg_p: float
    reg_q: float
    reg_y: float
    adagrad: bool
    n_factors: int
    def __init__(
        self,
        *,
        mu: float = ...,
        reg_bu: float = ...,
        reg_bi: float = ...,
        reg_p: float = ...,
        reg_q: float = ...,
        reg_y: float = ...,
        adagrad: bool = ...,
        n_factors: int = ...,
    ) -> None: ...

def als_half_sweep(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: NDArray[np.float32],
    X: NDArray[np.float32],
    Y: NDArray[np.float32],
    *,
    params: AlsParams,
    gram: NDArray[np.float32] | None = None,
    x_bias: NDArray[np.float32] | None = None,
    other_bias: NDArray[np.float32] | None = None,
    row_loss: NDArray[np.float64] | None = None,
    n_threads: int,
) -> None:
    """
    Solve every row of X (in place) against fixed Y: one ALS half-sweep over the CSR rows
    (indptr, indices, data). gram: YᵀY, required for implicit rows. row_loss (float64, one per
    row): each row's part of the objective at its solution; their sum plus the fixed side's
    penalty reg·‖Y‖² is the whole objective (see als.hpp).
    """

def baseline_als_sweep(
    u_indptr: NDArray[np.int64],
    u_indices: NDArray[np.int32],
    u_data: NDArray[np.float32],
    i_indptr: NDArray[np.int64],
    i_indices: NDArray[np.int32],
    i_data: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    *,
    mu: float,
    reg_user: float,
    reg_item: float,
    n_threads: int,
) -> float:
    """
    One alternating sweep of exact bias solves (items, then users); returns the training SSE.
    """

def bpr_alias_table(
    weights: NDArray[np.float64],
    thr: NDArray[np.uint32],
    alias: NDArray[np.int32],
) -> None:
    """
    Walker's alias table of the distribution proportional to `weights` (n,): thr (uint32) and
    alias (int32), n each: a 32-bit draw r picks column c = floor(r*n / 2**32) and the item c
    when the low 32 bits of r*n are < thr[c], else alias[c].
    """

def bpr_epochs(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    bias: NDArray[np.float32],
    Gu: NDArray[np.float32],
    Gi: NDArray[np.float32],
    neg_thr: NDArray[np.uint32],
    neg_alias: NDArray[np.int32],
    *,
    params: BprParams,
    first_epoch: int,
    n_epochs: int,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """
    BPR epochs first_epoch .. first_epoch + n_epochs - 1 over the positives (users x items CSR
    pattern, sorted rows), updating P, Q, bias (and Gu, Gi with AdaGrad) in place; stops after
    an epoch whose loss is not finite. Returns (sum of -ln sigma(x) per epoch, triples updated
    per epoch, seconds since the start after each epoch).
    """

def bpr_fold_in(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    bias: NDArray[np.float32],
    neg_thr: NDArray[np.uint32],
    neg_alias: NDArray[np.int32],
    *,
    params: BprParams,
    n_passes: int,
    n_threads: int,
) -> None:
    """
    Fold-in: new users' factors P (rows x k, the start values, updated in place) from their
    positives (CSR pattern over the items, sorted rows) by n_passes visits of BPR's SGD with the
    items Q, bias fixed. A row's result depends on its own items only.
    """

def cpu_isa_level() -> int:
    """
    The best ISA level this CPU supports: 4, 3 or 0.
    """

def gibbs_half_sweep(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: NDArray[np.float32],
    X: NDArray[np.float32],
    Y: NDArray[np.float32],
    *,
    params: GibbsParams,
    prec: NDArray[np.float32],
    prec_mean: NDArray[np.float32],
    stats_sum: NDArray[np.float64] | None = None,
    stats_scatter: NDArray[np.float64] | None = None,
    row_sse: NDArray[np.float64] | None = None,
    n_threads: int,
) -> int:
    """
    Draw every row of X (in place) with data from its Gaussian conditional given the fixed Y and
    the prior N(prec⁻¹ prec_mean, prec⁻¹): one Gibbs half-sweep over the CSR rows. stats_sum /
    stats_scatter (float64): Σ x and the lower triangle of Σ x xᵀ over the rows with data;
    row_sse: each row's squared residuals. Returns the number of rows whose precision was not
    positive definite (set to zero).
    """

def gram(
    Y: NDArray[np.float32],
    *,
    n_threads: int,
) -> NDArray[np.float32]:
    """
    YᵀY (thread-count independent).
    """

def gram_parts(
    Y: NDArray[np.float32],
    *,
    n_threads: int,
) -> NDArray[np.float32]:
    """
    YᵀY's per-chunk parts, shape (chunks, k, k), float32: chunk c sums the rows 2048·c …
    2048·(c+1) − 1. gram() adds them in chunk order in float64 and casts to float32, so row
    blocks starting at multiples of 2048 whose parts are added so, block after block, give
    gram()'s bits.
    """

def implicit_loss(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    conf: NDArray[np.float32],
    X: NDArray[np.float32],
    Y: NDArray[np.float32],
    *,
    gram: NDArray[np.float32],
    reg: float,
    n_threads: int,
) -> float:
    """
    Σ_all c (p − xᵀy)² + reg (‖X‖² + ‖Y‖²) over all user-item pairs (c = 1 unobserved); gram =
    YᵀY.
    """

def init_normal(
    X: NDArray[np.float32],
    *,
    k: int,
    mean: float,
    std: float,
    seed: int,
    n_threads: int,
    first_row: int = 0,
) -> None:
    """
    Fill X[:, :k] with Normal(mean, std) draws (row r from stream (seed, first_row + r)), X[:,
    k:] = 0: rows first_row.. of the matrix the same seed fills whole.
    """

def isa_dispatch() -> bool:
    """
    True when hot loops carry runtime-dispatched AVX2/AVX-512 versions.
    """

def isa_level() -> int:
    """
    The ISA level the dispatched kernels use: 4 (AVX-512), 3 (AVX2 + FMA) or 0 (baseline); the
    CPU's unless lowered by MFREC_ISA or set_isa_level.
    """

def knn_dot_pairs(
    s_indptr: NDArray[np.int64],
    s_indices: NDArray[np.int32],
    s_values: NDArray[np.float32],
    u_indptr: NDArray[np.int64],
    u_indices: NDArray[np.int32],
    u_data: NDArray[np.float32],
    u: NDArray[np.int64],
    i: NDArray[np.int64],
    out: NDArray[np.float32],
    *,
    n_threads: int,
) -> None:
    """
    Item-item scores Σ_j r_uj S[j, i] of the pairs (u[q], i[q]).
    """

def knn_dot_scores(
    s_indptr: NDArray[np.int64],
    s_indices: NDArray[np.int32],
    s_values: NDArray[np.float32],
    u_indptr: NDArray[np.int64],
    u_indices: NDArray[np.int32],
    u_data: NDArray[np.float32],
    users: NDArray[np.int64],
    cand: NDArray[np.int32],
    out: NDArray[np.float32],
    *,
    n_threads: int,
) -> None:
    """
    Item-item scores Σ_j r_uj S[j, c] of every (user, candidate) into out (n_users, n_cand).
    """

def knn_predict(
    s_indptr: NDArray[np.int64],
    s_indices: NDArray[np.int32],
    s_values: NDArray[np.float32],
    y_indptr: NDArray[np.int64],
    y_indices: NDArray[np.int32],
    y_data: NDArray[np.float32],
    x_base: NDArray[np.float32],
    y_base: NDArray[np.float32],
    xs: NDArray[np.int64],
    ys: NDArray[np.int64],
    order: NDArray[np.int64],
    est: NDArray[np.float32],
    actual_k: NDArray[np.int32],
    possible: NDArray[np.uint8],
    *,
    params: KnnPredictParams,
    n_threads: int,
) -> None:
    """
    Neighbourhood estimates of the pairs (xs[j], ys[j]) (−1: unknown), visited in `order`
    (grouped by x); writes est, actual_k (neighbours used) and possible.
    """

def knn_predict_computed(
    x_indptr: NDArray[np.int64],
    x_indices: NDArray[np.int32],
    x_data: NDArray[np.float32],
    y_indptr: NDArray[np.int64],
    y_indices: NDArray[np.int32],
    y_data: NDArray[np.float32],
    y_ratings: NDArray[np.float32],
    x_base: NDArray[np.float32],
    y_base: NDArray[np.float32],
    xs: NDArray[np.int64],
    ys: NDArray[np.int64],
    order: NDArray[np.int64],
    est: NDArray[np.float32],
    actual_k: NDArray[np.int32],
    possible: NDArray[np.uint8],
    *,
    sim_params: KnnSimParams,
    params: KnnPredictParams,
    n_threads: int,
) -> None:
    """
    knn_predict without stored similarities: each x's similarity row is computed from by_x/by_y
    (the similarity's values) when its pairs come up; y_ratings are by_y's ratings.
    """

def knn_predict_grid(
    s_indptr: NDArray[np.int64],
    s_indices: NDArray[np.int32],
    s_values: NDArray[np.float32],
    y_indptr: NDArray[np.int64],
    y_indices: NDArray[np.int32],
    y_data: NDArray[np.float32],
    x_base: NDArray[np.float32],
    y_base: NDArray[np.float32],
    xs: NDArray[np.int64],
    ys: NDArray[np.int64],
    out: NDArray[np.float32],
    *,
    x_major: bool,
    params: KnnPredictParams,
    n_threads: int,
) -> None:
    """
    Neighbourhood estimates of every (xs[a], ys[b]) into out (a, b) when x_major, else (b, a);
    impossible estimates get μ.
    """

def knn_similarity(
    x_indptr: NDArray[np.int64],
    x_indices: NDArray[np.int32],
    x_data: NDArray[np.float32],
    y_indptr: NDArray[np.int64],
    y_indices: NDArray[np.int32],
    y_data: NDArray[np.float32],
    *,
    params: KnnSimParams,
    rows: NDArray[np.int64] | None = None,
    n_threads: int,
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float32]]:
    """
    The positive similarities between the rows of by_x (x × y), as CSR (indptr int64, indices
    int32, values float32), columns sorted; of the rows listed in `rows` only (one output row
    each) when given.
    """

def nmf_mu_epochs(
    u_indptr: NDArray[np.int64],
    u_indices: NDArray[np.int32],
    u_data: NDArray[np.float32],
    i_indptr: NDArray[np.int64],
    i_indices: NDArray[np.int32],
    i_data: NDArray[np.float32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    *,
    params: NmfParams,
    n_epochs: int,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """
    Epochs of NMF's multiplicative updates (a user half-sweep, then an item half-sweep) on the
    ratings as users x items CSR (u_*) and items x users CSR (i_*); P, Q, bu, bi updated in
    place. Stops after an epoch whose loss is not finite. Returns (sum of squared errors of each
    epoch's item half-sweep, seconds since the start after each epoch), one entry per epoch run.
    """

def nmf_sgd_epochs(
    user: NDArray[np.int32],
    item: NDArray[np.int32],
    rating: NDArray[np.float32],
    block_ptr: NDArray[np.int64],
    schedules: NDArray[np.int32],
    steps: NDArray[np.float32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    Gu: NDArray[np.float32],
    Gi: NDArray[np.float32],
    *,
    params: SgdParams,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """
    Projected SGD epochs of NMF on the block grid (sgd_epochs' arguments: FunkSVD's update, then
    p, q clamped at 0). Returns (sum of squared errors per epoch, seconds since the start after
    each epoch), one entry per epoch run.
    """

def nonneg_ridge_rows(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: NDArray[np.float32],
    X: NDArray[np.float32],
    Y: NDArray[np.float32],
    *,
    params: AlsParams,
    x_bias: NDArray[np.float32] | None = None,
    other_bias: NDArray[np.float32] | None = None,
    n_threads: int,
) -> None:
    """
    Solve every row of X (in place) against fixed Y: the explicit ALS row objective (params as
    in als_half_sweep) with the factors constrained to be >= 0 (the bias free), exactly, by
    Lawson & Hanson's active-set method. Rows without entries get 0.
    """

def openmp_enabled() -> bool:
    """
    True when the kernels were compiled with OpenMP (parallel).
    """

def pack_panels(
    F: NDArray[np.float32],
    cand: NDArray[np.int32],
    *,
    bias: NDArray[np.float32] | None = None,
    nr: int,
    n_threads: int,
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int32]]:
    """
    Pack candidate items (rows of F, with their bias) into micro-kernel panels.
    """

def predict_pairs(
    users: NDArray[np.int64],
    items: NDArray[np.int64],
    X: NDArray[np.float32],
    Y: NDArray[np.float32],
    out: NDArray[np.float32],
    *,
    user_bias: NDArray[np.float32] | None = None,
    item_bias: NDArray[np.float32] | None = None,
    params: PredictParams,
    n_threads: int,
) -> None:
    """
    Scores of (user, item) index pairs into out; -1 marks a user/item without data.
    """

def set_isa_level(
    level: int,
) -> int:
    """
    Use ISA level `level` (0, 3 or 4, capped at the CPU's) from the next kernel call on; returns
    the level in effect. For tests and benchmarks of each path.
    """

def sgd_build_blocks(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    data: NDArray[np.float32],
    user_rank: NDArray[np.int32],
    item_rank: NDArray[np.int32],
    out_user: NDArray[np.int32],
    out_item: NDArray[np.int32],
    out_rating: NDArray[np.float32],
    out_block_ptr: NDArray[np.int64],
    *,
    n_bins: int,
    n_threads: int = 1,
    user_count: NDArray[np.int64] | None = None,
    item_count: NDArray[np.int64] | None = None,
) -> None:
    """
    Regroup a users x items CSR matrix into the B x B blocks of the SGD schedule; the bins share
    out user_count / item_count (by id; default the matrix's own) equally.
    """

def sgd_epochs(
    user: NDArray[np.int32],
    item: NDArray[np.int32],
    rating: NDArray[np.float32],
    block_ptr: NDArray[np.int64],
    schedules: NDArray[np.int32],
    steps: NDArray[np.float32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    Gu: NDArray[np.float32],
    Gi: NDArray[np.float32],
    *,
    params: SgdParams,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """
    SGD epochs in one call, each with its schedule (B x B) and step sizes (lr_bu, lr_bi, lr_p,
    lr_q); stops after an epoch whose loss is not finite. Returns (sum of squared errors per
    epoch, seconds since the start after each epoch), one entry per epoch run.
    """

def sgd_row_floats() -> int:
    """
    Row length (floats) to pad the factor matrices to for the fastest SGD kernel on this CPU: 16
    where the AVX-512 kernel runs (rows of up to 128 floats), else 8.
    """

def stacked_moments(
    users: NDArray[np.int64],
    items: NDArray[np.int64],
    U: NDArray[np.float32],
    V: NDArray[np.float32],
    mean: NDArray[np.float32],
    var: NDArray[np.float32],
    *,
    width: int,
    block: bool = False,
    n_threads: int,
) -> None:
    """
    Moments over S stacked samples of (users[j], items[j]) (block: every pair): mean = Σ_s a_s,
    var = S Σ_s a_s² − (Σ_s a_s)², a_s the dot product of the s-th blocks of `width` floats; −1:
    NaN.
    """

def svdpp_epochs(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    ratings: NDArray[np.float32],
    implicit_indptr: NDArray[np.int64],
    implicit_indices: NDArray[np.int32],
    active: NDArray[np.int32],
    steps: NDArray[np.float32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    Y: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    Gu: NDArray[np.float32],
    Gi: NDArray[np.float32],
    *,
    params: SvdppParams,
    first_epoch: int,
    seed: int,
    n_threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """
    SVD++ SGD epochs in one call, one per row of steps (a_bu, a_bi, a_p, a_q, a_y), users in the
    order svdpp_user_order(active, seed, first_epoch + t); stops after an epoch whose loss is
    not finite. Returns (sum of squared errors per epoch, seconds since the start after each
    epoch), one entry per epoch run.
    """

def svdpp_grid_epochs(
    user: NDArray[np.int32],
    item: NDArray[np.int32],
    rating: NDArray[np.float32],
    block_ptr: NDArray[np.int64],
    schedules: NDArray[np.int32],
    steps: NDArray[np.float32],
    P: NDArray[np.float32],
    Q: NDArray[np.float32],
    Y: NDArray[np.float32],
    Z: NDArray[np.float32],
    A: NDArray[np.float32],
    bu: NDArray[np.float32],
    bi: NDArray[np.float32],
    Gu: NDArray[np.float32],
    Gi: NDArray[np.float32],
    D: NDArray[np.float32],
    sn: NDArray[np.float32],
    damp: NDArray[np.float32],
    *,
    params: SvdppParams,
    n_threads: int,
    implicit_user: NDArray[np.int32] | None = None,
    implicit_item: NDArray[np.int32] | None = None,
    implicit_block_ptr: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """
    SVD++ SGD epochs on the block grid (svdpp_grid.hpp), in rank space: one per schedule (B x B)
    and row of steps (a_bu, a_bi, a_p, a_q, a_y); N(u) is the implicit grid (the same bins;
    default the ratings'); Z holds z_u (in: the first epoch's; out: the next one's), A and D are
    scratch, damp the y steps' damping per item. Stops after an epoch whose loss is not finite.
    Returns (sum of squared errors per epoch, seconds since the start after each epoch), one
    entry per epoch run.
    """

def svdpp_grid_terms(
    user: NDArray[np.int32],
    item: NDArray[np.int32],
    block_ptr: NDArray[np.int64],
    Y: NDArray[np.float32],
    Z: NDArray[np.float32],
    sn: NDArray[np.float32],
    *,
    n_threads: int,
) -> None:
    """
    Z[u] = sn[u] * sum of Y[j] over the entries (u, j) of a block grid (svdpp_grid.hpp, rank
    space: N(u)'s); zero rows for users without entries.
    """

def svdpp_user_order(
    active: NDArray[np.int32],
    *,
    seed: int,
    epoch: int,
) -> NDArray[np.int32]:
    """
    The users of `active` in the visiting order of epoch `epoch` of svdpp_epochs for `seed` (a
    seeded Fisher-Yates shuffle).
    """

def svdpp_user_terms(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int32],
    Y: NDArray[np.float32],
    Z: NDArray[np.float32],
    *,
    n_threads: int,
) -> None:
    """
    Z[u] = |N(u)|^-1/2 * sum of Y[j] over the columns j of row u of the CSR pattern (indptr,
    indices); zero rows for empty N(u).
    """

def topk(
    values: NDArray[np.float32],
    bias: NDArray[np.float32],
    ids: NDArray[np.int32],
    U: NDArray[np.float32],
    rows: NDArray[np.int64],
    seen_indptr: NDArray[np.int64],
    seen_indices: NDArray[np.int32],
    *,
    offset: NDArray[np.float32] | None = None,
    filter_rows: NDArray[np.int64] | None = None,
    n: int,
    n_threads: int,
) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """
    Top-n candidates per query row (U[rows]) against packed panels, seen items skipped. Returns
    (ids int32, scores float32), each (len(rows), n); padding id -1, score NaN.
    """

def topk_dense(
    scores: NDArray[np.float32],
    ids: NDArray[np.int32],
    seen_indptr: NDArray[np.int64],
    seen_indices: NDArray[np.int32],
    *,
    filter_rows: NDArray[np.int64] | None = None,
    n: int,
    n_threads: int,
) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """
    Top-n of each row of a dense score block (n_queries x n_candidates; column c is item
    ids[c]), seen items and NaN/-inf scores skipped. Returns (ids int32, scores float32), each
    (n_queries, n); padding id -1, score NaN.
    """

def topk_panel_width() -> int:
    """
    Items per packed panel for this CPU's ISA level (24, 16 or 8).
    """
