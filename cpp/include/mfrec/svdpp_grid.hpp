// SVD++ on the block grid of sgd_blocks.hpp (SVDpp(algorithm="grid")): the model, loss and
// per-rating steps of svdpp.hpp, with the y_j steps applied once per epoch instead of at the
// end of each user's walk, so that every pass touches the rows of one user bin and one item
// bin — the grid's cache-friendly, lock-free order instead of the per-user walk's random item
// rows (a q_i and a y_j per rating, shared by all threads).
//
// State besides the factors, in rank space like them: z_u (Z, the implicit term the user's
// predictions use), a_u (A, the user's pending y step), D_u (its pending decay),
// sn_u = |N(u)|^-½ and ω_j (the damping of item j's y step). N(u) is the entries of a second
// grid with the ratings' ranks and bins (`implicit`; the ratings' own grid when N(u) = R(u),
// else R(u) and the extra items of SVDpp.fit(implicit_items=...)), so block b of either grid
// holds the rows of the same user bin and item bin.
//
// An epoch is two passes over the grid, each over all its blocks in the epoch's schedule:
//
//   0. (begin: a_u = 0, D_u = 1) every rating (u, i) with x = p_u + z_u, err = r − r̂:
//        b_u, b_i, p_u, q_i: the steps of svdpp.hpp, from the old values;
//        z_u ← d z_u + a_y g,   a_u ← d a_u + a_y sn_u g,   D_u ← d D_u
//      (g = err q_i, d = 1 − a_y λ_y): the closed form of svdpp.hpp's walk, z_u carried
//      along, the user's y step gathered;
//   1. (begin: z_u = 0) every (u, j), j ∈ N(u) (the implicit grid's blocks):
//        y_j ← y_j + ω_j ((D_u − 1) y_j + a_u),
//      then z_u += sn_u y_j — the next epoch's z_u, formed from each y_j as it is once u's
//      step is in (with the steps of the users whose blocks came earlier in this pass).
//
// With ω_j = 1 a y_j takes the sum of its users' steps (svdpp.hpp's step 3 for each), but all
// computed from the y_j of the epoch's start: a Jacobi step where the per-user walk is
// Gauss–Seidel, and on data whose items have many users it overshoots (the loss rises
// between epochs: ML-100K RMSE 0.97 ± 0.04 against the walk's 0.898). The caller damps it by
// the item's number of users U_j, ω_j = 1 / (1 + U_j / c), which changes the step's size and
// not where it is zero (benchmarks/results/svdpp_10m_bound.md). The first epoch's z_u come
// from the caller (svdpp_grid_terms of the initial y_j).
//
// Reproducibility is the grid's: the blocks of a round share no row, so for a fixed grid and
// schedule a fit gives the same bits at any thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/sgd_blocks.hpp"
#include "mfrec/svdpp.hpp"
#include "mfrec/svdpp_grid_avx512.hpp"

