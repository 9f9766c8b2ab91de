// SVD++ (Koren 2008, "Factorization meets the neighborhood", eq. 15) trained by per-user SGD:
//
//   r̂_ui = μ + b_u + b_i + q_iᵀ(p_u + z_u),      z_u = |N(u)|^-½ Σ_{j∈N(u)} y_j
//   loss  = Σ_(u,i)∈R [ (r_ui − r̂_ui)² + λ_bu b_u² + λ_bi b_i² + λ_p‖p_u‖² + λ_q‖q_i‖²
//                       + λ_y Σ_{j∈N(u)} ‖y_j‖² ]
//
// N(u) ⊇ R(u): the items u rated, plus any extra implicit items. The textbook SGD step of one
// rating (Surprise's SVDpp), from the old values, with err = r_ui − r̂_ui:
//
//   b_u += a_bu (err − λ_bu b_u),  b_i += a_bi (err − λ_bi b_i),
//   p_u += a_p (err q_i − λ_p p_u),  q_i += a_q (err (p_u + z_u) − λ_q q_i),
//   y_j += a_y (err |N(u)|^-½ q_i − λ_y y_j)   for every j ∈ N(u),
//
// recomputes z_u and moves |N(u)| rows per rating: Σ_u |R(u)|·|N(u)|·k per epoch. Here each
// user is one unit of work, O((|R(u)| + |N(u)|)·k), with the same result: since a rating's
// step moves every y_j of N(u) alike (y_j ← d y_j + c g with d = 1 − a_y λ_y,
// c = a_y |N(u)|^-½, g = err q_i), z_u follows in closed form (z_u ← d z_u + a_y g), and the
// y_j can wait for the end of the user's walk:
//
//   1. z ← |N(u)|^-½ Σ_j y_j, once;
//   2. the user's ratings in CSR order, each with the steps above, z ← d z + a_y g, and
//      acc ← d acc + c g, D ← d D (acc = 0, D = 1 at the start);
//   3. every y_j, j ∈ N(u), once: y_j ← D y_j + acc
// (the kernel keeps z₀, z before the walk, instead of acc: acc = |N(u)|^-½ (z − D z₀)).
//
// The result is the textbook per-rating SGD in the same visiting order (up to float rounding:
// tests/test_svdpp.py replays it in numpy).
//
// Steps: a_· = η_· (constant), or with AdaGrad η_·/√G_row, one accumulator per user row and
// per item row (G = 1 + Σ ‖g‖²/k over the row's updates, LibMF's scheme, as in sgd_step.hpp);
// a user's bias and y steps use the user's rate, an item's bias its item's rate.
//
// Parallelism: users are visited in a seeded random order (a fresh permutation every epoch,
// svdpp_user_order), dynamically split across threads. A user's own rows (p_u, b_u, G_u) are
// touched by one thread only; q_i, b_i, G_i and y_j are shared and updated without locks
// (Hogwild). With one thread the visiting order is the permutation itself, so a seed gives
// bit-identical results; with more, the interleaving of the shared updates varies from run to
// run. Every loop over a row is vectorized, and the whole epoch loop is compiled once per ISA
// level (AVX-512, AVX2 + FMA, baseline) and dispatched at run time (common.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/parallel.hpp"
#include "mfrec/rng.hpp"

