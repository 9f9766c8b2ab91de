// The block grid of parallel SGD and its scheduler, shared by every SGD model whose update
// touches one user row and one item row per rating (FunkSVD; NMF's projected SGD).
//
// Visiting order (cache-friendly and race-free, after LibMF's FPSGD): users and items are
// relabelled by random ranks once per fit (rows stored in rank order) and cut into B bins
// each (consecutive ranks, equal shares of the ratings), giving a B × B grid of blocks whose
// slices of the factor matrices stay in L2. Every epoch the caller passes a fresh random
// schedule of B rounds of B blocks; the blocks of one round share no user bin and no item
// bin, so threads update the shared rows without locks and without touching the same row.
// Updates of one round therefore commute: the result does not depend on the number of
// threads.
//
// The scheduler (block_epochs) is a template over the model's update rule (see `Rule` below),
// so a new model supplies only what it does with the ratings of one block; a rule may walk
// the grid more than once per epoch (SVD++'s, svdpp_grid.hpp: an SGD pass, then a pass that
// applies its users' y steps). Models whose updates reach rows outside the two of a rating at
// every step (BPR's sampled negatives; SVD++'s per-user walk, svdpp.hpp) visit users in a
// seeded random order over the same primitives instead (docs/architecture.md, "SGD").
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

/// Ratings regrouped by block: block b = user_bin * B + item_bin holds entries
/// [block_ptr[b], block_ptr[b + 1]) of user/item/rating (each of length nnz), in rank space.
struct SgdBlocks {
    const std::int32_t* user = nullptr;
    const std::int32_t* item = nullptr;
    const float* rating = nullptr;
    const std::int64_t* block_ptr = nullptr;  // B * B + 1 entries
    index_t n_bins = 0;                       // B
    index_t n_users = 0, n_items = 0;         // rows of the two factor matrices
};

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
/// @param user_count, item_count  by id, or null: the entries per user and item that the bins
///                   share out equally (default X's own); another grid's counts, with its
///                   ranks, give that grid's bins (SVD++'s implicit pattern, svdpp_grid.hpp)
inline void sgd_build_blocks(const CsrView& X, const std::int32_t* user_rank,
                             const std::int32_t* item_rank, index_t n_bins,
                             std::int32_t* out_user, std::int32_t* out_item, float* out_rating,
                             std::int64_t* out_block_ptr, int n_threads = 1,
                             const std::int64_t* user_count = nullptr,
                             const std::int64_t* item_count = nullptr) {
    const index_t B = n_bins, n_blocks = B * B;
    // Bins with equal shares of the ratings, in rank space.
    std::vector<std::int64_t> count(static_cast<size_t>(std::max(X.rows, X.cols)), 0);
    std::vector<std::int32_t> by_rank(static_cast<size_t>(X.rows));  // rank -> user
    for (index_t u = 0; u < X.rows; ++u) {
        by_rank[user_rank[u]] = static_cast<std::int32_t>(u);
        count[user_rank[u]] = user_count ? user_count[u] : X.indptr[u + 1] - X.indptr[u];
    }
    std::vector<std::int32_t> user_bin(static_cast<size_t>(X.rows));  // by rank
    balanced_bins(count.data(), X.rows, B, user_bin.data());
    std::fill(count.begin(), count.end(), 0);
    if (item_count)
        for (index_t i = 0; i < X.cols; ++i) count[item_rank[i]] = item_count[i];
    else
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
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<std::int64_t> local;
        errors.run([&] { local.resize(static_cast<size_t>(B)); });
#pragma omp for schedule(dynamic, 1)
        for (index_t ub = 0; ub < B; ++ub) {
            if (errors.failed()) continue;
            std::fill(local.begin(), local.end(), 0);
            for (index_t r = first[ub]; r < first[ub + 1]; ++r) {
                const index_t u = by_rank[r];
                for (index_t e = X.indptr[u]; e < X.indptr[u + 1]; ++e)
                    ++local[item_bin[X.indices[e]]];
            }
            std::copy(local.begin(), local.end(), ptr.begin() + ub * B + 1);
        }
    }
    errors.rethrow();
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
        std::vector<std::int64_t> pos;
        std::vector<std::int32_t> su, si;
        std::vector<float> sr;
        errors.run([&] {
            pos.resize(static_cast<size_t>(B));
            su.resize(static_cast<size_t>(max_block)), si.resize(su.size()), sr.resize(su.size());
        });
#pragma omp for schedule(dynamic, 1)
        for (index_t ub = 0; ub < B; ++ub) {
            if (errors.failed()) continue;
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
    errors.rethrow();
}

namespace detail {
/// Passes over the grid per epoch of a rule: its `passes()` if it has one, else 1.
template <class Rule, class = void>
struct RulePasses {
    static int get(const Rule&) { return 1; }
    static void begin(Rule&, int) {}
};
template <class Rule>
struct RulePasses<Rule, std::void_t<decltype(std::declval<const Rule&>().passes())>> {
    static int get(const Rule& r) { return r.passes(); }
    static void begin(Rule& r, int pass) { r.begin_pass(pass); }
};
}  // namespace detail

