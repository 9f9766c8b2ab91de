// NMF: matrix factorization with non-negative factors — the multiplicative updates. The
// other trainer, projected SGD, is nmf_sgd.hpp; the fold-in solve is nmf_nnls.hpp.
//
//   r̂_ui = μ + b_u + b_i + p_uᵀq_i  (biased)   or   p_uᵀq_i,     p_u ≥ 0, q_i ≥ 0
//   loss  = Σ_(u,i) (r_ui − r̂_ui)² + λ_p ‖p_u‖² + λ_q ‖q_i‖² + λ_bu b_u² + λ_bi b_i²
//           (the penalties per rating, as in FunkSVD: user u's row pays n_u λ_p ‖p_u‖²)
//
// Multiplicative updates (nmf_mu_epochs; Surprise's NMF, after Luo et al. 2014), in two
// half-sweeps per epoch: every user row with the items fixed, then every item row with the
// users fixed. For row u, walking its ratings in column order:
//
//     e = r − r̂ (current b_u),   b_u ← b_u + γ_bu (e − λ_bu b_u)            (biased)
//     num_u += N q_i,   den_u += D q_i,   N = r⁺ + c⁻,   D = c⁺ + r⁻ + p_uᵀq_i
//
// with c = μ + b_u + b_i (before the bias step; 0 unbiased) and x⁺ = max(x, 0), x⁻ =
// max(−x, 0), so that N − D = e and N, D ≥ 0; then, per factor,
//
//     p_uf ← p_uf · num_uf / (den_uf + λ_p n_u p_uf)     when that denominator is > 0
//
// (else p_uf is left as it is: a zero denominator never makes a NaN). For ratings ≥ 0 and
// c ≥ 0 — ratings on a positive scale — N = r and D = r̂: exactly Surprise's update, whose
// fixed points are those of the loss above. Factors that start ≥ 0 stay ≥ 0 (a product of
// non-negative numbers), and a factor that reaches 0 stays 0. Each row reads only its own
// ratings and the fixed side, so rows run in parallel and the result is bit-identical at
// any thread count. By default the item half uses the new user rows (Gauss–Seidel); with
// NmfParams::simultaneous it uses the user rows and biases of the epoch's start, saved by
// the user half before each update — Surprise's order (a Jacobi step: Surprise accumulates
// both sides from the same old factors in one pass).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/nmf_mu_simd.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

/// The multiplicative updates' parameters (bound as _core.NmfParams).
struct NmfParams {
    float mu = 0.f;                    // global mean (biased)
    float reg_p = 0.06f, reg_q = 0.06f;  // λ_p, λ_q (times the row's count)
    float reg_bu = 0.02f, reg_bi = 0.02f;
    float lr_bu = 0.005f, lr_bi = 0.005f;
    bool biased = false;
    bool simultaneous = false;  // item half against the user rows of the epoch's start
};

