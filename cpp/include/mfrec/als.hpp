// Alternating least squares: the row solver of one half-sweep (every row of X against fixed Y).
//
// For row u with interactions j ∈ I_u the normal equations are
//     (G + Σ_j w_j z_j z_jᵀ + λ_u I) x_u = Σ_j t_j z_j
// where z_j is row j of Y, optionally augmented with a constant 1 (explicit ALS with
// biases: x_u = [p_u, b_u], z_j = [q_j, 1], t_j = r_uj − μ − b_j). G is YᵀY for implicit
// feedback (Hu, Koren & Volinsky: w = c − 1, t = c) and absent for explicit ratings (w = 1).
// G is computed once per half-sweep by the caller (linalg::gram) and passed in, so a caller
// that solves the rows in pieces (a partition of the rows on another machine) reuses it.
//
// Solvers: Cholesky of the formed d × d system, or conjugate gradient warm-started at the
// current x_u for `cg_steps` steps, which never forms A: A·p = G·p + Σ_j w_j (z_jᵀp) z_j + λp.
// Rows are independent (schedule(dynamic), per-thread scratch), and every row's arithmetic
// is fixed, so the result is bit-identical at any thread count and for any split of the rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

/// What the rows solve (see the header comment). Bound to Python as _core.AlsParams.
struct AlsParams {
    float reg = 0.1f;         // λ of the factors
    bool reg_count = false;   // λ_u = reg · n_u (ALS-WR) instead of reg
    bool implicit = false;    // weights/targets from confidences (G = YᵀY must be given)
    bool augment = false;     // explicit with biases: z = [y, 1], solve [x, b]
    float mu = 0.f;           // explicit: global mean subtracted from ratings
    int cg_steps = 3;         // 0 = Cholesky
    float reg_bias = -1.f;    // augment: λ of the bias coordinate (< 0: same as reg)
};

/// The stored values of one row: value = confidence c (implicit) or rating r (explicit).
struct AlsRow {
    const std::int32_t* idx;
    const float* val;
    index_t n;
};

