// Stochastic gradient descent for (biased) matrix factorization, parallel without locks.
//
//   r̂_ui = μ + b_u + b_i + p_uᵀq_i        (biased)     r̂_ui = p_uᵀq_i   (Funk SVD)
//   loss  = Σ_(u,i) (r_ui − r̂_ui)² + λ_bu b_u² + λ_bi b_i² + λ_p ‖p_u‖² + λ_q ‖q_i‖²
//
// Visiting order (cache-friendly and race-free, after LibMF's FPSGD): users and items are
// relabelled by random ranks once per fit (rows stored in rank order) and cut into B bins
// each (consecutive ranks, equal shares of the ratings), giving a B × B grid of blocks whose
// slices of P and Q stay in L2. Every epoch the caller passes a fresh random schedule of B rounds of
// B blocks; the blocks of one round share no user bin and no item bin, so threads update the
// shared factors without locks and without touching the same row. Updates of one round
// therefore commute: the result does not depend on the number of threads.
//
// Inside a block the ratings of kSgdLanes users are interleaved (see sgd_build_blocks), so
// consecutive updates touch different user rows while each user's row stays in L1. The
// AVX-512 kernel (sgd_pipe16) computes the prediction of the next rating before updating the
// current one whenever the two share no row — the same sequential result, without making
// every update wait for the previous one's dot product.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"
#include "mfrec/sgd_avx512.hpp"
#include "mfrec/sgd_step.hpp"

namespace mfrec {

/// Users whose ratings are interleaved inside a block (sgd_build_blocks).
constexpr index_t kSgdLanes = 4;

/// Bins of ranks: ranks 0..n-1 are cut into B consecutive ranges holding nearly equal
/// numbers of ratings: rank r (with count[r] ratings) goes to bin ⌊B·(c_r − 1)/nnz⌋, c_r the
/// ratings of ranks 0..r, clamped to [0, B − 1]. Equal shares of the ratings make the blocks
/// of a round take equal time (ML-100K training set, 2 bins, block sizes over 50 random
/// rankings: the larger block of a round holds 50.1% of its ratings on average, against
/// 51.8% with equal numbers of rows per bin; training was 2.7% faster there on 2 threads).
/// @param count   per rank, length n
/// @param out_bin per rank, length n (nondecreasing)
inline void balanced_bins(const std::int64_t* count, index_t n, index_t n_bins,
                          std::int32_t* out_bin) {
    std::int64_t total = 0;
    for (index_t r = 0; r < n; ++r) total += count[r];
    std::int64_t cum = 0;
    for (index_t r = 0; r < n; ++r) {
        cum += count[r];
        const index_t b = total > 0 ? (std::max<std::int64_t>(cum, 1) - 1) * n_bins / total : 0;
        out_bin[r] = static_cast<std::int32_t>(std::min(b, n_bins - 1));
    }
}

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
    // Bins with equal shares of the ratings, in rank space.
    std::vector<std::int64_t> count(static_cast<size_t>(std::max(X.rows, X.cols)), 0);
    std::vector<std::int32_t> by_rank(static_cast<size_t>(X.rows));  // rank -> user
    for (index_t u = 0; u < X.rows; ++u) {
        by_rank[user_rank[u]] = static_cast<std::int32_t>(u);
        count[user_rank[u]] = X.indptr[u + 1] - X.indptr[u];
    }
    std::vector<std::int32_t> user_bin(static_cast<size_t>(X.rows));  // by rank
    balanced_bins(count.data(), X.rows, B, user_bin.data());
    std::fill(count.begin(), count.end(), 0);
    for (index_t e = 0; e < X.nnz(); ++e) ++count[item_rank[X.indices[e]]];
    std::vector<std::int32_t> item_bin_by_rank(static_cast<size_t>(X.cols));
    balanced_bins(count.data(), X.cols, B, item_bin_by_rank.data());
    std::vector<std::int32_t> item_bin(static_cast<size_t>(X.cols));  // by item id
    for (index_t i = 0; i < X.cols; ++i) item_bin[i] = item_bin_by_rank[item_rank[i]];
    // Users of bin ub are the ranks [first[ub], first[ub + 1]); they alone write the blocks
    // ub*B .. ub*B + B - 1, so the user bins are counted and filled in parallel.
    std::vector<index_t> first(static_cast<size_t>(B) + 1, X.rows);
    for (index_t r = X.rows - 1; r >= 0; --r) first[user_bin[r]] = r;
    for (index_t ub = B - 1; ub >= 0; --ub) first[ub] = std::min(first[ub], first[ub + 1]);

