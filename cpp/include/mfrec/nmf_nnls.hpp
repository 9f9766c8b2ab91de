// NMF's fold-in (nonneg_ridge_rows): a new row's exact minimizer of its part of the loss of
// nmf_mu.hpp with the other side fixed, factors ≥ 0 (the bias free), by the active-set method
// of Lawson & Hanson (1974) on the row's normal equations, in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "mfrec/als.hpp"
#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

namespace nmf_detail {

/// Per-thread scratch of the non-negative row solves (d = k or k + 1).
struct NnlsScratch {
    std::vector<double> A, b, x, s, w, L, rhs;
    std::vector<float> z;
    std::vector<index_t> set;
    std::vector<char> passive;
    explicit NnlsScratch(index_t d)
        : A(d * d), b(d), x(d), s(d), w(d), L(d * d), rhs(d), z(d), set(d), passive(d) {}
};

/// s = argmin over the coordinates with passive[f] of ½ sᵀAs − bᵀs (the others 0), by a
/// Cholesky factorization of A restricted to them (d × d row-major, double). A system that
/// is not positive definite (no regularization, fewer ratings than factors) gets a relative
/// 1e-10 added to its diagonal.
MFREC_INLINE void solve_passive(NnlsScratch& sc, index_t d) {
    index_t m = 0;
    for (index_t f = 0; f < d; ++f)
        if (sc.passive[f]) sc.set[m++] = f;
    std::fill(sc.s.begin(), sc.s.end(), 0.0);
    if (m == 0) return;
    double jitter = 0.0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        double max_diag = 0.0;
        for (index_t a = 0; a < m; ++a) {
            for (index_t c = 0; c <= a; ++c) sc.L[a * m + c] = sc.A[sc.set[a] * d + sc.set[c]];
            max_diag = std::max(max_diag, sc.L[a * m + a]);
            sc.rhs[a] = sc.b[sc.set[a]];
        }
        for (index_t a = 0; a < m; ++a) sc.L[a * m + a] += jitter;
        bool ok = true;  // L Lᵀ = A_PP in the lower triangle
        for (index_t j = 0; j < m && ok; ++j) {
            double v = sc.L[j * m + j];
            for (index_t c = 0; c < j; ++c) v -= sc.L[j * m + c] * sc.L[j * m + c];
            if (!(v > 0.0)) {
                ok = false;
                break;
            }
            const double ljj = std::sqrt(v);
            sc.L[j * m + j] = ljj;
            for (index_t i = j + 1; i < m; ++i) {
                double t = sc.L[i * m + j];
                for (index_t c = 0; c < j; ++c) t -= sc.L[i * m + c] * sc.L[j * m + c];
                sc.L[i * m + j] = t / ljj;
            }
        }
        if (!ok) {
            jitter = 1e-10 * std::max(max_diag, 1.0);
            continue;
        }
        for (index_t i = 0; i < m; ++i) {  // L y = rhs, then Lᵀ s = y
            double t = sc.rhs[i];
            for (index_t c = 0; c < i; ++c) t -= sc.L[i * m + c] * sc.rhs[c];
            sc.rhs[i] = t / sc.L[i * m + i];
        }
        for (index_t i = m - 1; i >= 0; --i) {
            double t = sc.rhs[i];
            for (index_t c = i + 1; c < m; ++c) t -= sc.L[c * m + i] * sc.rhs[c];
            sc.rhs[i] = t / sc.L[i * m + i];
        }
        for (index_t a = 0; a < m; ++a) sc.s[sc.set[a]] = sc.rhs[a];
        return;
    }
    // Still not positive definite after the jitter (only for non-finite input): zeros.
}

