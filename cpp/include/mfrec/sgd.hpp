// Stochastic gradient descent for (biased) matrix factorization, parallel without locks.
//
//   r̂_ui = μ + b_u + b_i + p_uᵀq_i        (biased)     r̂_ui = p_uᵀq_i   (Funk SVD)
//   loss  = Σ_(u,i) (r_ui − r̂_ui)² + λ_bu b_u² + λ_bi b_i² + λ_p ‖p_u‖² + λ_q ‖q_i‖²
//
// Visiting order (cache-friendly and race-free, after LibMF's FPSGD): users and items are
// relabelled by random ranks once per fit (rows stored in rank order) and cut into B bins each, giving a B × B grid of
// blocks; inside a block ratings are sorted by user rank, so p_u stays in L1 while the block's
// slice of Q stays in L2. Every epoch the caller passes a fresh random schedule of B rounds of
// B blocks; the blocks of one round share no user bin and no item bin, so threads update the
// shared factors without locks and without touching the same row. Updates of one round
// therefore commute: the result does not depend on the number of threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

#ifndef MFREC_SGD_INTERLEAVE
#define MFREC_SGD_INTERLEAVE 1
#endif
#ifndef MFREC_SGD_PREFETCH
#define MFREC_SGD_PREFETCH 8  // ratings ahead
#endif