namespace mfrec {

struct SvdppParams {
    float mu = 0.f;                                  // global mean
    float reg_bu = 0.f, reg_bi = 0.f;                // L2 weights, per rating
    float reg_p = 0.f, reg_q = 0.f, reg_y = 0.f;
    bool adagrad = false;  // per-row adaptive steps η/√G, G = 1 + Σ ‖g‖²/k
    index_t n_factors = 0; // k without the zero padding of the rows (0: the row length)
};

/// One fit's data and state. Every factor matrix has rows of the same length W (k padded
/// with zeros, which the updates keep at zero).
struct SvdppProblem {
    CsrView ratings;   // R: users × items, values = ratings; rows in any column order
    CsrView implicit;  // N: users × items pattern (data unused); N(u) ⊇ R(u), |N(u)| > 0
                       // wherever R(u) is not empty
    const std::int32_t* active = nullptr;  // the users with ratings, each once
    index_t n_active = 0;
    MatrixView P, Q, Y;         // n_users × W, n_items × W, n_items × W
    float *bu = nullptr, *bi = nullptr;  // n_users, n_items
    float *Gu = nullptr, *Gi = nullptr;  // AdaGrad accumulators (n_users, n_items) or null
    SvdppParams params;
};

/// The users of `active` (n of them) in the random order of epoch `epoch` for `seed`:
/// Fisher–Yates driven by splitmix64, the stream seeded by (seed, epoch); position i swaps
/// with ⌊(x ≫ 32)·(i + 1) / 2³²⌋, x the stream's next draw, for i = n − 1 down to 1.
inline void svdpp_user_order(const std::int32_t* active, index_t n, std::uint64_t seed,
                             index_t epoch, std::int32_t* out) {
    std::copy(active, active + n, out);
    SplitMix64 mix(seed + 0x632BE59BD9B4E019ull * static_cast<std::uint64_t>(epoch + 1));
    SplitMix64 rng(mix.next());
    for (index_t i = n - 1; i > 0; --i) {
        const std::uint64_t x = rng.next() >> 32;
        const index_t j = static_cast<index_t>((x * static_cast<std::uint64_t>(i + 1)) >> 32);
        std::swap(out[i], out[j]);
    }
}

namespace detail {

#ifndef MFREC_SVDPP_AHEAD
#define MFREC_SVDPP_AHEAD 4  // rows fetched ahead in a user's item lists
#endif

/// One user's unit of work (steps 1–3 above); returns Σ err² of its ratings. `z` and `z0`
/// are W-float scratch rows; `lr` = (a_bu, a_bi, a_p, a_q, a_y) of the epoch.
///
/// Two savings over the steps as written, same arithmetic up to rounding: acc is not kept,
/// since acc = sn·(z − D·z₀) at every step (z₀ = z before the walk: both follow
/// x ← d·x + a_y·g, acc from 0 and z from z₀, and c = a_y·sn); and the dot product of the
/// next rating, q_next·(p + z), is summed in the same pass that updates p and z (its items
/// differ from the current one; a repeated item falls back to a separate pass).
template <bool Adagrad>
MFREC_INLINE double svdpp_user(const SvdppProblem& pb, index_t u, const float* lr,
                               float* MFREC_RESTRICT z, float* MFREC_RESTRICT z0,
                               float inv_k) {
    const index_t rb = pb.ratings.indptr[u], re = pb.ratings.indptr[u + 1];
    if (re == rb) return 0.0;
    const index_t nb = pb.implicit.indptr[u], ne = pb.implicit.indptr[u + 1];
    const std::int32_t* MFREC_RESTRICT items = pb.ratings.indices;
    const std::int32_t* MFREC_RESTRICT implicit = pb.implicit.indices;
    const index_t W = pb.P.cols;
    const SvdppParams& s = pb.params;
    constexpr index_t kAhead = MFREC_SVDPP_AHEAD;

    // 1. z = |N(u)|^-½ Σ_j y_j   (summed in N(u)'s order, then scaled)
    for (index_t f = 0; f < W; ++f) z[f] = 0.f;
    for (index_t e = nb; e < ne; ++e) {
        if (e + kAhead < ne) linalg::prefetch_read(pb.Y.row(implicit[e + kAhead]), W);
        const float* MFREC_RESTRICT y = pb.Y.row(implicit[e]);
#pragma omp simd
        for (index_t f = 0; f < W; ++f) z[f] += y[f];
    }
    const float sn = 1.f / std::sqrt(static_cast<float>(ne - nb));
#pragma omp simd
    for (index_t f = 0; f < W; ++f) z[f] *= sn, z0[f] = z[f];

    // 2. the user's ratings, with x = p_u + z. The textbook step of rating t moves every
    //    y_j, j ∈ N(u), alike: y_j ← d_t y_j + c_t g_t with d_t = 1 − a_y λ_y, c_t = a_y sn,
    //    g_t = err q_i. So z follows in closed form, z ← d_t z + a_y g_t, and after the walk
    //    y_j = D y_j + sn (z − D z₀) with D = Π d_t.
    float* MFREC_RESTRICT p = pb.P.row(u);
    float bu = pb.bu[u];
    float* MFREC_RESTRICT bi = pb.bi;
    float keep = 1.f;  // D
    double sse = 0.0;
    float dot = 0.f;  // q_i·(p + z) of the current rating
    {
        const float* MFREC_RESTRICT q = pb.Q.row(items[rb]);
#pragma omp simd reduction(+ : dot)
        for (index_t f = 0; f < W; ++f) dot += q[f] * (p[f] + z[f]);
    }
    for (index_t e = rb; e < re; ++e) {
        if (e + kAhead < re) prefetch_row(pb.Q.row(items[e + kAhead]), W);
        const index_t i = items[e];
        float* MFREC_RESTRICT q = pb.Q.row(i);
        const float err = pb.ratings.data[e] - (s.mu + bu + bi[i] + dot);
        sse += static_cast<double>(err) * err;
        float a_bu = lr[0], a_bi = lr[1], a_p = lr[2], a_q = lr[3], a_y = lr[4];
        if constexpr (Adagrad) {
            const float eta_u = 1.f / std::sqrt(pb.Gu[u]), eta_i = 1.f / std::sqrt(pb.Gi[i]);
            a_bu *= eta_u, a_p *= eta_u, a_y *= eta_u;
            a_bi *= eta_i, a_q *= eta_i;
        }
        bu += a_bu * (err - s.reg_bu * bu);
        bi[i] += a_bi * (err - s.reg_bi * bi[i]);
        const float lp = s.reg_p, lq = s.reg_q;
        const float d = 1.f - a_y * s.reg_y;
        keep *= d;
        const bool fuse = e + 1 < re && items[e + 1] != i;
        const float* MFREC_RESTRICT qn = pb.Q.row(fuse ? items[e + 1] : i);
        float gp2 = 0.f, gq2 = 0.f, next = 0.f;
        if (fuse) {
#pragma omp simd reduction(+ : gp2, gq2, next)
            for (index_t f = 0; f < W; ++f) {
                const float pf = p[f], qf = q[f], zf = z[f];
                const float g = err * qf;
                const float gp = g - lp * pf;                // −½ ∂loss/∂p_u
                const float gq = err * (pf + zf) - lq * qf;  // −½ ∂loss/∂q_i
                const float pn = pf + a_p * gp, zn = d * zf + a_y * g;
                p[f] = pn;
                q[f] = qf + a_q * gq;
                z[f] = zn;
                next += qn[f] * (pn + zn);
                if constexpr (Adagrad) gp2 += gp * gp, gq2 += gq * gq;
            }
        } else {
#pragma omp simd reduction(+ : gp2, gq2)
            for (index_t f = 0; f < W; ++f) {
                const float pf = p[f], qf = q[f], zf = z[f];
                const float g = err * qf;
                const float gp = g - lp * pf;
                const float gq = err * (pf + zf) - lq * qf;
                p[f] = pf + a_p * gp;
                q[f] = qf + a_q * gq;
                z[f] = d * zf + a_y * g;
                if constexpr (Adagrad) gp2 += gp * gp, gq2 += gq * gq;
            }
            if (e + 1 < re) {  // the next rating repeats item i: its dot after the update
                const float* MFREC_RESTRICT q2 = pb.Q.row(items[e + 1]);
#pragma omp simd reduction(+ : next)
                for (index_t f = 0; f < W; ++f) next += q2[f] * (p[f] + z[f]);
            }
        }
        dot = next;
        if constexpr (Adagrad) {
            pb.Gu[u] += gp2 * inv_k;
            pb.Gi[i] += gq2 * inv_k;
        }
    }
    pb.bu[u] = bu;

    // 3. y_j ← D y_j + sn (z − D z₀),  j ∈ N(u)
#pragma omp simd
    for (index_t f = 0; f < W; ++f) z[f] = sn * (z[f] - keep * z0[f]);
    for (index_t e = nb; e < ne; ++e) {
        if (e + kAhead < ne) linalg::prefetch_read(pb.Y.row(implicit[e + kAhead]), W);
        float* MFREC_RESTRICT y = pb.Y.row(implicit[e]);
#pragma omp simd
        for (index_t f = 0; f < W; ++f) y[f] = keep * y[f] + z[f];
    }
    return sse;
}

/// Everything one call shares between its threads.
struct SvdppRun {
    const SvdppProblem* pb;
    const float* steps;  // n_epochs × 5
    index_t n_epochs, first_epoch;
    std::uint64_t seed;
    std::int32_t* order;   // n_active: this epoch's visiting order
    double* partial;       // one Σ err² per thread
    double *epoch_sse, *epoch_seconds;
    index_t done;
    bool stop;
    ParallelErrors* errors;
    std::chrono::steady_clock::time_point start;
};

/// The body of the parallel region: every thread runs the epochs, sharing the users of each.
template <bool Adagrad>
MFREC_INLINE void svdpp_region(SvdppRun& run) {
    const SvdppProblem& pb = *run.pb;
    const index_t W = pb.P.cols;
    const float inv_k =
        1.f / static_cast<float>(pb.params.n_factors > 0 ? pb.params.n_factors : std::max<index_t>(W, 1));
    std::unique_ptr<float[]> scratch;
    try {
        scratch.reset(new float[static_cast<size_t>(2 * W + 1)]);
    } catch (...) {
        run.errors->capture();
    }
    float* z = scratch.get();
    float* z0 = z ? z + W : nullptr;
    const int me = thread_num();
    for (index_t t = 0; t < run.n_epochs; ++t) {
#pragma omp single
        {
            svdpp_user_order(pb.active, pb.n_active, run.seed, run.first_epoch + t, run.order);
            for (int j = 0; j < num_threads(); ++j) run.partial[j] = 0.0;
        }  // implicit barrier: the order is ready
        const float* lr = run.steps + 5 * t;
        double sse = 0.0;
#pragma omp for schedule(dynamic, 16)
        for (index_t o = 0; o < pb.n_active; ++o) {
            if (run.errors->failed()) continue;
            sse += svdpp_user<Adagrad>(pb, run.order[o], lr, z, z0, inv_k);
        }  // implicit barrier
        run.partial[me] = sse;
#pragma omp barrier
#pragma omp single
        {
            double total = 0.0;
            for (int j = 0; j < num_threads(); ++j) total += run.partial[j];
            run.epoch_sse[t] = total;
            run.epoch_seconds[t] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - run.start)
                    .count();
            run.done = t + 1;
            run.stop = run.errors->failed() || !std::isfinite(total);
        }  // implicit barrier: every thread sees `stop`
        if (run.stop) break;
    }
}

#define MFREC_SVDPP_ENTRY(NAME, ATTR)                                                       \
    ATTR inline void NAME(SvdppRun& run, int n_threads) {                                   \
        if (run.pb->params.adagrad) {                                                       \
            MFREC_PRAGMA(omp parallel num_threads(n_threads))                               \
            svdpp_region<true>(run);                                                        \
        } else {                                                                            \
            MFREC_PRAGMA(omp parallel num_threads(n_threads))                               \
            svdpp_region<false>(run);                                                       \
        }                                                                                   \
    }
#if MFREC_HAS_DISPATCH
MFREC_SVDPP_ENTRY(svdpp_run_v4, MFREC_TARGET_V4)
MFREC_SVDPP_ENTRY(svdpp_run_v3, MFREC_TARGET_V3)
#endif
MFREC_SVDPP_ENTRY(svdpp_run_base, )
#undef MFREC_SVDPP_ENTRY

}  // namespace detail

