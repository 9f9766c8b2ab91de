// Bayesian matrix factorization (BPMF, Salakhutdinov & Mnih 2008) by Gibbs sampling: the row
// draws of one half-sweep with their side's sufficient statistics, and the moments of the
// kept samples' scores.
//
// Model: r_ui ~ N(μ + b_u + b_i + p_uᵀq_i, α⁻¹). A row of the side being drawn is
// x_u = [p_u, b_u] (biased; x_u = p_u without biases), the fixed side's rows enter as
// z_i = [q_i, 1] with target t_ui = r_ui − μ − b_i (z_i = q_i, t_ui = r_ui − μ without
// biases); x_u ~ N(m_u, Λ_U⁻¹) a priori, with the side's hyperparameters (m_u = μ_U, Λ_U)
// drawn by the caller from their Normal–Wishart conditional once per half-sweep. The
// conditional of one row given everything else is Gaussian:
//     A = Λ_U + α Σ_i z_i z_iᵀ,      A x̂ = Λ_U μ_U + α Σ_i t_ui z_i,      x_u ~ N(x̂, A⁻¹),
// drawn as x_u = L⁻ᵀ (L⁻¹ b + ε) with A = LLᵀ (Cholesky) and ε ~ N(0, I): L⁻ᵀε has
// covariance L⁻ᵀL⁻¹ = A⁻¹. Rows are independent given the fixed side, so a half-sweep draws
// them in parallel (schedule(dynamic), per-thread scratch). The d normal numbers of row u
// come from a counter-based stream keyed by (seed, sweep, side, u) (rng.hpp), and every
// row's arithmetic is fixed, so a seed gives the same chain at any thread count and under
// any scheduling. The side's statistics Σ x_u and Σ x_u x_uᵀ (for the next hyperparameter
// draw) and, optionally, each row's squared residuals (for α's draw and the training loss,
// from the row's system, see draw_row) come with the draws (the statistics summed in row
// order after the parallel region).
//
// Layout: a side's working factors are n × d, row-major, d = k + 1 with the bias in column k
// when biased (d = k otherwise); a d × d matrix is row-major and only its lower triangle is
// read.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/parallel.hpp"
#include "mfrec/rng.hpp"