    // Counts per block; every user bin counts in its own array (threads writing neighbouring
    // counters would fight over the cache line).
    std::vector<std::int64_t> ptr(static_cast<size_t>(n_blocks) + 1, 0);
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<std::int64_t> local(static_cast<size_t>(B));
#pragma omp for schedule(dynamic, 1)
        for (index_t ub = 0; ub < B; ++ub) {
            std::fill(local.begin(), local.end(), 0);
            for (index_t r = first[ub]; r < first[ub + 1]; ++r) {
                const index_t u = by_rank[r];
                for (index_t e = X.indptr[u]; e < X.indptr[u + 1]; ++e)
                    ++local[item_bin[X.indices[e]]];
            }
            std::copy(local.begin(), local.end(), ptr.begin() + ub * B + 1);
        }
    }
    for (index_t b = 0; b < n_blocks; ++b) ptr[b + 1] += ptr[b];
    std::copy(ptr.begin(), ptr.end(), out_block_ptr);

    // Users in rank order, so each block comes out sorted by user rank; then, inside each
    // block, interleave kSgdLanes users: lane l works through one user's ratings at a time
    // and takes the next user (in rank order) when its user is done; the lanes take turns,
    // one rating each. Consecutive updates then touch different user rows (the CPU overlaps
    // them, where same-user neighbours would wait on each other's p_u), and the few users in
    // flight keep their rows in L1 (benchmarks/cpp/sgd_bench.cpp).
    index_t max_block = 0;
    for (index_t b = 0; b < n_blocks; ++b) max_block = std::max(max_block, ptr[b + 1] - ptr[b]);
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<std::int64_t> pos(static_cast<size_t>(B));
        std::vector<std::int32_t> su(static_cast<size_t>(max_block)), si(su.size());
        std::vector<float> sr(su.size());
#pragma omp for schedule(dynamic, 1)
        for (index_t ub = 0; ub < B; ++ub) {
            // sorted by user into the blocks of this user bin...
            std::copy(ptr.begin() + ub * B, ptr.begin() + (ub + 1) * B, pos.begin());
            for (index_t r = first[ub]; r < first[ub + 1]; ++r) {
                const index_t u = by_rank[r];
                for (index_t e = X.indptr[u]; e < X.indptr[u + 1]; ++e) {
                    const std::int64_t at = pos[item_bin[X.indices[e]]]++;
                    out_user[at] = static_cast<std::int32_t>(r);
                    out_item[at] = item_rank[X.indices[e]];
                    out_rating[at] = X.data[e];
                }
            }
            // ...then dealt out to the lanes (through the scratch arrays), block by block
            for (index_t b = ub * B; b < (ub + 1) * B; ++b) {
                const index_t lo = ptr[b], hi = ptr[b + 1];
                if (hi - lo < 2) continue;
                index_t n = 0, next = lo;  // next: start of the first run no lane has taken
                index_t cur[kSgdLanes], stop[kSgdLanes];
                for (index_t l = 0; l < kSgdLanes; ++l) cur[l] = stop[l] = lo;
                while (n < hi - lo) {
                    for (index_t l = 0; l < kSgdLanes; ++l) {
                        if (cur[l] == stop[l] && next < hi) {  // take the next user's run
                            cur[l] = next;
                            while (next < hi && out_user[next] == out_user[cur[l]]) ++next;
                            stop[l] = next;
                        }
                        if (cur[l] < stop[l]) {
                            su[n] = out_user[cur[l]], si[n] = out_item[cur[l]];
                            sr[n] = out_rating[cur[l]];
                            ++cur[l], ++n;
                        }
                    }
                }
                std::copy(su.begin(), su.begin() + n, out_user + lo);
                std::copy(si.begin(), si.begin() + n, out_item + lo);
                std::copy(sr.begin(), sr.begin() + n, out_rating + lo);
            }
        }
    }
}