/// argmin ½ xᵀAx − bᵀx subject to x_f ≥ 0 for f < n_constrained (the rest free), A
/// positive (semi)definite d × d: Lawson & Hanson's active-set method, from x = 0 with the
/// free coordinates passive. The result is in sc.x.
MFREC_INLINE void nnls_normal(NnlsScratch& sc, index_t d, index_t n_constrained) {
    for (index_t f = 0; f < d; ++f) sc.passive[f] = f >= n_constrained;
    std::fill(sc.x.begin(), sc.x.end(), 0.0);
    if (d > n_constrained) {
        solve_passive(sc, d);
        std::copy(sc.s.begin(), sc.s.end(), sc.x.begin());
    }
    double scale = 0.0;
    for (index_t f = 0; f < d; ++f) scale = std::max(scale, std::abs(sc.b[f]));
    const double tol = 1e-10 * std::max(scale, 1e-30);
    const index_t max_outer = 3 * d + 10;
    for (index_t outer = 0; outer < max_outer; ++outer) {
        // w = b − A x: the negative gradient; an active coordinate with w_f > 0 can improve.
        index_t best = -1;
        double best_w = tol;
        for (index_t f = 0; f < n_constrained; ++f) {
            if (sc.passive[f]) continue;
            double w = sc.b[f];
            for (index_t c = 0; c < d; ++c) w -= sc.A[f * d + c] * sc.x[c];
            if (w > best_w) best_w = w, best = f;
        }
        if (best < 0) return;  // KKT: optimal
        sc.passive[best] = 1;
        for (index_t inner = 0; inner < d + 1; ++inner) {
            solve_passive(sc, d);
            // feasible: take it; else step from x toward s until a coordinate hits 0
            double alpha = 1.0;
            index_t hit = -1;
            for (index_t f = 0; f < n_constrained; ++f) {
                if (!sc.passive[f] || sc.s[f] > 0.0) continue;
                const double den = sc.x[f] - sc.s[f];
                const double a = den > 0.0 ? sc.x[f] / den : 0.0;
                if (a < alpha) alpha = a, hit = f;
            }
            if (hit < 0) {
                std::copy(sc.s.begin(), sc.s.end(), sc.x.begin());
                break;
            }
            for (index_t f = 0; f < d; ++f) sc.x[f] += alpha * (sc.s[f] - sc.x[f]);
            sc.x[hit] = 0.0;
            for (index_t f = 0; f < n_constrained; ++f)
                if (sc.passive[f] && sc.x[f] <= 0.0) sc.passive[f] = 0, sc.x[f] = 0.0;
        }
    }
}

MFREC_INLINE void nnls_rows_body(const AlsParams& prm, CsrView R, MatrixView X, MatrixView Y,
                                 float* x_bias, const float* other_bias, int n_threads) {
    const index_t k = Y.cols, d = prm.augment ? k + 1 : k;
    ParallelErrors errors;
    MFREC_PRAGMA(omp parallel num_threads(n_threads))
    {
        std::unique_ptr<NnlsScratch> scratch;
        errors.run([&] { scratch.reset(new NnlsScratch(d)); });
        MFREC_PRAGMA(omp for schedule(dynamic, 4))
        for (index_t u = 0; u < R.rows; ++u) {
            if (errors.failed()) continue;
            NnlsScratch& sc = *scratch;
            const index_t lo = R.indptr[u], hi = R.indptr[u + 1];
            float* xu = X.row(u);
            std::fill(sc.A.begin(), sc.A.end(), 0.0);
            std::fill(sc.b.begin(), sc.b.end(), 0.0);
            // A = Σ_j z_j z_jᵀ + diag(λ, …, λ, λ_b),  b = Σ_j t_j z_j
            for (index_t e = lo; e < hi; ++e) {
                float w, t;
                als_detail::weight_target(prm, R.data[e], R.indices[e], other_bias, w, t);
                const float* zj = als_detail::zrow(Y, R.indices[e], prm.augment, k, sc.z.data());
                for (index_t i = 0; i < d; ++i) {
                    const double zi = zj[i];
                    for (index_t c = 0; c < d; ++c) sc.A[i * d + c] += w * zi * zj[c];
                    sc.b[i] += static_cast<double>(t) * zi;
                }
            }
            const double scale = prm.reg_count ? static_cast<double>(hi - lo) : 1.0;
            const double lambda = prm.reg * scale;
            const double lambda_b = (prm.reg_bias < 0.f ? prm.reg : prm.reg_bias) * scale;
            for (index_t f = 0; f < k; ++f) sc.A[f * d + f] += lambda;
            if (d > k) sc.A[k * d + k] += lambda_b;
            if (hi == lo) {
                std::fill(sc.x.begin(), sc.x.end(), 0.0);
            } else {
                nnls_normal(sc, d, k);
            }
            for (index_t f = 0; f < k; ++f) xu[f] = static_cast<float>(std::max(sc.x[f], 0.0));
            if (prm.augment) x_bias[u] = static_cast<float>(sc.x[k]);
        }
    }
    errors.rethrow();
}

}  // namespace nmf_detail

/// Fold-in with non-negative factors: every row u of R solved into X (and x_bias), the exact
/// minimizer of Σ_j (t_j − z_jᵀx)² + λ‖x_factors‖² + λ_b x_bias² subject to x_factors ≥ 0,
/// with z_j, t_j, λ and λ_b as in the explicit ALS row solve (als.hpp: AlsParams reg,
/// reg_count, augment, mu, reg_bias; implicit rows are not supported). Rows without ratings
/// get zeros. Bit-identical at any thread count (rows are independent).
inline void nonneg_ridge_rows(const AlsParams& prm, CsrView R, MatrixView X, MatrixView Y,
                              float* x_bias, const float* other_bias, int n_threads) {
    // Small scalar solves in double: one build serves every ISA level.
    nmf_detail::nnls_rows_body(prm, R, X, Y, x_bias, other_bias, n_threads);
}

}  // namespace mfrec