namespace mfrec {

/// What one half-sweep draws (bound to Python as _core.GibbsParams).
struct GibbsParams {
    float alpha = 1.f;          // noise precision α of the ratings
    float mu = 0.f;             // global mean, subtracted from every rating
    bool biased = true;         // rows are [factors, bias]; the fixed side's bias is its column k
    std::uint64_t seed = 0;     // the chain's seed
    std::uint64_t sweep = 0;    // the sweep (fold-in: the kept sample) ...
    std::uint64_t side = 0;     // ... and the side (0 users, 1 items; fold-in 2, 3) of the stream
};

namespace bmf_detail {

/// splitmix64's finalizer: a bijection of 64-bit words that mixes every bit.
inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// The stream state of row `row` in (seed, sweep, side). Distinct keys start well-separated
/// splitmix sequences (normal_row_body draws state + j·γ for j = 1, 2, ...).
inline std::uint64_t stream_key(const GibbsParams& p, index_t row) {
    const std::uint64_t s = mix64(p.seed ^ 0x6A09E667F3BCC909ull);
    const std::uint64_t t = mix64(s + (p.sweep * 4u + p.side) * 0x9E3779B97F4A7C15ull);
    return mix64(t ^ static_cast<std::uint64_t>(row));
}

using NormalRowFn = void (*)(float*, index_t, index_t, float, float, std::uint64_t);

/// The normal-row generator of the ISA level in use (the same numbers at every level).
inline NormalRowFn normal_row_fn() {
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) return &detail::normal_row_v4;
    if (level == 3) return &detail::normal_row_v3;
#endif
    return &detail::normal_row_base;
}

struct Scratch {
    std::vector<float> A, b, z, b0;
    explicit Scratch(index_t d) : A(d * d), b(d), z(d), b0(d) {}
};

/// z_j (the fixed side's row j as the drawn row sees it) into buf, and the target t.
MFREC_INLINE const float* zrow(const GibbsParams& p, MatrixView Y, std::int32_t j, float r,
                               index_t k, float* buf, float& t) {
    const float* y = Y.row(j);
    if (!p.biased) {
        t = r - p.mu;
        return y;
    }
    t = r - p.mu - y[k];
    std::copy(y, y + k, buf);
    buf[k] = 1.f;
    return buf;
}

/// Draws row u into X.row(u); returns false (row set to zero) when A is not positive
/// definite. With `sse`, *sse = Σ_i (t_ui − z_iᵀx_u)² at the drawn x_u, from the system
/// itself rather than a second pass over the row:
///     Σ t² − 2 xᵀ(Σ t z) + xᵀ(Σ z zᵀ)x,   α Σ t z = b − Λμ,   α xᵀ(Σ z zᵀ)x = ‖Lᵀx‖² − xᵀΛx,
/// O(d²) per row instead of O(n_u·d) (in double; A's float sums bound its accuracy).
MFREC_INLINE bool draw_row(const GibbsParams& p, CsrView R, MatrixView X, MatrixView Y,
                           const float* prec, const float* prec_mean, index_t u,
                           NormalRowFn normal_row, Scratch& s, double* sse) {
    const index_t d = X.cols;
    const index_t k = p.biased ? d - 1 : d;
    float* A = s.A.data();
    float* b = s.b.data();
    float* zb = s.z.data();
    float* x = X.row(u);
    const index_t e0 = R.indptr[u], e1 = R.indptr[u + 1];
    std::copy(prec, prec + d * d, A);          // A = Λ + α Σ z zᵀ
    std::copy(prec_mean, prec_mean + d, b);    // b = Λμ + α Σ t z
    double tt = 0.0;
    for (index_t e = e0; e < e1; ++e) {
        float t;
        const float* z = zrow(p, Y, R.indices[e], R.data[e], k, zb, t);
        linalg::syr_lower(p.alpha, z, A, d);
        linalg::axpy(p.alpha * t, z, b, d);
        tt += static_cast<double>(t) * t;
    }
    if (sse) std::copy(b, b + d, s.b0.data());
    if (!linalg::cholesky_factor(A, d)) {
        std::fill(x, x + d, 0.f);
        if (sse) *sse = tt;
        return false;
    }
    linalg::solve_lower(A, b, d);              // L⁻¹ b
    normal_row(x, d, d, 0.f, 1.f, stream_key(p, u));
    for (index_t f = 0; f < d; ++f) b[f] += x[f];
    linalg::solve_lower_t(A, b, d);            // x = L⁻ᵀ(L⁻¹b + ε) ~ N(A⁻¹b, A⁻¹)
    std::copy(b, b + d, x);
    if (sse) {
        double xAx = 0.0, xPx = 0.0, xb = 0.0;
        for (index_t i = 0; i < d; ++i) {
            double v = 0.0;  // (Lᵀx)_i = Σ_{m ≥ i} L[m][i] x_m
            for (index_t m = i; m < d; ++m) v += static_cast<double>(A[m * d + i]) * x[m];
            xAx += v * v;
            double row = 0.5 * static_cast<double>(prec[i * d + i]) * x[i];
            for (index_t j = 0; j < i; ++j) row += static_cast<double>(prec[i * d + j]) * x[j];
            xPx += 2.0 * row * x[i];
            xb += (static_cast<double>(s.b0[i]) - prec_mean[i]) * x[i];
        }
        *sse = std::max(0.0, tt + (xAx - xPx - 2.0 * xb) / p.alpha);
    }
    return true;
}

/// One half-sweep inside the caller's parallel region: the row draws (one worksharing loop,
/// so one barrier: the region's end).
MFREC_INLINE void sweep_region(const GibbsParams& p, CsrView R, MatrixView X, MatrixView Y,
                               const float* prec, const float* prec_mean, double* row_sse,
                               NormalRowFn normal_row, std::atomic<index_t>& failed,
                               ParallelErrors& errors) {
    const index_t d = X.cols;
    std::optional<Scratch> scratch;
    try {
        scratch.emplace(d);
    } catch (...) {
        errors.capture();
    }
    MFREC_PRAGMA(omp for schedule(dynamic, 16) nowait)
    for (index_t u = 0; u < R.rows; ++u) {
        if (errors.failed()) continue;
        if (R.indptr[u + 1] == R.indptr[u]) {  // no data: no draw (zero row, not in the stats)
            std::fill(X.row(u), X.row(u) + d, 0.f);
            if (row_sse) row_sse[u] = 0.0;
            continue;
        }
        if (!draw_row(p, R, X, Y, prec, prec_mean, u, normal_row, *scratch,
                      row_sse ? row_sse + u : nullptr))
            failed.fetch_add(1, std::memory_order_relaxed);
    }
}

/// Σ x_u and the lower triangle of Σ x_u x_uᵀ over the rows with data, in row order, in
/// double (serial: n·d²/2 multiply-adds, small beside the draws' n·d³/3 + nnz·d²).
inline void side_stats(CsrView R, MatrixView X, double* sum, double* scatter) {
    const index_t d = X.cols;
    std::fill(sum, sum + d, 0.0);
    std::fill(scatter, scatter + d * d, 0.0);
    for (index_t u = 0; u < R.rows; ++u) {
        if (R.indptr[u + 1] == R.indptr[u]) continue;
        const float* x = X.row(u);
        for (index_t i = 0; i < d; ++i) {
            const double xi = x[i];
            sum[i] += xi;
            for (index_t j = 0; j <= i; ++j) scatter[i * d + j] += xi * x[j];
        }
    }
}

#define MFREC_GIBBS_ENTRY(NAME, ATTR)                                                        \
    ATTR inline void NAME(const GibbsParams& p, CsrView R, MatrixView X, MatrixView Y,      \
                          const float* prec, const float* prec_mean, double* row_sse,       \
                          NormalRowFn normal_row, std::atomic<index_t>& failed,             \
                          ParallelErrors& errors, int n_threads) {                          \
        MFREC_PRAGMA(omp parallel num_threads(n_threads))                                   \
        sweep_region(p, R, X, Y, prec, prec_mean, row_sse, normal_row, failed, errors);     \
    }
#if MFREC_HAS_DISPATCH
MFREC_GIBBS_ENTRY(sweep_v4, MFREC_TARGET_V4)
MFREC_GIBBS_ENTRY(sweep_v3, MFREC_TARGET_V3)
#endif
MFREC_GIBBS_ENTRY(sweep_base, )
#undef MFREC_GIBBS_ENTRY

}  // namespace bmf_detail