/// SGD epochs of SVD++ in one parallel region (see the top of this file); stops after the
/// first epoch whose loss is not finite (diverged).
/// @param steps  n_epochs × 5 step sizes (a_bu, a_bi, a_p, a_q, a_y) of each epoch
/// @param first_epoch  the index of the first epoch of this call in the fit: epoch t of the
///                     call visits users in the order svdpp_user_order(.., first_epoch + t)
/// @param epoch_sse  out, n_epochs: Σ err² of each epoch (errors before each update);
///        epoch_seconds  out, n_epochs: wall time since the start after each epoch
/// @return the number of epochs run
/// Throws std::bad_alloc (before the region, or after it for the per-thread scratch).
inline index_t svdpp_epochs(const SvdppProblem& pb, const float* steps, index_t n_epochs,
                            index_t first_epoch, std::uint64_t seed, double* epoch_sse,
                            double* epoch_seconds, int n_threads) {
    if (n_epochs <= 0) return 0;
    std::vector<std::int32_t> order(static_cast<size_t>(pb.n_active));
    std::vector<double> partial(static_cast<size_t>(std::max(n_threads, 1)), 0.0);
    ParallelErrors errors;
    detail::SvdppRun run{&pb, steps, n_epochs, first_epoch, seed, order.data(), partial.data(),
                         epoch_sse, epoch_seconds, 0, false, &errors,
                         std::chrono::steady_clock::now()};
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) detail::svdpp_run_v4(run, n_threads);
    else if (level == 3) detail::svdpp_run_v3(run, n_threads);
    else