namespace mfrec {

/// One grid fit's arrays (rank space).
struct SvdppGridState {
    SgdBlocks blocks;                    // the ratings (pass 0)
    SgdBlocks implicit;                  // N(u) (pass 1): the same bins; rating unused
    MatrixView P, Q, Y, Z, A;            // n_users, n_items, n_items, n_users, n_users × W
    float *bu = nullptr, *bi = nullptr;  // n_users, n_items
    float *Gu = nullptr, *Gi = nullptr;  // AdaGrad accumulators or null
    float* D = nullptr;                  // n_users
    const float* sn = nullptr;           // n_users: |N(u)|^-½
    const float* damp = nullptr;         // n_items: ω_j, the share of the batched y step taken
    SvdppParams params;
};

namespace svdpp_grid_detail {

/// Pass 0 over ratings [begin, end) of a block; returns Σ err².
template <bool Adagrad>
MFREC_INLINE double sgd_range(const SvdppGridState& st, index_t begin, index_t end,
                              const float* lr, float inv_k) {
    const index_t W = st.P.cols;
    const SvdppParams& s = st.params;
    const std::int32_t* MFREC_RESTRICT users = st.blocks.user;
    const std::int32_t* MFREC_RESTRICT items = st.blocks.item;
    constexpr index_t kAhead = MFREC_SVDPP_GRID_AHEAD;
    double sse = 0.0;
    for (index_t e = begin; e < end; ++e) {
        if (e + kAhead < end) {
            detail::prefetch_row(st.Q.row(items[e + kAhead]), W);
            const index_t u2 = users[e + kAhead];
            detail::prefetch_row(st.P.row(u2), W);
            detail::prefetch_row(st.Z.row(u2), W);
            detail::prefetch_row(st.A.row(u2), W);
        }
        const index_t u = users[e], i = items[e];
        float* MFREC_RESTRICT p = st.P.row(u);
        float* MFREC_RESTRICT z = st.Z.row(u);
        float* MFREC_RESTRICT a = st.A.row(u);
        float* MFREC_RESTRICT q = st.Q.row(i);
        float dot = 0.f;
#pragma omp simd reduction(+ : dot)
        for (index_t f = 0; f < W; ++f) dot += q[f] * (p[f] + z[f]);
        const float err = st.blocks.rating[e] - (s.mu + st.bu[u] + st.bi[i] + dot);
        sse += static_cast<double>(err) * err;
        float a_bu = lr[0], a_bi = lr[1], a_p = lr[2], a_q = lr[3], a_y = lr[4];
        if constexpr (Adagrad) {
            const float eta_u = 1.f / std::sqrt(st.Gu[u]), eta_i = 1.f / std::sqrt(st.Gi[i]);
            a_bu *= eta_u, a_p *= eta_u, a_y *= eta_u;
            a_bi *= eta_i, a_q *= eta_i;
        }
        st.bu[u] += a_bu * (err - s.reg_bu * st.bu[u]);
        st.bi[i] += a_bi * (err - s.reg_bi * st.bi[i]);
        const float lp = s.reg_p, lq = s.reg_q;
        const float d = 1.f - a_y * s.reg_y, c = a_y * st.sn[u];
        st.D[u] *= d;
        float gp2 = 0.f, gq2 = 0.f;
#pragma omp simd reduction(+ : gp2, gq2)
        for (index_t f = 0; f < W; ++f) {
            const float pf = p[f], qf = q[f], zf = z[f];
            const float g = err * qf;
            const float gp = g - lp * pf;
            const float gq = err * (pf + zf) - lq * qf;
            p[f] = pf + a_p * gp;
            q[f] = qf + a_q * gq;
            z[f] = d * zf + a_y * g;
            a[f] = d * a[f] + c * g;
            if constexpr (Adagrad) gp2 += gp * gp, gq2 += gq * gq;
        }
        if constexpr (Adagrad) {
            st.Gu[u] += gp2 * inv_k;
            st.Gi[i] += gq2 * inv_k;
        }
    }
    return sse;
}

/// Pass 1 over the entries [begin, end) of a block: the y steps and the next z_u.
MFREC_INLINE void y_range(const SvdppGridState& st, index_t begin, index_t end) {
    const index_t W = st.P.cols;
    const std::int32_t* MFREC_RESTRICT users = st.implicit.user;
    const std::int32_t* MFREC_RESTRICT items = st.implicit.item;
    constexpr index_t kAhead = MFREC_SVDPP_GRID_AHEAD;
    for (index_t e = begin; e < end; ++e) {
        if (e + kAhead < end) {
            detail::prefetch_row(st.Y.row(items[e + kAhead]), W);
            detail::prefetch_row(st.Z.row(users[e + kAhead]), W);
        }
        const index_t u = users[e], j = items[e];
        float* MFREC_RESTRICT y = st.Y.row(j);
        float* MFREC_RESTRICT z = st.Z.row(u);
        const float* MFREC_RESTRICT a = st.A.row(u);
        const float w = st.damp[j];
        const float keep = 1.f - w * (1.f - st.D[u]), sn = st.sn[u];
#pragma omp simd
        for (index_t f = 0; f < W; ++f) {
            const float yf = keep * y[f] + w * a[f];
            y[f] = yf;
            z[f] += sn * yf;
        }
    }
}

/// The grid pass `pass` walks: the ratings' (0) or N(u)'s (1).
MFREC_INLINE const SgdBlocks& pass_blocks(const SvdppGridState& st, int pass) {
    return pass == 0 ? st.blocks : st.implicit;
}

/// One block of pass `pass`; returns its Σ err² (0 for the y pass).
MFREC_INLINE double block_any(const SvdppGridState& st, index_t b, int pass, const float* lr,
                              float inv_k) {
    const SgdBlocks& g = pass_blocks(st, pass);
    const index_t begin = g.block_ptr[b], end = g.block_ptr[b + 1];
    if (pass == 0)
        return st.params.adagrad ? sgd_range<true>(st, begin, end, lr, inv_k)
                                 : sgd_range<false>(st, begin, end, lr, inv_k);
    y_range(st, begin, end);
    return 0.0;
}

/// Σ_{j ∈ N(u)} y_j added to z_u for the entries of user bin `ub`'s blocks (a bin's blocks
/// hold its users alone), in item-bin order.
MFREC_INLINE void terms_bin(const SgdBlocks& blocks, MatrixView Y, MatrixView Z, index_t ub) {
    const index_t W = Y.cols, B = blocks.n_bins;
    const std::int32_t* MFREC_RESTRICT users = blocks.user;
    const std::int32_t* MFREC_RESTRICT items = blocks.item;
    constexpr index_t kAhead = MFREC_SVDPP_GRID_AHEAD;
    const index_t begin = blocks.block_ptr[ub * B], end = blocks.block_ptr[(ub + 1) * B];
    for (index_t e = begin; e < end; ++e) {
        if (e + kAhead < end) detail::prefetch_row(Y.row(items[e + kAhead]), W);
        const float* MFREC_RESTRICT y = Y.row(items[e]);
        float* MFREC_RESTRICT z = Z.row(users[e]);
#pragma omp simd
        for (index_t f = 0; f < W; ++f) z[f] += y[f];
    }
}

#define MFREC_SVDPP_TERMS_ENTRY(NAME, ATTR)                                           \
    ATTR inline void NAME(const SgdBlocks& blocks, MatrixView Y, MatrixView Z, index_t ub) { \
        terms_bin(blocks, Y, Z, ub);                                                  \
    }
#if MFREC_HAS_DISPATCH
MFREC_SVDPP_TERMS_ENTRY(terms_v4, MFREC_TARGET_V4)
MFREC_SVDPP_TERMS_ENTRY(terms_v3, MFREC_TARGET_V3)
#endif
MFREC_SVDPP_TERMS_ENTRY(terms_base, )
#undef MFREC_SVDPP_TERMS_ENTRY

#define MFREC_SVDPP_GRID_ENTRY(NAME, ATTR)                                                  \
    ATTR inline double NAME(const SvdppGridState& st, index_t b, int pass, const float* lr, \
                            float inv_k) {                                                  \
        return block_any(st, b, pass, lr, inv_k);                                           \
    }
#if MFREC_HAS_DISPATCH
MFREC_SVDPP_GRID_ENTRY(block_v4, MFREC_TARGET_V4)
MFREC_SVDPP_GRID_ENTRY(block_v3, MFREC_TARGET_V3)
#endif
MFREC_SVDPP_GRID_ENTRY(block_base, )
#undef MFREC_SVDPP_GRID_ENTRY

}  // namespace svdpp_grid_detail

/// SVD++'s passes as a rule of block_epochs (one copy per thread).
struct SvdppGridRule {
    const SvdppGridState* st;
    const float* steps;  // n_epochs × 5: a_bu, a_bi, a_p, a_q, a_y
    int level;           // ISA level of the kernels
    float inv_k;
    bool avx512;         // rows for svdpp_grid_avx512.hpp's kernels (level 4)
    const float* lr = nullptr;
    int pass = 0;