/// One Gibbs half-sweep: every row u of R (CSR over Y's rows) with data is drawn from its
/// Gaussian conditional into X (see the header comment); rows without data are set to zero.
/// @param X  n_rows × d, the side being drawn (overwritten)
/// @param Y  R.cols × d, the fixed side, same layout
/// @param prec  Λ, d × d (lower triangle read), the side's prior precision
/// @param prec_mean  Λμ (d), the side's prior precision times its prior mean
/// @param stats_sum, stats_scatter  null, or d and d × d doubles: Σ x_u and the lower
///        triangle of Σ x_u x_uᵀ over the rows with data, after the draws (upper set to 0)
/// @param row_sse  null, or n_rows doubles: each row's squared residuals at its draw
/// @return the number of rows whose precision matrix was not positive definite (set to 0)
inline index_t gibbs_half_sweep(const GibbsParams& p, CsrView R, MatrixView X, MatrixView Y,
                                const float* prec, const float* prec_mean, double* stats_sum,
                                double* stats_scatter, double* row_sse, int n_threads) {
    if (R.rows == 0) return 0;
    std::atomic<index_t> failed{0};
    ParallelErrors errors;
    auto normal_row = bmf_detail::normal_row_fn();
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4)
        bmf_detail::sweep_v4(p, R, X, Y, prec, prec_mean, row_sse, normal_row, failed, errors,
                             n_threads);
    else if (level == 3)
        bmf_detail::sweep_v3(p, R, X, Y, prec, prec_mean, row_sse, normal_row, failed, errors,
                             n_threads);
    else
