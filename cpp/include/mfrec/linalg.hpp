// Small dense linear algebra for the row solvers: vector primitives, YᵀY, Cholesky with
// triangular solves, and conjugate gradient over a matrix-free operator.
//
// Used by ALS and implicit ALS (als.hpp), fold-in (through the ALS row solver), and written
// for the models that solve or sample one small system per row (Bayesian MF's Gaussian
// conditionals, the content model's per-user ridge). No BLAS: the systems are d × d with d at
// most a few hundred, one per row, and every loop is written for the compiler to vectorize.
// All functions are always-inline, so they compile into the per-ISA entry point that calls
// them (see MFREC_TARGET_V3/V4 in common.hpp).
//
// Layout: a d × d matrix is row-major, element (i, j) at A[i * d + j]. "Lower" routines read
// and write only the lower triangle (j ≤ i).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec::linalg {

/// aᵀb over n floats with two independent vector accumulators: a single accumulator makes
/// the dot product one long chain of dependent FMAs, and each SGD update waits on it.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(MFREC_PLAIN_DOT)
typedef float vec8 __attribute__((vector_size(32), aligned(4), may_alias));
MFREC_INLINE float hsum(vec8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
MFREC_INLINE float dot(const float* MFREC_RESTRICT a, const float* MFREC_RESTRICT b, index_t n) {
    vec8 acc0 = {}, acc1 = {};
    index_t f = 0;
    for (; f + 16 <= n; f += 16) {
        acc0 += *reinterpret_cast<const vec8*>(a + f) * *reinterpret_cast<const vec8*>(b + f);
        acc1 += *reinterpret_cast<const vec8*>(a + f + 8) *
                *reinterpret_cast<const vec8*>(b + f + 8);
    }
    if (f + 8 <= n) {
        acc0 += *reinterpret_cast<const vec8*>(a + f) * *reinterpret_cast<const vec8*>(b + f);
        f += 8;
    }
    acc0 += acc1;
    float s = 0.f;
    for (; f < n; ++f) s += a[f] * b[f];
    return s + hsum(acc0);
}
#else
MFREC_INLINE float dot(const float* a, const float* b, index_t n) {
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (index_t f = 0; f < n; ++f) s += a[f] * b[f];
    return s;
}
#endif

/// y ← y + a·x over n floats.
MFREC_INLINE void axpy(float a, const float* MFREC_RESTRICT x, float* MFREC_RESTRICT y,
                       index_t n) {
#pragma omp simd
    for (index_t f = 0; f < n; ++f) y[f] += a * x[f];
}

/// Read-prefetch of the n floats at p, one request per 64-byte line.
MFREC_INLINE void prefetch_read(const float* p, index_t n) {
    const char* c = reinterpret_cast<const char*>(p);
    const char* end = reinterpret_cast<const char*>(p + n);
    for (; c < end; c += 64) MFREC_PREFETCH_R(c);
}

/// out = G·p for a symmetric d × d G (row-major, full), as Σ_i p_i G[i, :], 64 outputs
/// at a time: the 64 partial sums stay in registers while i runs over G's rows (a plain
/// row-axpy would load and store `out` for every i).
MFREC_INLINE void symv(const float* MFREC_RESTRICT G, const float* MFREC_RESTRICT p,
                       float* MFREC_RESTRICT out, index_t d) {
    constexpr index_t B = 64;
    index_t c = 0;
    for (; c + B <= d; c += B) {
        float acc[B] = {};
        for (index_t i = 0; i < d; ++i) {
            const float pi = p[i];
            const float* g = G + i * d + c;
#pragma omp simd
            for (index_t v = 0; v < B; ++v) acc[v] += pi * g[v];
        }
        std::copy(acc, acc + B, out + c);
    }
    if (c < d) {
        std::fill(out + c, out + d, 0.f);
        for (index_t i = 0; i < d; ++i) axpy(p[i], G + i * d + c, out + c, d - c);
    }
}

/// A ← A + w·z zᵀ on the lower triangle of the d × d A (a rank-1 update).
MFREC_INLINE void syr_lower(float w, const float* MFREC_RESTRICT z, float* MFREC_RESTRICT A,
                            index_t d) {
    for (index_t i = 0; i < d; ++i) axpy(w * z[i], z, A + i * d, i + 1);
}

/// In place A = LLᵀ: L overwrites the lower triangle of the d × d A (the upper triangle is
/// not read). Sums in double. Returns false when A is not (numerically) positive definite.
MFREC_INLINE bool cholesky_factor(float* A, index_t d) {
    for (index_t j = 0; j < d; ++j) {
        double s = A[j * d + j];
        for (index_t m = 0; m < j; ++m) s -= double(A[j * d + m]) * A[j * d + m];
        if (!(s > 0.0)) return false;
        const float ljj = static_cast<float>(std::sqrt(s));
        A[j * d + j] = ljj;
        const float inv = 1.f / ljj;
        for (index_t i = j + 1; i < d; ++i) {
            // L[i][j] = (A[i][j] − Σ_m L[i][m] L[j][m]) / L[j][j]
            A[i * d + j] = (A[i * d + j] - dot(A + i * d, A + j * d, j)) * inv;
        }
    }
    return true;
}

/// b ← L⁻¹ b (forward substitution) with L the lower triangle of the d × d L.
MFREC_INLINE void solve_lower(const float* L, float* b, index_t d) {
    for (index_t i = 0; i < d; ++i) b[i] = (b[i] - dot(L + i * d, b, i)) / L[i * d + i];
}

/// b ← L⁻ᵀ b (back substitution with the transpose), sums in double.
MFREC_INLINE void solve_lower_t(const float* L, float* b, index_t d) {
    for (index_t i = d - 1; i >= 0; --i) {
        double s = b[i];
        for (index_t m = i + 1; m < d; ++m) s -= double(L[m * d + i]) * b[m];
        b[i] = static_cast<float>(s / L[i * d + i]);
    }
}

/// Solve A x = b in place (x overwrites b; L overwrites A's lower triangle).
/// Returns false, leaving b unspecified, when A is not positive definite.
MFREC_INLINE bool cholesky_solve(float* A, float* b, index_t d) {
    if (!cholesky_factor(A, d)) return false;
    solve_lower(A, b, d);
    solve_lower_t(A, b, d);
    return true;
}

/// `steps` iterations of conjugate gradient on A x = b, from the x given and its residual
/// r = b − A x (both updated in place). `apply(v, out)` must set out = A v for a symmetric
/// positive definite A; p and Ap are scratch of length d. Stops early when ‖r‖² < 1e-20 or
/// the curvature pᵀAp is not positive.
template <class Apply>
MFREC_INLINE void cg_steps(Apply&& apply, float* MFREC_RESTRICT x, float* MFREC_RESTRICT r,
                           float* MFREC_RESTRICT p, float* MFREC_RESTRICT Ap, index_t d,
                           int steps) {
    std::copy(r, r + d, p);
    float rs_old = dot(r, r, d);
    for (int it = 0; it < steps; ++it) {
        if (rs_old < 1e-20f) break;
        apply(p, Ap);
        const float pAp = dot(p, Ap, d);
        if (!(pAp > 0.f)) break;
        const float alpha = rs_old / pAp;
        axpy(alpha, p, x, d);
        axpy(-alpha, Ap, r, d);
        const float rs_new = dot(r, r, d);
        const float beta = rs_new / rs_old;
        for (index_t f = 0; f < d; ++f) p[f] = r[f] + beta * p[f];
        rs_old = rs_new;
    }
}

/// Rows per chunk of gram(): a fixed partition of Y's rows.
constexpr index_t kGramChunk = 2048;

/// The per-chunk parts of YᵀY: parts[c] (k × k, row-major, float) = Σ yᵀy over the rows of
/// chunk c (kGramChunk rows each, summed in float in row order). Chunks are independent, so
/// the threads split them. Row blocks of a larger matrix that start at multiples of
/// kGramChunk give the same parts as the whole matrix, so a distributed engine that adds its
/// blocks' parts in row order, as gram_accumulate() does, gets gram()'s bits.
inline void gram_parts(MatrixView Y, float* parts, int n_threads) {
    const index_t k = Y.cols;
    constexpr index_t kChunk = kGramChunk;
    const index_t n_chunks = std::max<index_t>(1, (Y.rows + kChunk - 1) / kChunk);
    ParallelErrors errors;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (index_t c = 0; c < n_chunks; ++c) {
        errors.run([&] {
            float* acc = parts + c * k * k;
            std::fill(acc, acc + k * k, 0.f);
            const index_t r1 = std::min(Y.rows, (c + 1) * kChunk);
            for (index_t r = c * kChunk; r < r1; ++r) {
                const float* y = Y.row(r);
                for (index_t i = 0; i < k; ++i) axpy(y[i], y, acc + i * k, k);
            }
        });
    }
    errors.rethrow();
}

/// Number of chunks gram_parts() writes for a matrix of `rows` rows.
inline index_t gram_chunks(index_t rows) {
    return std::max<index_t>(1, (rows + kGramChunk - 1) / kGramChunk);
}

/// acc += the per-chunk parts of YᵀY (k × k, row-major, double), chunk after chunk in row
/// order, each part converted to double (gram()'s reduction).
inline void gram_accumulate(MatrixView Y, double* acc, int n_threads) {
    const index_t k = Y.cols;
    const index_t n_chunks = gram_chunks(Y.rows);
    std::vector<float> part(static_cast<size_t>(n_chunks) * k * k);
    gram_parts(Y, part.data(), n_threads);
    for (index_t e = 0; e < k * k; ++e) {
        double s = acc[e];
        for (index_t c = 0; c < n_chunks; ++c) s += static_cast<double>(part[c * k * k + e]);
        acc[e] = s;
    }
}

/// G = YᵀY (k × k, full, row-major) with k = Y.cols: a fixed partition into chunks of rows,
/// each summed in float and the chunks added in order in double, so the result does not
/// depend on the thread count.
inline void gram(MatrixView Y, float* G, int n_threads) {
    const index_t k = Y.cols;
    std::vector<double> acc(static_cast<size_t>(k) * k, 0.0);
    gram_accumulate(Y, acc.data(), n_threads);
    for (index_t e = 0; e < k * k; ++e) G[e] = static_cast<float>(acc[e]);
}

}  // namespace mfrec::linalg