    int passes() const { return 2; }
    void begin_epoch(index_t t) {
        lr = steps + 5 * t;
        pass = 0;
        const index_t n = st->P.rows, W = st->P.cols;
#pragma omp for schedule(static)
        for (index_t u = 0; u < n; ++u) {
            float* a = st->A.row(u);
            for (index_t f = 0; f < W; ++f) a[f] = 0.f;
            st->D[u] = 1.f;
        }
    }
    void begin_pass(int ps) {
        pass = ps;  // 1: the y pass, which forms the next z_u from zero
        const index_t n = st->P.rows, W = st->P.cols;
#pragma omp for schedule(static)
        for (index_t u = 0; u < n; ++u) {
            float* z = st->Z.row(u);
            for (index_t f = 0; f < W; ++f) z[f] = 0.f;
        }
    }
    double block(index_t b) const {
#if MFREC_HAS_DISPATCH
        if (avx512) {
            const SgdBlocks& g = svdpp_grid_detail::pass_blocks(*st, pass);
            return detail::svdpp_grid_block_avx512(*st, g.block_ptr[b], g.block_ptr[b + 1],
                                                   pass, lr, inv_k);
        }
        if (level == 4) return svdpp_grid_detail::block_v4(*st, b, pass, lr, inv_k);
        if (level == 3) return svdpp_grid_detail::block_v3(*st, b, pass, lr, inv_k);
#endif
        return svdpp_grid_detail::block_base(*st, b, pass, lr, inv_k);
    }
};

/// z_u = sn_u Σ_{j ∈ N(u)} y_j for every user (rank space; N(u): the entries of `blocks`, the
/// state's implicit grid):
/// the first epoch's z_u and the fitted state's. User bins in parallel, each walking its
/// blocks in item-bin order, so the y_j come from a bin's slice of Y (in cache) where
/// svdpp_user_terms reads them in each user's order. A user's sum is taken in the grid's
/// entry order: the result does not depend on the thread count.
/// @param Y  n_items × W; Z  n_users × W (out); sn  n_users
inline void svdpp_grid_terms(const SgdBlocks& blocks, MatrixView Y, MatrixView Z,
                             const float* sn, int n_threads) {
    const index_t W = Z.cols, n = Z.rows, B = blocks.n_bins;
    const int level = isa_level();
#pragma omp parallel num_threads(n_threads)
    {
#pragma omp for schedule(static)
        for (index_t u = 0; u < n; ++u) {
            float* z = Z.row(u);
            for (index_t f = 0; f < W; ++f) z[f] = 0.f;
        }
#pragma omp for schedule(dynamic, 1)
        for (index_t ub = 0; ub < B; ++ub) {
#if MFREC_HAS_DISPATCH
            if (level == 4) svdpp_grid_detail::terms_v4(blocks, Y, Z, ub);
            else if (level == 3) svdpp_grid_detail::terms_v3(blocks, Y, Z, ub);
            else
#endif
                svdpp_grid_detail::terms_base(blocks, Y, Z, ub);
        }
#pragma omp for schedule(static)
        for (index_t u = 0; u < n; ++u) {
            float* z = Z.row(u);
            const float s = sn[u];
            for (index_t f = 0; f < W; ++f) z[f] *= s;
        }
    }
    (void)level;
}

/// SGD epochs of SVD++ on the grid (see the top of this file); stops after the first epoch
/// whose loss is not finite.
/// @param schedules  n_epochs × B × B, as for sgd_epochs; steps  n_epochs × 5
/// @param block_sse  scratch, B * B doubles; epoch_sse, epoch_seconds  out, n_epochs
/// @return the number of epochs run
inline index_t svdpp_grid_epochs(const SvdppGridState& st, const std::int32_t* schedules,
                                 index_t n_epochs, const float* steps, double* block_sse,
                                 double* epoch_sse, double* epoch_seconds, int n_threads) {
    const index_t W = st.P.cols;
    const float inv_k = 1.f / static_cast<float>(
                                  st.params.n_factors > 0 ? st.params.n_factors
                                                          : std::max<index_t>(W, 1));
    const int level = isa_level();
    bool avx512 = false;
#if MFREC_HAS_DISPATCH
    avx512 = level == 4 && detail::svdpp_grid_avx512_rows(W);
#endif
    SvdppGridRule rule{&st, steps, level, inv_k, avx512};
    return block_epochs(st.blocks, schedules, n_epochs, rule, block_sse, epoch_sse,
                        epoch_seconds, n_threads);
}

}  // namespace mfrec