namespace mfrec {

/// Ratings regrouped by block: block b = user_bin * B + item_bin holds entries
/// [block_ptr[b], block_ptr[b + 1]) of user/item/rating (each of length nnz).
struct SgdBlocks {
    const std::int32_t* user = nullptr;
    const std::int32_t* item = nullptr;
    const float* rating = nullptr;
    const std::int64_t* block_ptr = nullptr;  // B * B + 1 entries
    index_t n_bins = 0;                       // B
};

struct SgdParams {
    float mu = 0.f;                      // global mean (0 for unbiased models)
    float lr_bu = 0.f, lr_bi = 0.f;      // bias steps
    float lr_p = 0.f, lr_q = 0.f;        // factor steps
    float reg_bu = 0.f, reg_bi = 0.f;    // L2 weights
    float reg_p = 0.f, reg_q = 0.f;
    bool biased = true;
    bool adagrad = false;  // per-row adaptive steps η/√G, G = 1 + Σ mean squared gradient
    index_t n_factors = 0; // k without the zero padding of the rows (0: the row length)
    bool prefetch = true;  // set by sgd_epoch: only when the factors outgrow the caches
};

/// AdaGrad state: per-row accumulators G (persist across epochs, start at 1) and squared row
/// norms N = ‖row‖² (scratch: computed exactly at the start of every epoch, then carried
/// along each update in closed form, which saves a pass over both rows per rating).
struct AdaState {
    float* Gu = nullptr;  // n_users
    float* Gi = nullptr;  // n_items
    float* Nu = nullptr;  // n_users
    float* Ni = nullptr;  // n_items
};

/// Bin of a rank: ranks 0..n-1 are cut into B nearly equal consecutive ranges.
inline index_t bin_of(index_t rank, index_t n, index_t n_bins) { return rank * n_bins / n; }

/// Regroup the CSR matrix X (users × items) into SGD blocks, in rank space: entries carry
/// user_rank[u] and item_rank[i], and the factor rows are stored in rank order during
/// training, so a bin is a contiguous range of rows (threads never share a cache line,
/// except at bin edges).
/// @param user_rank  length X.rows, a permutation of 0..rows-1
/// @param item_rank  length X.cols, a permutation of 0..cols-1
/// @param out_*      length nnz; out_block_ptr length B*B + 1
inline void sgd_build_blocks(const CsrView& X, const std::int32_t* user_rank,
                             const std::int32_t* item_rank, index_t n_bins,
                             std::int32_t* out_user, std::int32_t* out_item, float* out_rating,
                             std::int64_t* out_block_ptr, int n_threads = 1) {
    const index_t B = n_bins, n_blocks = B * B;
    std::vector<std::int32_t> item_bin(static_cast<size_t>(X.cols));
    for (index_t i = 0; i < X.cols; ++i)
        item_bin[i] = static_cast<std::int32_t>(bin_of(item_rank[i], X.cols, B));
    std::vector<std::int32_t> by_rank(static_cast<size_t>(X.rows));  // rank -> user
    for (index_t u = 0; u < X.rows; ++u) by_rank[user_rank[u]] = static_cast<std::int32_t>(u);
    // Users of bin ub are the ranks [first_rank(ub), first_rank(ub + 1)); they alone write
    // the blocks ub*B .. ub*B + B - 1, so the user bins are counted and filled in parallel.
    auto first_rank = [&](index_t ub) { return (ub * X.rows + B - 1) / B; };

    std::vector<std::int64_t> cursor(static_cast<size_t>(n_blocks) + 1, 0);
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (index_t ub = 0; ub < B; ++ub) {
        for (index_t r = first_rank(ub); r < first_rank(ub + 1); ++r) {
            const index_t u = by_rank[r];
            for (index_t e = X.indptr[u]; e < X.indptr[u + 1]; ++e)
                ++cursor[ub * B + item_bin[X.indices[e]] + 1];
        }
    }
    for (index_t b = 0; b < n_blocks; ++b) cursor[b + 1] += cursor[b];
    for (index_t b = 0; b <= n_blocks; ++b) out_block_ptr[b] = cursor[b];
    // Users in rank order, so each block comes out sorted by user rank.
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1)
    for (index_t ub = 0; ub < B; ++ub) {
        for (index_t r = first_rank(ub); r < first_rank(ub + 1); ++r) {
            const index_t u = by_rank[r];
            for (index_t e = X.indptr[u]; e < X.indptr[u + 1]; ++e) {
                const std::int64_t at = cursor[ub * B + item_bin[X.indices[e]]]++;
                out_user[at] = static_cast<std::int32_t>(r);
                out_item[at] = item_rank[X.indices[e]];
                out_rating[at] = X.data[e];
            }
        }
    }
#if MFREC_SGD_INTERLEAVE
    // Inside each block, deal the users' ratings out round-robin (every user's 1st rating,
    // then every 2nd, ...): consecutive updates then touch different rows and the CPU
    // overlaps them, where same-user neighbours would wait on each other's p_u
    // (benchmarks/cpp/sgd_bench.cpp, MovieLens-100K shape: 21.5 vs 25.6 ns per update).
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<std::int32_t> tu, ti;  // per-thread scratch
        std::vector<float> tr;
        std::vector<std::int64_t> run_start, slot;
#pragma omp for schedule(dynamic, 4)
        for (index_t b = 0; b < n_blocks; ++b) {
            const index_t lo = out_block_ptr[b], hi = out_block_ptr[b + 1];
            if (hi - lo < 2) continue;
            run_start.clear();
            for (index_t e = lo; e < hi; ++e)
                if (e == lo || out_user[e] != out_user[e - 1]) run_start.push_back(e);
            run_start.push_back(hi);
            index_t max_len = 0;  // entries per depth j (the j-th rating of a user here)
            for (size_t r = 0; r + 1 < run_start.size(); ++r)
                max_len = std::max<index_t>(max_len, run_start[r + 1] - run_start[r]);
            slot.assign(static_cast<size_t>(max_len) + 1, 0);
            for (size_t r = 0; r + 1 < run_start.size(); ++r)
                for (index_t j = 0; j < run_start[r + 1] - run_start[r]; ++j) ++slot[j + 1];
            for (index_t j = 0; j < max_len; ++j) slot[j + 1] += slot[j];
            tu.resize(hi - lo), ti.resize(hi - lo), tr.resize(hi - lo);
            for (size_t r = 0; r + 1 < run_start.size(); ++r)
                for (index_t e = run_start[r], j = 0; e < run_start[r + 1]; ++e, ++j) {
                    const std::int64_t at = slot[j]++;
                    tu[at] = out_user[e], ti[at] = out_item[e], tr[at] = out_rating[e];
                }
            std::copy(tu.begin(), tu.end(), out_user + lo);
            std::copy(ti.begin(), ti.end(), out_item + lo);
            std::copy(tr.begin(), tr.end(), out_rating + lo);
        }
    }