namespace als_detail {

/// z_j into buf (length d): row j of Y, plus the constant 1 when augmenting.
MFREC_INLINE const float* zrow(MatrixView Y, std::int32_t j, bool augment, index_t k,
                               float* buf) {
    if (!augment) return Y.row(j);
    std::copy(Y.row(j), Y.row(j) + k, buf);
    buf[k] = 1.f;
    return buf;
}

/// How a stored value becomes (w, t) for the normal equations.
/// Implicit: value = confidence c (> 0) → w = c − 1, t = c (preference 1).
/// Explicit: value = rating r → w = 1, t = r − μ − other_bias[j].
MFREC_INLINE void weight_target(const AlsParams& p, float v, std::int32_t j,
                                const float* other_bias, float& w, float& t) {
    if (p.implicit) {
        w = v - 1.f, t = v;
    } else {
        w = 1.f, t = v - p.mu - (other_bias ? other_bias[j] : 0.f);
    }
}

/// Per-thread scratch of the row solves: the d × d system only for Cholesky, the CG
/// coefficients for the longest row (so that nothing is allocated while solving).
struct Scratch {
    std::vector<float> A, b, r, p, Ap, z, coef, x;
    Scratch(index_t d, bool cholesky, index_t max_row)
        : A(cholesky ? d * d : 0), b(d), r(d), p(d), Ap(d), z(d), coef(cholesky ? 0 : max_row),
          x(d) {}
};

/// The row's constant: Σ_j c_j (implicit: target 1 with weight c) or Σ_j t_j² (explicit).
MFREC_INLINE double row_constant(const AlsParams& prm, AlsRow row, const float* other_bias) {
    double sum = 0.0;
    for (index_t e = 0; e < row.n; ++e) {
        float w, t;
        weight_target(prm, row.val[e], row.idx[e], other_bias, w, t);
        sum += prm.implicit ? static_cast<double>(t) : static_cast<double>(t) * t;
    }
    return sum;
}

/// xᵀv in double.
MFREC_INLINE double dot64(const float* a, const float* b, index_t d) {
    double sum = 0.0;
    for (index_t f = 0; f < d; ++f) sum += static_cast<double>(a[f]) * b[f];
    return sum;
}

/// Solves one row; x (length d) holds the warm start and receives the solution. With
/// `Loss`, returns the row's part of the objective at the solution, xᵀAx − 2bᵀx + const
/// = const − bᵀx − xᵀr with r = b − Ax the solver's residual (0 for Cholesky): the whole
/// objective (with the other side fixed) is the sum over the rows plus λ‖other side‖².
template <bool Loss>
MFREC_INLINE double solve_row(const AlsParams& prm, const float* G, MatrixView Y, AlsRow row,
                              const float* other_bias, float lambda, float lambda_b, float* x,
                              index_t d, Scratch& s) {
    const index_t k = Y.cols;
    float* z = s.z.data();
    if (prm.cg_steps == 0) {  // Cholesky of the formed system
        float* A = s.A.data();
        float* b = s.b.data();
        if (G) std::copy(G, G + d * d, A);
        else std::fill(A, A + d * d, 0.f);
        std::fill(b, b + d, 0.f);
        for (index_t e = 0; e < row.n; ++e) {
            float w, t;
            weight_target(prm, row.val[e], row.idx[e], other_bias, w, t);
            const float* zj = zrow(Y, row.idx[e], prm.augment, k, z);
            linalg::syr_lower(w, zj, A, d);
            linalg::axpy(t, zj, b, d);
        }
        for (index_t i = 0; i < k; ++i) A[i * d + i] += lambda;
        if (d > k) A[k * d + k] += lambda_b;
        if constexpr (Loss) std::copy(b, b + d, s.Ap.data());  // b, kept
        if (!linalg::cholesky_solve(A, b, d)) {
            std::fill(x, x + d, 0.f);
            return Loss ? row_constant(prm, row, other_bias) : 0.0;
        }
        std::copy(b, b + d, x);
        if constexpr (Loss) return row_constant(prm, row, other_bias) - dot64(s.Ap.data(), x, d);
        return 0.0;
    }
    // Conjugate gradient from the current x: r = b − A x.
    // Each pass over the row's interactions is split in two: all dots z_jᵀv first (they
    // are independent, so they pipeline), then the axpys. Fused, every axpy waits for its
    // dot's horizontal sum.
    float* r = s.r.data();
    constexpr index_t kAhead = 8;  // rows of Y requested ahead of the dot pass
    float* coef = s.coef.data();
    auto dot_z = [&](std::int32_t j, const float* v) MFREC_LAMBDA_INLINE {
        float dz = linalg::dot(Y.row(j), v, k);
        return prm.augment ? dz + v[k] : dz;
    };
    auto axpy_z = [&](float a, std::int32_t j, float* out) MFREC_LAMBDA_INLINE {
        linalg::axpy(a, Y.row(j), out, k);
        if (prm.augment) out[k] += a;
    };
    // Σ_j (t_j·tw − w_j·coef_j) z_j over the row, with coef_j = z_jᵀv: the dots of a chunk
    // of interactions first, then that chunk's axpys, so the second pass finds the chunk's
    // rows of Y in L1 (heavy rows of a power-law matrix do not fit in cache whole).
    auto accumulate = [&](const float* v, float tw, float* out) MFREC_LAMBDA_INLINE {
        constexpr index_t kChunk = 32;
        for (index_t c0 = 0; c0 < row.n; c0 += kChunk) {
            const index_t c1 = std::min(row.n, c0 + kChunk);
            for (index_t e = c0; e < c1; ++e) {
                if (e + kAhead < row.n) linalg::prefetch_read(Y.row(row.idx[e + kAhead]), k);
                coef[e] = dot_z(row.idx[e], v);
            }
            for (index_t e = c0; e < c1; ++e) {
                float w, t;
                weight_target(prm, row.val[e], row.idx[e], other_bias, w, t);
                axpy_z(tw * t - w * coef[e], row.idx[e], out);
            }
        }
    };
    auto apply = [&](const float* v, float* out) MFREC_LAMBDA_INLINE {  // out = A v
        if (G) linalg::symv(G, v, out, d);
        else std::fill(out, out + d, 0.f);
        linalg::axpy(lambda, v, out, k);
        if (d > k) out[k] += lambda_b * v[k];
        for (float* o = out; o < out + d; ++o) *o = -*o;
        accumulate(v, 0.f, out);  // out = −A v
        for (float* o = out; o < out + d; ++o) *o = -*o;
    };
    // r = b − A x = −(G + λI) x + Σ_j (t_j − w_j z_jᵀx) z_j.
    if (G) linalg::symv(G, x, r, d);
    else std::fill(r, r + d, 0.f);
    linalg::axpy(lambda, x, r, k);
    if (d > k) r[k] += lambda_b * x[k];
    for (index_t f = 0; f < d; ++f) r[f] = -r[f];
    accumulate(x, 1.f, r);
    if constexpr (Loss) {  // b = Σ_j t_j z_j, for the objective at the solution
        float* b = s.b.data();
        std::fill(b, b + d, 0.f);
        for (index_t e = 0; e < row.n; ++e) {
            float w, t;
            weight_target(prm, row.val[e], row.idx[e], other_bias, w, t);
            axpy_z(t, row.idx[e], b);
        }
    }
    linalg::cg_steps(apply, x, r, s.p.data(), s.Ap.data(), d, prm.cg_steps);
    if constexpr (Loss)
        return row_constant(prm, row, other_bias) - dot64(s.b.data(), x, d) - dot64(x, r, d);
    return 0.0;
}

/// Rows [0, R.rows) of one half-sweep; runs inside the caller's parallel region. The
/// scratch is allocated through `errors` (a failed allocation skips the rows and is
/// rethrown by the caller); solving allocates nothing.
template <bool Loss>
MFREC_INLINE void sweep_rows(const AlsParams& prm, CsrView R, MatrixView X, MatrixView Y,
                             float* x_bias, const float* other_bias, const float* G,
                             double* row_loss, index_t max_row, ParallelErrors& errors) {
    const index_t k = Y.cols;
    const index_t d = prm.augment ? k + 1 : k;
    // On this thread's stack, not the heap: with the Scratch object (its vectors' pointers,
    // read for every row) from `new`, 2-thread half-sweeps ran 1.5× instead of 1.85× faster
    // than 1 thread (benchmarks/results/busy_threads.md; the buffers stay on the heap).
    std::optional<Scratch> scratch;
    errors.run([&] { scratch.emplace(d, prm.cg_steps == 0, max_row); });
    MFREC_PRAGMA(omp for schedule(dynamic, 64))
    for (index_t u = 0; u < R.rows; ++u) {
        if (errors.failed()) continue;
        Scratch& s = *scratch;
        float* x = s.x.data();
        const index_t b = R.indptr[u], e = R.indptr[u + 1];
        float* xu = X.row(u);
        if (e == b) {
            std::fill(xu, xu + k, 0.f);
            if (prm.augment) x_bias[u] = 0.f;
            if constexpr (Loss) row_loss[u] = 0.0;
            continue;
        }
        const float scale = prm.reg_count ? static_cast<float>(e - b) : 1.f;
        const float lambda = prm.reg * scale;
        const float lambda_b = (prm.reg_bias < 0.f ? prm.reg : prm.reg_bias) * scale;
        std::copy(xu, xu + k, x);
        if (prm.augment) x[k] = x_bias[u];
        const double loss = solve_row<Loss>(prm, G, Y, AlsRow{R.indices + b, R.data + b, e - b},
                                            other_bias, lambda, lambda_b, x, d, s);
        if constexpr (Loss) row_loss[u] = loss;
        std::copy(x, x + k, xu);
        if (prm.augment) x_bias[u] = x[k];
    }
}

#define MFREC_ALS_ENTRY(NAME, ATTR)                                                         \
    ATTR inline void NAME(const AlsParams& prm, CsrView R, MatrixView X, MatrixView Y,     \
                          float* x_bias, const float* other_bias, const float* G,          \
                          double* row_loss, index_t max_row, ParallelErrors& errors,       \
                          int n_threads) {                                                 \
        if (row_loss) {                                                                    \
            MFREC_PRAGMA(omp parallel num_threads(n_threads))                              \
            sweep_rows<true>(prm, R, X, Y, x_bias, other_bias, G, row_loss, max_row,       \
                             errors);                                                      \
        } else {                                                                           \
            MFREC_PRAGMA(omp parallel num_threads(n_threads))                              \
            sweep_rows<false>(prm, R, X, Y, x_bias, other_bias, G, nullptr, max_row,       \
                              errors);                                                     \
        }                                                                                  \
    }
#if MFREC_HAS_DISPATCH
MFREC_ALS_ENTRY(sweep_v4, MFREC_TARGET_V4)
MFREC_ALS_ENTRY(sweep_v3, MFREC_TARGET_V3)
#endif
MFREC_ALS_ENTRY(sweep_base, )
#undef MFREC_ALS_ENTRY
}  // namespace als_detail