namespace detail {

// One pass over ratings [begin, end) of a block, any row length; returns Σ e² of the errors
// seen before each update. k-loops are contiguous and vectorized (`omp simd`).
template <bool Biased, bool Adagrad>
MFREC_INLINE double sgd_range(const SgdBlocks& blocks, index_t begin, index_t end,
                              MatrixView P, MatrixView Q, float* MFREC_RESTRICT bu,
                              float* MFREC_RESTRICT bi, const AdaState& ada,
                              const SgdParams& s) {
    const index_t k = P.cols;
    const float inv_k = sgd_inv_k(s, k);
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
        const SgdStep c = sgd_scalar_step<Biased, Adagrad>(u, i, blocks.rating[e], dot(p, q, k),
                                                           bu, bi, ada, s, inv_k);
        sse += static_cast<double>(c.err) * c.err;
#pragma omp simd
        for (index_t f = 0; f < k; ++f) {
            const float pf = p[f], qf = q[f];
            p[f] = c.dp * pf + c.ep * qf;
            q[f] = c.dq * qf + c.eq * pf;
        }
    }
    return sse;
}

// The hot function, compiled once per ISA level and dispatched at load time; rows of up to
// 128 floats (a multiple of 16) on AVX-512 machines go to sgd_block_avx512.
MFREC_DISPATCH inline double sgd_block_generic(const SgdBlocks& blocks, index_t begin,
                                               index_t end, MatrixView P, MatrixView Q,
                                               float* bu, float* bi, const AdaState& ada,
                                               const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? sgd_range<true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : sgd_range<false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? sgd_range<true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : sgd_range<false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

inline double sgd_block(const SgdBlocks& blocks, index_t begin, index_t end, MatrixView P,
                        MatrixView Q, float* bu, float* bi, const AdaState& ada,
                        const SgdParams& s) {
#if MFREC_HAS_DISPATCH
    if (sgd_avx512_rows(P.cols))
        return sgd_block_avx512(blocks, begin, end, P, Q, bu, bi, ada, s);
#endif
    return sgd_block_generic(blocks, begin, end, P, Q, bu, bi, ada, s);
}

}  // namespace detail

/// Row length (floats) the factor matrices should be padded to for the fastest kernel on
/// this CPU: 16 (one 64-byte cache line per 16 factors) where the AVX-512 kernel runs, else 8.
inline int sgd_row_floats() { return isa_level() == 4 ? 16 : 8; }