#endif
}

namespace detail {

// One pass over ratings [begin, end) of a block; returns Σ e² of the errors seen before
// each update. k-loops are contiguous and vectorized (`omp simd`).
template <bool Biased, bool Adagrad>
MFREC_INLINE double sgd_range(const SgdBlocks& blocks, index_t begin, index_t end,
                              MatrixView P, MatrixView Q, float* MFREC_RESTRICT bu,
                              float* MFREC_RESTRICT bi, const AdaState& ada,
                              const SgdParams& s) {
    const index_t k = P.cols;
    const index_t k_true = s.n_factors > 0 ? s.n_factors : k;
    const float inv_k = k_true > 0 ? 1.f / static_cast<float>(k_true) : 0.f;
    double sse = 0.0;
    // Rows are scattered: fetch the rows of rating e + kAhead while rating e is updated.
    constexpr index_t kAhead = MFREC_SGD_PREFETCH;
    for (index_t e = begin; e < end; ++e) {
        if (kAhead > 0 && s.prefetch && e + kAhead < end) {
            prefetch_row(P.row(blocks.user[e + kAhead]), k);
            prefetch_row(Q.row(blocks.item[e + kAhead]), k);
        }
        const index_t u = blocks.user[e], i = blocks.item[e];
        float* MFREC_RESTRICT p = P.row(u);
        float* MFREC_RESTRICT q = Q.row(i);
        const float pq = dot(p, q, k);
        const float pred = Biased ? s.mu + bu[u] + bi[i] + pq : pq;
        const float err = blocks.rating[e] - pred;
        sse += static_cast<double>(err) * err;
        float a_p = s.lr_p, a_q = s.lr_q;
        if constexpr (Adagrad) {
            // AdaGrad with one accumulator per row (LibMF's scheme): step η/√G from the old G,
            // then G += ‖g‖²/k with g the gradient at the old point, expanded so that no
            // extra pass over the rows is needed:
            //   ‖e q − λ_p p‖² = e²‖q‖² − 2eλ_p pᵀq + λ_p²‖p‖²   (likewise for q)
            const float eta_u = 1.f / std::sqrt(ada.Gu[u]), eta_i = 1.f / std::sqrt(ada.Gi[i]);
            const float pp = ada.Nu[u], qq = ada.Ni[i];
            if constexpr (Biased) {
                bu[u] += s.lr_bu * eta_u * (err - s.reg_bu * bu[u]);
                bi[i] += s.lr_bi * eta_i * (err - s.reg_bi * bi[i]);
            }
            const float e2 = err * err;
            const float g2p = e2 * qq - 2.f * err * s.reg_p * pq + s.reg_p * s.reg_p * pp;
            const float g2q = e2 * pp - 2.f * err * s.reg_q * pq + s.reg_q * s.reg_q * qq;
            ada.Gu[u] += std::max(g2p, 0.f) * inv_k;
            ada.Gi[i] += std::max(g2q, 0.f) * inv_k;
            a_p *= eta_u;
            a_q *= eta_i;
            // norms after p' = d_p p + a_p e q:  ‖p'‖² = d²‖p‖² + 2 d a e pᵀq + a²e²‖q‖²
            const float dp = 1.f - a_p * s.reg_p, dq = 1.f - a_q * s.reg_q;
            const float ep = a_p * err, eq = a_q * err;
            ada.Nu[u] = std::max(dp * dp * pp + 2.f * dp * ep * pq + ep * ep * qq, 0.f);
            ada.Ni[i] = std::max(dq * dq * qq + 2.f * dq * eq * pq + eq * eq * pp, 0.f);
        } else if constexpr (Biased) {
            bu[u] += s.lr_bu * (err - s.reg_bu * bu[u]);
            bi[i] += s.lr_bi * (err - s.reg_bi * bi[i]);
        }
        // p ← p + η(e q − λ p), q ← q + η(e p − λ q), both from the old values
        const float d_p = 1.f - a_p * s.reg_p, d_q = 1.f - a_q * s.reg_q;
        const float ea_p = a_p * err, ea_q = a_q * err;
#pragma omp simd
        for (index_t f = 0; f < k; ++f) {
            const float pf = p[f], qf = q[f];
            p[f] = d_p * pf + ea_p * qf;
            q[f] = d_q * qf + ea_q * pf;
        }
    }
    return sse;
}

// The hot function, compiled once per ISA level and dispatched at load time.
MFREC_DISPATCH inline double sgd_block(const SgdBlocks& blocks, index_t begin, index_t end,
                                       MatrixView P, MatrixView Q, float* bu, float* bi,
                                       const AdaState& ada, const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? sgd_range<true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : sgd_range<false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? sgd_range<true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : sgd_range<false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

}  // namespace detail

/// One epoch of SGD over all ratings.
/// @param schedule  B × B block ids, row-major: round r visits schedule[r*B .. r*B + B);
///                  the blocks of a round must share no user bin and no item bin.
/// @param P  user factors n_users × k;  Q  item factors n_items × k (updated in place)
/// @param bu, bi  biases (n_users, n_items), ignored when !s.biased
/// @param Gu, Gi  AdaGrad accumulators (n_users, n_items), ignored when !s.adagrad
/// @param norms  scratch for the squared row norms, n_users + n_items floats when s.adagrad
/// @param block_sse  scratch, B * B doubles
/// @return Σ e² over the epoch (errors before each update), summed in a fixed order
inline double sgd_epoch(const SgdBlocks& blocks, const std::int32_t* schedule, MatrixView P,
                        MatrixView Q, float* bu, float* bi, float* Gu, float* Gi, float* norms,
                        const SgdParams& params, double* block_sse, int n_threads) {
    const index_t B = blocks.n_bins;
    if (B == 0) return 0.0;
    // Software prefetch pays once the factor matrices outgrow a core's L2 (sgd_bench at
    // 200k x 50k, 8M ratings, 2 threads: 17 ns per update with it, 31 without); below that
    // it only adds instructions.
    SgdParams s = params;
    s.prefetch = static_cast<double>(P.rows + Q.rows) * P.cols * sizeof(float) > 2.0 * (1 << 20);
    const AdaState ada{Gu, Gi, norms, s.adagrad ? norms + P.rows : nullptr};
#pragma omp parallel num_threads(n_threads)
    {
        if (s.adagrad) {
#pragma omp for schedule(static)
            for (index_t r = 0; r < P.rows + Q.rows; ++r) {
                const float* row = r < P.rows ? P.row(r) : Q.row(r - P.rows);
                norms[r] = detail::dot(row, row, P.cols);
            }
        }
        for (index_t r = 0; r < B; ++r) {
#pragma omp for schedule(dynamic, 1)
            for (index_t j = 0; j < B; ++j) {
                const index_t b = schedule[r * B + j];
                block_sse[b] = detail::sgd_block(blocks, blocks.block_ptr[b],
                                                 blocks.block_ptr[b + 1], P, Q, bu, bi, ada, s);
            }  // implicit barrier: the next round starts when this one is done
        }
    }
    double sse = 0.0;
    for (index_t b = 0; b < B * B; ++b) sse += block_sse[b];
    return sse;
}

}  // namespace mfrec