/// One half-sweep: every row u of R (CSR over Y's rows) gets x_u solved, in place.
/// @param X  the rows being solved, n_rows × k, holding the warm start on entry
/// @param Y  the fixed side, R.cols × k
/// @param x_bias  with `augment`: the solved biases (n_rows), else ignored
/// @param other_bias  the fixed side's biases (R.cols) or null
/// @param G  YᵀY (k × k) for implicit rows, else null (see linalg::gram)
/// @param row_loss  null, or n_rows doubles: each row's part of the objective at its
///                  solution (solve_row), summed by the caller in a fixed order
/// Rows without interactions get zero factors (and bias) for explicit ALS; implicit rows
/// solve (G + λI) x = 0, i.e. zero too.
/// Throws std::bad_alloc (after the parallel region) when the per-thread scratch cannot be
/// allocated, e.g. d² floats per thread for Cholesky at a very large k.
inline void als_half_sweep(const AlsParams& prm, CsrView R, MatrixView X, MatrixView Y,
                           float* x_bias, const float* other_bias, const float* G,
                           int n_threads, double* row_loss = nullptr) {
    index_t max_row = 0;
    for (index_t u = 0; u < R.rows; ++u) max_row = std::max(max_row, R.indptr[u + 1] - R.indptr[u]);
    ParallelErrors errors;
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4)
        als_detail::sweep_v4(prm, R, X, Y, x_bias, other_bias, G, row_loss, max_row, errors,
                             n_threads);
    else if (level == 3)
        als_detail::sweep_v3(prm, R, X, Y, x_bias, other_bias, G, row_loss, max_row, errors,
                             n_threads);
    else