/// SGD epochs over all ratings, in one parallel region; stops after the first epoch whose
/// loss is not finite (diverged).
/// @param schedules  n_epochs × B × B block ids: round r of epoch t visits
///                   schedules[(t*B + r)*B .. (t*B + r)*B + B); the blocks of a round must
///                   share no user bin and no item bin.
/// @param steps      n_epochs × 4 step sizes (lr_bu, lr_bi, lr_p, lr_q) of each epoch; they
///                   replace those of `params`
/// @param P  user factors n_users × k;  Q  item factors n_items × k (updated in place)
/// @param bu, bi  biases (n_users, n_items), ignored when !s.biased
/// @param Gu, Gi  AdaGrad accumulators (n_users, n_items), ignored when !s.adagrad
/// @param norms  scratch for the squared row norms, n_users + n_items floats when s.adagrad
/// @param block_sse  scratch, B * B doubles
/// @param epoch_sse  out, n_epochs: Σ e² of each epoch (errors before each update), summed in
///                   a fixed order; epoch_seconds  out, n_epochs: wall time since the start
/// @return the number of epochs run
inline index_t sgd_epochs(const SgdBlocks& blocks, const std::int32_t* schedules,
                          index_t n_epochs, const float* steps, MatrixView P, MatrixView Q,
                          float* bu, float* bi, float* Gu, float* Gi, float* norms,
                          const SgdParams& params, double* block_sse, double* epoch_sse,
                          double* epoch_seconds, int n_threads) {
    const index_t B = blocks.n_bins;
    if (B == 0 || n_epochs == 0) return 0;
    // Software prefetch pays once the factor matrices outgrow a core's L2 (sgd_bench at
    // 200k x 50k, 8M ratings, 2 threads: 17 ns per update with it, 31 without); below that
    // it only adds instructions.
    const bool prefetch =
        static_cast<double>(P.rows + Q.rows) * P.cols * sizeof(float) > 2.0 * (1 << 20);
    const AdaState ada{Gu, Gi, norms, params.adagrad ? norms + P.rows : nullptr};
    // Within a round the blocks go to the threads largest first (the result does not depend
    // on who runs which: the blocks of a round share no row).
    std::vector<std::int32_t> by_size(schedules, schedules + n_epochs * B * B);
    for (index_t tr = 0; tr < n_epochs * B; ++tr)
        std::stable_sort(by_size.begin() + tr * B, by_size.begin() + (tr + 1) * B,
                         [&](std::int32_t a, std::int32_t b) {
                             return blocks.block_ptr[a + 1] - blocks.block_ptr[a] >
                                    blocks.block_ptr[b + 1] - blocks.block_ptr[b];
                         });
    const bool own_items = Q.rows >= P.rows;
    const auto start = std::chrono::steady_clock::now();
    index_t done = 0;
#pragma omp parallel num_threads(n_threads)
    for (index_t t = 0; t < n_epochs; ++t) {
        SgdParams s = params;
        s.prefetch = prefetch;
        s.lr_bu = steps[4 * t], s.lr_bi = steps[4 * t + 1];
        s.lr_p = steps[4 * t + 2], s.lr_q = steps[4 * t + 3];
        if (s.adagrad) {
#pragma omp for schedule(static)
            for (index_t r = 0; r < P.rows + Q.rows; ++r) {
                const float* row = r < P.rows ? P.row(r) : Q.row(r - P.rows);
                norms[r] = detail::dot(row, row, P.cols);
            }
        }
        for (index_t r = 0; r < B; ++r) {
            const std::int32_t* round = by_size.data() + (t * B + r) * B;
            if (B == num_threads()) {
                // One block per thread and round: thread t always takes the block of bin t of
                // the larger factor matrix, whose slice then stays in its core's cache
                // (sgd_bench on the ML-100K training set, 2 threads, B = 2: 4.5% faster than
                // a variant that handed the blocks out dynamically).
                const int me = thread_num();
                for (index_t j = 0; j < B; ++j) {
                    const index_t b = round[j];
                    if ((own_items ? b % B : b / B) != me) continue;
                    block_sse[b] = detail::sgd_block(blocks, blocks.block_ptr[b],
                                                     blocks.block_ptr[b + 1], P, Q, bu, bi, ada,
                                                     s);
                }
#pragma omp barrier
            } else {
#pragma omp for schedule(dynamic, 1)
                for (index_t j = 0; j < B; ++j) {
                    const index_t b = round[j];
                    block_sse[b] = detail::sgd_block(blocks, blocks.block_ptr[b],
                                                     blocks.block_ptr[b + 1], P, Q, bu, bi, ada,
                                                     s);
                }  // implicit barrier: the next round starts when this one is done
            }
        }
#pragma omp single
        {
            double sse = 0.0;
            for (index_t b = 0; b < B * B; ++b) sse += block_sse[b];
            epoch_sse[t] = sse;
            epoch_seconds[t] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            done = t + 1;
        }  // implicit barrier: every thread sees epoch_sse[t]
        if (!std::isfinite(epoch_sse[t])) break;
    }
    return done;
}

/// One epoch of sgd_epochs; returns its Σ e².
inline double sgd_epoch(const SgdBlocks& blocks, const std::int32_t* schedule, MatrixView P,
                        MatrixView Q, float* bu, float* bi, float* Gu, float* Gi, float* norms,
                        const SgdParams& params, double* block_sse, int n_threads) {
    const float steps[4] = {params.lr_bu, params.lr_bi, params.lr_p, params.lr_q};
    double sse = 0.0, seconds = 0.0;
    sgd_epochs(blocks, schedule, 1, steps, P, Q, bu, bi, Gu, Gi, norms, params, block_sse, &sse,
               &seconds, n_threads);
    return sse;
}

}  // namespace mfrec