namespace nmf_detail {

/// One row of a multiplicative half-sweep (see the header comment): x (length k) and its
/// bias xb against the fixed side Y (rows idx[0..n), values val), other_bias its biases.
/// num, den: scratch of length k. Returns Σ e² over the row (errors before each bias step).
///
/// K > 0: the row length is K (a compile-time constant, the usual padded widths): x, num and
/// den are then held in locals the compiler keeps in vector registers for the whole walk, so
/// each rating costs two loads of y and a few vector FMAs instead of reading and writing num
/// and den in memory (a store-to-load dependency per rating). K = 0: any length, in the
/// scratch. Both sum in the same order: the same result bit for bit.
/// Loss: whether to sum Σ e² (the user half's is never read: 0 is returned). Plain: unbiased
/// and every rating ≥ 0, so that N = r and D = p_uᵀq_i (the same values as the general
/// formulas, without their branches). prefetch: request the rows of Y ahead (worth it only
/// when Y outgrows the caches).
template <index_t K, bool Loss, bool Plain>
MFREC_INLINE double mu_row(const std::int32_t* MFREC_RESTRICT idx,
                           const float* MFREC_RESTRICT val, index_t n, float* MFREC_RESTRICT x,
                           float* xb, MatrixView Y, const float* other_bias, float mu, float reg,
                           float reg_b, float lr_b, bool biased, float* MFREC_RESTRICT num_s,
                           float* MFREC_RESTRICT den_s, bool prefetch) {
    const index_t k = K > 0 ? K : Y.cols;
    float num_l[K > 0 ? K : 1], den_l[K > 0 ? K : 1], x_l[K > 0 ? K : 1];
    float* MFREC_RESTRICT num = K > 0 ? num_l : num_s;
    float* MFREC_RESTRICT den = K > 0 ? den_l : den_s;
    const float* MFREC_RESTRICT xr = x;
    if constexpr (K > 0) {
        for (index_t f = 0; f < K; ++f) x_l[f] = x[f];
        xr = x_l;
    }
    for (index_t f = 0; f < k; ++f) num[f] = 0.f, den[f] = 0.f;
    double sse = 0.0;
    float b = biased ? *xb : 0.f;
    const MuBias bb{xb, other_bias, mu, reg_b, lr_b, biased};  // the general path's terms
    constexpr index_t kAhead = 8;  // rows of Y requested ahead
    for (index_t e = 0; e < n; ++e) {
        if (prefetch && e + kAhead < n) linalg::prefetch_read(Y.row(idx[e + kAhead]), k);
        const float* MFREC_RESTRICT y = Y.row(idx[e]);
        const float pq = linalg::dot(xr, y, k);
        const float r = val[e];
        float wn, wd;
        if constexpr (Plain) {
            if constexpr (Loss) {
                const float err = r - pq;
                sse += static_cast<double>(err) * err;
            }
            wn = r, wd = pq;
        } else {
            float err;
            mu_weights(r, pq, biased ? other_bias[idx[e]] : 0.f, bb, b, wn, wd, err);
            if constexpr (Loss) sse += static_cast<double>(err) * err;
        }
#pragma omp simd
        for (index_t f = 0; f < k; ++f) {
            num[f] += wn * y[f];
            den[f] += wd * y[f];
        }
    }
    if (biased) *xb = b;
    const float lambda = reg * static_cast<float>(n);
#pragma omp simd
    for (index_t f = 0; f < k; ++f) {
        const float d = den[f] + lambda * xr[f];
        x[f] = d > 0.f ? xr[f] * (num[f] / d) : xr[f];
    }
    return sse;
}

/// mu_row with the row length as a constant where it is one of the usual padded widths.
template <bool Loss, bool Plain>
MFREC_INLINE double mu_row_any(const std::int32_t* idx, const float* val, index_t n, float* x,
                               float* xb, MatrixView Y, const float* other_bias, float mu,
                               float reg, float reg_b, float lr_b, bool biased, float* num,
                               float* den, bool prefetch) {
    switch (Y.cols) {
#define MFREC_NMF_ROW(K)                                                                      \
    case K:                                                                                   \
        return mu_row<K, Loss, Plain>(idx, val, n, x, xb, Y, other_bias, mu, reg, reg_b, lr_b, \
                                      biased, num, den, prefetch);
        MFREC_NMF_ROW(8)
        MFREC_NMF_ROW(16)
        MFREC_NMF_ROW(24)
        MFREC_NMF_ROW(32)
#undef MFREC_NMF_ROW
        default:
            return mu_row<0, Loss, Plain>(idx, val, n, x, xb, Y, other_bias, mu, reg, reg_b,
                                          lr_b, biased, num, den, prefetch);
    }
}

/// One half-sweep over the rows of R (inside the caller's parallel region): row u of X (and
/// x_bias[u]) against Y; row_sse[u] = its Σ e² (Loss), else 0.
/// With save (rows × k) and save_bias, row u and its bias are first copied there. plain: see
/// mu_row. Isa: the ISA level of the entry point it is compiled into (3: AVX2, 4: AVX-512),
/// where rows that fit take nmf_mu_simd.hpp's mu_row4; 0: none.
template <bool Loss, int Isa>
MFREC_INLINE void mu_half(CsrView R, MatrixView X, float* x_bias, MatrixView Y,
                          const float* other_bias, float mu, float reg, float reg_b, float lr_b,
                          bool biased, double* row_sse, float* num, float* den,
                          const ParallelErrors& errors, bool plain, float* save = nullptr,
                          float* save_bias = nullptr) {
    // Software prefetch of Y's rows pays once Y outgrows a core's L2 (as in sgd_mf.hpp);
    // below that it only adds instructions.
    const bool prefetch = static_cast<double>(Y.rows) * Y.cols * sizeof(float) > 2.0 * (1 << 20);
    bool row4 = false;
#if MFREC_HAS_DISPATCH
    if constexpr (Isa >= 3) row4 = mu_row4_fits(Isa, Y.cols);
    const MuBias bb{nullptr, nullptr, 0.f, 0.f, 0.f, false};  // the plain rows' (none)
#endif
    MFREC_PRAGMA(omp for schedule(dynamic, 32))
    for (index_t u = 0; u < R.rows; ++u) {
        if (errors.failed()) continue;
        if (save) {
            std::copy(X.row(u), X.row(u) + X.cols, save + u * X.cols);
            save_bias[u] = x_bias[u];
        }
        const index_t b = R.indptr[u], e = R.indptr[u + 1];
#if MFREC_HAS_DISPATCH
        if constexpr (Isa >= 3) {
            if (row4) {
                // direct calls, one per path: a row function chosen through a pointer
                // measured 15-20 % slower (benchmarks/results/nmf_mu_speed.md)
                const std::int32_t* idx = R.indices + b;
                const float* val = R.data + b;
                if (plain) {
                    row_sse[u] = Isa == 4 ? mu_row4_v4<Loss, true>(idx, val, e - b, X.row(u), Y,
                                                                   reg, prefetch, bb)
                                          : mu_row4_v3<Loss, true>(idx, val, e - b, X.row(u), Y,
                                                                   reg, prefetch, bb);
                } else {
                    const MuBias row_bb{x_bias + u, other_bias, mu, reg_b, lr_b, biased};
                    row_sse[u] = Isa == 4 ? mu_row4_v4<Loss, false>(idx, val, e - b, X.row(u),
                                                                    Y, reg, prefetch, row_bb)
                                          : mu_row4_v3<Loss, false>(idx, val, e - b, X.row(u),
                                                                    Y, reg, prefetch, row_bb);
                }
                continue;
            }
        }
#endif
        row_sse[u] = plain ? mu_row_any<Loss, true>(R.indices + b, R.data + b, e - b, X.row(u),
                                                    x_bias + u, Y, other_bias, mu, reg, reg_b,
                                                    lr_b, biased, num, den, prefetch)
                           : mu_row_any<Loss, false>(R.indices + b, R.data + b, e - b,
                                                     X.row(u), x_bias + u, Y, other_bias, mu,
                                                     reg, reg_b, lr_b, biased, num, den,
                                                     prefetch);
    }  // implicit barrier
}

/// Everything the epochs of the multiplicative updates read and write.
struct MuArgs {
    CsrView by_user, by_item;  // the ratings, users × items and items × users
    MatrixView P, Q;           // n_users × k, n_items × k (k possibly zero-padded)
    float *bu, *bi;            // n_users, n_items
    NmfParams prm;
    float *P_old, *bu_old;     // prm.simultaneous: n_users × k and n_users scratch, else null
    index_t n_epochs;
    double* row_sse;           // scratch, n_users + n_items
    double *epoch_sse, *epoch_seconds;  // out, n_epochs
    bool plain;  // unbiased with every rating ≥ 0 (mu_row's Plain)
};

/// What the threads of the epochs' parallel region share.
struct MuShared {
    ParallelErrors errors;
    std::chrono::steady_clock::time_point start;
    index_t done = 0;
    bool stop = false;
};

/// One thread's part of the epochs (called inside the parallel region of an ISA entry point:
/// worksharing loops only, so that it compiles for that entry's ISA; Isa: its level).
template <int Isa>
MFREC_INLINE void mu_epochs_thread(const MuArgs& a, MuShared& sh) {
    const index_t k = a.P.cols;
    const NmfParams& p = a.prm;
    std::vector<float> num, den;
    sh.errors.run([&] { num.resize(k), den.resize(k); });
    // Two barriers per epoch (the ends of the half-sweeps): one thread sums the epoch's loss
    // while the others start the next user half, which writes only the user rows' row_sse;
    // `stop` is read after that half's barrier. (On a loaded machine every barrier waits for
    // a descheduled thread: fewer barriers, less waiting.)
    for (index_t t = 0; t < a.n_epochs; ++t) {
        // simultaneous: each user row (and bias) is saved before its update, and the item
        // half reads the saved ones (Surprise's order: both sides from the epoch's start)
        mu_half<false, Isa>(a.by_user, a.P, a.bu, a.Q, a.bi, p.mu, p.reg_p, p.reg_bu, p.lr_bu,
                            p.biased, a.row_sse, num.data(), den.data(), sh.errors, a.plain,
                            a.P_old, a.bu_old);
        // set by epoch t − 1's single block, visible after the barrier above; P is no longer
        // read after a divergence (the fit is abandoned)
        if (sh.stop) break;
        const MatrixView users = a.P_old ? MatrixView{a.P_old, a.P.rows, a.P.cols} : a.P;
        mu_half<true, Isa>(a.by_item, a.Q, a.bi, users, a.P_old ? a.bu_old : a.bu, p.mu,
                           p.reg_q, p.reg_bi, p.lr_bi, p.biased, a.row_sse + a.by_user.rows,
                           num.data(), den.data(), sh.errors, a.plain);
        MFREC_PRAGMA(omp single nowait)
        {
            // The epoch's loss: the item half's errors, summed in row order.
            double sse = 0.0;
            for (index_t i = 0; i < a.by_item.rows; ++i) sse += a.row_sse[a.by_user.rows + i];
            a.epoch_sse[t] = sse;
            a.epoch_seconds[t] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - sh.start)
                    .count();
            sh.done = t + 1;
            sh.stop = sh.errors.failed() || !std::isfinite(sse);
        }  // no barrier: the next user half's (or the region's end) orders it
    }
}