#endif
        als_detail::sweep_base(prm, R, X, Y, x_bias, other_bias, G, row_loss, max_row, errors,
                               n_threads);
    errors.rethrow();
}

/// Implicit loss Σ_all c (p − xᵀy)² + λ(ΣX² + ΣY²) via the YᵀY identity:
/// Σ_all s² = Σ_u x_uᵀ G x_u; observed pairs add c(1 − s)² − s².
/// @param G  YᵀY of the current Y (the one the next user half-sweep uses)
inline double implicit_loss(CsrView R, MatrixView X, MatrixView Y, const float* G, float reg,
                            int n_threads) {
    const index_t k = Y.cols;
    double total = 0.0;
    // Per-row sums reduced in row order through a fixed chunking: thread-count independent.
    constexpr index_t kChunk = 1024;
    const index_t n_chunks = (R.rows + kChunk - 1) / kChunk;
    std::vector<double> part(n_chunks, 0.0);
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<float> gx;
        errors.run([&] { gx.resize(k); });
#pragma omp for schedule(dynamic, 1)
        for (index_t c = 0; c < n_chunks; ++c) {
            if (errors.failed()) continue;
            double acc = 0.0;
            const index_t u1 = std::min(R.rows, (c + 1) * kChunk);
            for (index_t u = c * kChunk; u < u1; ++u) {
                const float* x = X.row(u);
                linalg::symv(G, x, gx.data(), k);
                acc += linalg::dot(x, gx.data(), k) + reg * linalg::dot(x, x, k);
                for (index_t e = R.indptr[u]; e < R.indptr[u + 1]; ++e) {
                    const double s = linalg::dot(x, Y.row(R.indices[e]), k);
                    const double cc = R.data[e];
                    acc += cc * (1.0 - s) * (1.0 - s) - s * s;
                }
            }
            part[c] = acc;
        }
    }
    errors.rethrow();
    for (double p : part) total += p;
    double yy = 0.0;
    for (index_t i = 0; i < Y.rows; ++i) yy += linalg::dot(Y.row(i), Y.row(i), k);
    return total + reg * yy;
}

}  // namespace mfrec