/// Epochs over the block grid, in one parallel region; stops after the first epoch whose
/// loss is not finite (diverged).
///
/// `Rule` is the model's update, copied once per thread:
///   void begin_epoch(index_t t);  // every thread, at the start of epoch t (may use `omp for`;
///                                 // must not throw)
///   double block(index_t b);      // updates the ratings of block b; returns their Σ e²
///                                 // (may throw: training stops after the epoch, and the
///                                 // exception is rethrown after the parallel region)
/// and, for a rule that walks the grid more than once per epoch (SVD++'s, svdpp_grid.hpp):
///   int passes() const;           // passes per epoch, each over every block in the epoch's
///                                 // schedule, one after the other
///   void begin_pass(int pass);    // every thread, before pass 1, 2, ... (after begin_epoch
///                                 // for pass 0; may use `omp for`; must not throw)
/// The Σ e² of an epoch is the sum of every pass's returns.
///
/// @param schedules  n_epochs × B × B block ids: round r of epoch t visits
///                   schedules[(t*B + r)*B .. (t*B + r)*B + B); the blocks of a round must
///                   share no user bin and no item bin.
/// @param block_sse  scratch, B * B doubles
/// @param epoch_sse  out, n_epochs: Σ e² of each epoch (errors before each update), summed in
///                   a fixed order; epoch_seconds  out, n_epochs: wall time since the start
/// @return the number of epochs run
template <class Rule>
inline index_t block_epochs(const SgdBlocks& blocks, const std::int32_t* schedules,
                            index_t n_epochs, const Rule& rule, double* block_sse,
                            double* epoch_sse, double* epoch_seconds, int n_threads) {
    const index_t B = blocks.n_bins;
    if (B == 0 || n_epochs == 0) return 0;
    // Within a round the blocks go to the threads largest first (the result does not depend
    // on who runs which: the blocks of a round share no row).
    std::vector<std::int32_t> by_size(schedules, schedules + n_epochs * B * B);
    for (index_t tr = 0; tr < n_epochs * B; ++tr)
        std::stable_sort(by_size.begin() + tr * B, by_size.begin() + (tr + 1) * B,
                         [&](std::int32_t a, std::int32_t b) {
                             return blocks.block_ptr[a + 1] - blocks.block_ptr[a] >
                                    blocks.block_ptr[b + 1] - blocks.block_ptr[b];
                         });
    const bool own_items = blocks.n_items >= blocks.n_users;
    const auto start = std::chrono::steady_clock::now();
    index_t done = 0;
    bool stop = false;
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        Rule r = rule;
        const int n_passes = detail::RulePasses<Rule>::get(r);
        for (index_t t = 0; t < n_epochs; ++t) {
            r.begin_epoch(t);
            for (index_t rd = 0; rd < B * n_passes; ++rd) {
                const bool later = rd >= B;  // a pass after the first: add to its Σ e²
                if (later && rd % B == 0)    // the previous pass is done (each round ends
                    detail::RulePasses<Rule>::begin(r, static_cast<int>(rd / B));  // in a barrier)
                const std::int32_t* round = by_size.data() + (t * B + rd % B) * B;
                if (B == num_threads()) {
                    // One block per thread and round: thread t always takes the block of bin
                    // t of the larger factor matrix, whose slice then stays in its core's
                    // cache (sgd_bench on the ML-100K training set, 2 threads, B = 2: 4.5%
                    // faster than a variant that handed the blocks out dynamically).
                    const int me = thread_num();
                    for (index_t j = 0; j < B; ++j) {
                        const index_t b = round[j];
                        if ((own_items ? b % B : b / B) != me) continue;
                        try {
                            block_sse[b] = (later ? block_sse[b] : 0.0) + r.block(b);
                        } catch (...) {
                            errors.capture();
                        }
                    }
#pragma omp barrier
                } else {
#pragma omp for schedule(dynamic, 1)
                    for (index_t j = 0; j < B; ++j) {
                        const index_t b = round[j];
                        try {
                            block_sse[b] = (later ? block_sse[b] : 0.0) + r.block(b);
                        } catch (...) {
                            errors.capture();
                        }
                    }  // implicit barrier: the next round starts when this one is done
                }
            }
#pragma omp single
            {
                double sse = 0.0;
                for (index_t b = 0; b < B * B; ++b) sse += block_sse[b];
                epoch_sse[t] = sse;
                epoch_seconds[t] =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                        .count();
                done = t + 1;
                stop = errors.failed() || !std::isfinite(sse);
            }  // implicit barrier: every thread sees `stop`
            if (stop) break;
        }
    }
    errors.rethrow();
    return done;
}

}  // namespace mfrec