// The epochs compiled once per ISA level: each entry point holds its own parallel region
// (GCC outlines a region with the target attribute of the function it is written in).
#define MFREC_NMF_MU_ENTRY(NAME, ATTR, ISA)                                     \
    ATTR inline void NAME(const MuArgs& a, MuShared& sh, int n_threads) {       \
        MFREC_PRAGMA(omp parallel num_threads(n_threads))                       \
        mu_epochs_thread<ISA>(a, sh);                                           \
    }
#if MFREC_HAS_DISPATCH
MFREC_NMF_MU_ENTRY(mu_epochs_v4, MFREC_TARGET_V4, 4)
MFREC_NMF_MU_ENTRY(mu_epochs_v3, MFREC_TARGET_V3, 3)
#endif
MFREC_NMF_MU_ENTRY(mu_epochs_base, , 0)
#undef MFREC_NMF_MU_ENTRY

}  // namespace nmf_detail

/// Epochs of the multiplicative updates (see the header comment), in one parallel region.
/// @param by_user  ratings, n_users × n_items CSR;  by_item  the same, n_items × n_users
/// @param P  user factors n_users × k;  Q  item factors n_items × k, ≥ 0, updated in place
/// @param bu, bi  biases (n_users, n_items), updated when prm.biased (else read as 0)
/// @param row_sse  scratch, n_users + n_items doubles
/// @param epoch_sse  out, n_epochs: Σ e² of the item half-sweep of each epoch (errors before
///                   each item-bias step), summed in row order; epoch_seconds  out, n_epochs
/// @return the epochs run: stops after the first whose loss is not finite
inline index_t nmf_mu_epochs(CsrView by_user, CsrView by_item, MatrixView P, MatrixView Q,
                             float* bu, float* bi, const NmfParams& prm, index_t n_epochs,
                             double* row_sse, double* epoch_sse, double* epoch_seconds,
                             int n_threads) {
    if (n_epochs == 0) return 0;
    std::vector<float> P_old, bu_old;
    if (prm.simultaneous) {
        P_old.resize(static_cast<size_t>(P.rows * P.cols));
        bu_old.resize(static_cast<size_t>(P.rows));
    }
    // every rating ≥ 0 and no biases: the rows take mu_row's plain path (a scan of the
    // values, once per call)
    const index_t nnz = by_user.indptr[by_user.rows];
    const bool plain = !prm.biased && std::all_of(by_user.data, by_user.data + nnz,
                                                   [](float v) { return v >= 0.f; });
    const nmf_detail::MuArgs a{by_user, by_item, P, Q, bu, bi, prm,
                               prm.simultaneous ? P_old.data() : nullptr,
                               prm.simultaneous ? bu_old.data() : nullptr, n_epochs, row_sse,
                               epoch_sse, epoch_seconds, plain};
    nmf_detail::MuShared sh;
    sh.start = std::chrono::steady_clock::now();
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) nmf_detail::mu_epochs_v4(a, sh, n_threads);
    else if (level == 3) nmf_detail::mu_epochs_v3(a, sh, n_threads);
    else
#endif
        nmf_detail::mu_epochs_base(a, sh, n_threads);
    sh.errors.rethrow();
    return sh.done;
}

}  // namespace mfrec