#endif
        detail::svdpp_run_base(run, n_threads);
    errors.rethrow();
    return run.done;
}

/// Z[u] = |N(u)|^-½ Σ_{j∈N(u)} Y[j] for every row u of the pattern N (zero when N(u) is
/// empty), summed in N(u)'s order as the training kernel does. Rows are independent: the
/// result does not depend on the thread count.
/// @param Y  n_items × k;  Z  N.rows × k (out)
inline void svdpp_user_terms(const CsrView& N, MatrixView Y, MatrixView Z, int n_threads) {
    const index_t k = Y.cols;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 64)
    for (index_t u = 0; u < N.rows; ++u) {
        float* MFREC_RESTRICT z = Z.row(u);
        for (index_t f = 0; f < k; ++f) z[f] = 0.f;
        const index_t b = N.indptr[u], e = N.indptr[u + 1];
        if (e == b) continue;
        for (index_t j = b; j < e; ++j) {
            const float* MFREC_RESTRICT y = Y.row(N.indices[j]);
#pragma omp simd
            for (index_t f = 0; f < k; ++f) z[f] += y[f];
        }
        const float sn = 1.f / std::sqrt(static_cast<float>(e - b));
#pragma omp simd
        for (index_t f = 0; f < k; ++f) z[f] *= sn;
    }
}

}  // namespace mfrec