#endif
        bmf_detail::sweep_base(p, R, X, Y, prec, prec_mean, row_sse, normal_row, failed,
                               errors, n_threads);
    errors.rethrow();
    if (stats_sum && stats_scatter) bmf_detail::side_stats(R, X, stats_sum, stats_scatter);
    return failed.load();
}

/// Moments of a pair's score over S stacked samples. Row u of U and row i of V hold S blocks
/// of `width` floats, block s scaled so that a_s = U_u^s · V_i^s = (score part of sample s)/S:
/// out_mean = Σ_s a_s (the posterior mean of that part) and out_var = S Σ_s a_s² − (Σ_s a_s)²
/// (its posterior variance over the samples), in double. Index −1: NaN.
namespace bmf_detail {
MFREC_INLINE void pair_moments(const float* x, const float* y, index_t n_samples,
                               index_t width, float& mean, float& var) {
    double s1 = 0.0, s2 = 0.0;
    for (index_t s = 0; s < n_samples; ++s) {
        const double a = linalg::dot(x + s * width, y + s * width, width);
        s1 += a;
        s2 += a * a;
    }
    mean = static_cast<float>(s1);
    var = static_cast<float>(std::max(0.0, static_cast<double>(n_samples) * s2 - s1 * s1));
}

#define MFREC_MOMENTS_ENTRY(NAME, ATTR)                                                      \
    ATTR inline void NAME(const std::int64_t* users, const std::int64_t* items, index_t n_u, \
                          index_t n_i, bool block, MatrixView U, MatrixView V,              \
                          index_t width, float* mean, float* var, int n_threads) {          \
        const index_t n_samples = U.cols / width;                                           \
        const index_t n = block ? n_u * n_i : n_u;                                          \
        const float nan = std::nanf("");                                                    \
        MFREC_PRAGMA(omp parallel for num_threads(n_threads) schedule(static))              \
        for (index_t j = 0; j < n; ++j) {                                                   \
            const index_t u = block ? users[j / n_i] : users[j];                            \
            const index_t i = block ? items[j % n_i] : items[j];                            \
            if (u < 0 || i < 0) {                                                           \
                mean[j] = var[j] = nan;                                                     \
                continue;                                                                   \
            }                                                                               \
            pair_moments(U.row(u), V.row(i), n_samples, width, mean[j], var[j]);            \
        }                                                                                   \
    }
#if MFREC_HAS_DISPATCH
MFREC_MOMENTS_ENTRY(moments_v4, MFREC_TARGET_V4)
MFREC_MOMENTS_ENTRY(moments_v3, MFREC_TARGET_V3)
#endif
MFREC_MOMENTS_ENTRY(moments_base, )
#undef MFREC_MOMENTS_ENTRY
}  // namespace bmf_detail

/// Pair moments (see pair_moments) of (users[j], items[j]) for j < n_u (block = false), or
/// of every (users[a], items[b]) into row-major n_u × n_i outputs (block = true).
/// @param U  n_users × (S·width), V  n_items × (S·width)
inline void stacked_moments(const std::int64_t* users, const std::int64_t* items, index_t n_u,
                            index_t n_i, bool block, MatrixView U, MatrixView V, index_t width,
                            float* mean, float* var, int n_threads) {
    if (n_u == 0 || (block && n_i == 0)) return;
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4)
        return bmf_detail::moments_v4(users, items, n_u, n_i, block, U, V, width, mean, var,
                                      n_threads);
    if (level == 3)
        return bmf_detail::moments_v3(users, items, n_u, n_i, block, U, V, width, mean, var,
                                      n_threads);
#endif
    bmf_detail::moments_base(users, items, n_u, n_i, block, U, V, width, mean, var, n_threads);
}

}  // namespace mfrec
