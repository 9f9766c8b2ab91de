// BPR (Rendle, Freudenthaler, Gantner & Schmidt-Thieme 2009): matrix factorization for
// implicit feedback, trained by SGD on sampled triples (u, i, j) — u's positive item i, an item
// j the sampler draws as a negative — to rank i above j:
//
//   x_uij = b_i − b_j + p_uᵀ(q_i − q_j)          (the score is b_i + p_uᵀq_i)
//   loss  = Σ_(u,i,j) −ln σ(x_uij) + λ_u‖p_u‖² + λ_i(‖q_i‖² + ‖q_j‖²) + λ_b(b_i² + b_j²)
//
// With z = σ(−x_uij), one triple's step (every gradient at the old point) is
//   p_u += a_u (z (q_i − q_j) − λ_u p_u)
//   q_i += a_i (z p_u − λ_i q_i),    b_i += a_i (z − λ_b b_i)
//   q_j += a_j (−z p_u − λ_i q_j),   b_j += a_j (−z − λ_b b_j)
// with a = η (constant) or η/√G_row (AdaGrad, one accumulator per row, G += ‖g‖²/k).
//
// Visiting order: every epoch visits the users in a fresh random order (a seeded permutation)
// and each user's positives once, in a fresh random order (so an epoch has nnz triples, as
// implicit's has nnz samples), each with a negative from an alias table (uniform over the
// items that have positives, or proportional to their counts — implicit's scheme). A user's
// triples run back to back, so its row stays in L1 and its CSR row (for verifying negatives:
// binary search) is hot; item rows are prefetched a batch ahead. Threads take users
// dynamically and update the shared item rows without locks (Hogwild): no two threads ever
// write the same user row, they may race on an item row.
//
// Why this order and rule (measured during development against implicit's BPR at its settings
// mapped, k = 64, 100 epochs, 1 thread, per-user 80/20 splits, seeds 0-5; the variants are no
// longer in the code; benchmarks/tune_bpr.py, part test, reruns the kept one): NDCG@10 on
// MovieLens 100K positives 0.2069 (implicit 0.2051), on Last.fm 2K 0.1643 (implicit 0.1635).
// On seeds 0-2, drawing each triple's positive with replacement scored 0.2035 / 0.1593
// (shuffled: 0.2031 / 0.1610), and redrawing a negative that is a positive (up to 16 times,
// instead of skipping the triple as implicit does) 0.1777 on MovieLens: with
// popularity-weighted negatives it pushes down exactly the popular unseen items that users go
// on to choose.
//
// Random numbers are counter-based (SplitMix64 streams, rng.hpp): the triples of user u in
// epoch t are a function of (seed, t, u) alone, whatever the thread count; the order in which
// threads' updates interleave is not, so results are bit-identical for a seed at one thread
// only. Exactly:
//   E_t        = SplitMix64(seed + t·γ).next()                       (epoch key; γ = golden)
//   order      = Fisher–Yates over 0..n_users−1 (identity start), for r = n−1 … 1:
//                swap(order[r], order[⌊s·(r+1)/2⁶⁴⌋]), s the next draw of SplitMix64(E_t)
//   U          = SplitMix64(E_t + (u + 1)·κ).next()                  (user key; κ below)
//   triple m   : v = SplitMix64(U + m·γ).next(), for m = 0 … n_u − 1, with `row` a copy of
//                u's sorted positives: swap(row[m], row[m + ⌊lo32(v)·(n_u − m)/2³²⌋]) (the
//                ascending Fisher–Yates shuffle, one step per triple), positive = row[m],
//                negative = the alias draw of hi32(v)
// A triple whose negative is one of u's positives is skipped (verify on, implicit's rule);
// with verify off only a negative equal to the positive is skipped (it carries no signal).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"
#include "mfrec/rng.hpp"

#if defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
#endif

namespace mfrec {

struct BprParams {
    float lr = 0.05f;                        // η
    float reg_user = 0.f, reg_item = 0.f;    // λ_u, λ_i (positive and negative items)
    float reg_bias = 0.f;                    // λ_b
    bool adagrad = false;  // per-row steps η/√G, G = 1 + Σ ‖g‖²/k (users and items)
    bool verify = true;    // skip a triple whose negative is one of the user's positives
    index_t n_factors = 0; // k without the rows' zero padding (0: the row length)
    std::uint64_t seed = 0;
};

/// The negative sampler: Walker's alias table over n items. A 32-bit draw r gives the column
/// c = ⌊r·n/2³²⌋ and, from the low half of the same product, a uniform l; the item is c when
/// l < thr[c], else alias[c].
struct BprSampler {
    const std::uint32_t* thr = nullptr;  // n
    const std::int32_t* alias = nullptr; // n
    index_t n = 0;

    MFREC_INLINE std::int32_t draw(std::uint32_t r) const {
        const std::uint64_t m = static_cast<std::uint64_t>(r) * static_cast<std::uint64_t>(n);
        const auto c = static_cast<index_t>(m >> 32);
        return static_cast<std::uint32_t>(m) < thr[c] ? static_cast<std::int32_t>(c) : alias[c];
    }
};

/// Triples drawn (and their item rows prefetched) ahead of their updates.
constexpr index_t kBprBatch = 32;
/// The multiplier of the user keys (a different odd constant from SplitMix64's γ).
constexpr std::uint64_t kBprUserMul = 0xD1B54A32D192ED03ull;
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

/// Walker's alias table (Vose's construction) of the distribution ∝ w over n items: w ≥ 0,
/// Σ w > 0. Items of weight 0 are never drawn. Deterministic (no randomness).
/// @param w  n weights;  thr, alias  out, n each
inline void bpr_alias_table(const double* w, index_t n, std::uint32_t* thr, std::int32_t* alias) {
    double total = 0.0;
    for (index_t i = 0; i < n; ++i) total += w[i];
    std::vector<double> scaled(static_cast<size_t>(n));
    std::vector<std::int32_t> small, large;
    index_t some_positive = -1;
    for (index_t i = 0; i < n; ++i) {
        scaled[i] = total > 0 ? w[i] * static_cast<double>(n) / total : 0.0;
        (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
        if (w[i] > 0 && some_positive < 0) some_positive = i;
    }
    auto set = [&](index_t i, double prob, index_t other) {
        const double t = std::ldexp(prob, 32);
        thr[i] = prob >= 1.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(std::max(t, 0.0));
        alias[i] = static_cast<std::int32_t>(prob >= 1.0 ? i : other);
    };
    while (!small.empty() && !large.empty()) {
        const index_t s = small.back(), l = large.back();
        small.pop_back();
        set(s, scaled[s], l);
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(static_cast<std::int32_t>(l));
        }
    }
    // Left over (rounding): a full column of their own, unless their weight is 0.
    for (auto* rest : {&small, &large})
        for (const index_t i : *rest) {
            if (w[i] > 0 || some_positive < 0) set(i, 1.0, i);
            else set(i, 0.0, some_positive);
        }
}

namespace detail {

/// ⌊a·b / 2⁶⁴⌋.
MFREC_INLINE std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b) {
#if defined(__SIZEOF_INT128__)
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#elif defined(_MSC_VER) && defined(_M_X64)
    return __umulh(a, b);
#else
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu,
                        b_hi = b >> 32;
    const std::uint64_t mid1 = a_hi * b_lo, mid2 = a_lo * b_hi;
    const std::uint64_t carry = ((a_lo * b_lo >> 32) + (mid1 & 0xFFFFFFFFu) +
                                 (mid2 & 0xFFFFFFFFu)) >> 32;
    return a_hi * b_hi + (mid1 >> 32) + (mid2 >> 32) + carry;
#endif
}

/// The n-th draw (n ≥ 0) of the SplitMix64 stream with key `key`.
MFREC_INLINE std::uint64_t bpr_draw(std::uint64_t key, std::uint64_t n) {
    return SplitMix64(key + n * kGolden).next();
}

/// The epoch key E_t and the visiting order of epoch t (order: n_users entries).
inline std::uint64_t bpr_epoch_key(std::uint64_t seed, index_t t) {
    return bpr_draw(seed, static_cast<std::uint64_t>(t));
}
inline void bpr_order(std::uint64_t epoch_key, std::int32_t* order, index_t n) {
    for (index_t r = 0; r < n; ++r) order[r] = static_cast<std::int32_t>(r);
    SplitMix64 rng(epoch_key);
    for (index_t r = n - 1; r > 0; --r) {
        const auto s = static_cast<index_t>(mulhi64(rng.next(), static_cast<std::uint64_t>(r + 1)));
        std::swap(order[r], order[s]);
    }
}
MFREC_INLINE std::uint64_t bpr_user_key(std::uint64_t epoch_key, index_t u) {
    return SplitMix64(epoch_key + static_cast<std::uint64_t>(u + 1) * kBprUserMul).next();
}

/// Whether `item` is in the sorted row [first, last).
MFREC_INLINE bool bpr_in_row(const std::int32_t* first, const std::int32_t* last,
                             std::int32_t item) {
    index_t lo = 0, hi = last - first;  // binary search, no library call (inlined per ISA)
    while (lo < hi) {
        const index_t mid = (lo + hi) / 2;
        if (first[mid] < item) lo = mid + 1;
        else hi = mid;
    }
    return lo < last - first && first[lo] == item;
}

/// The length of the longest row of X.
inline index_t bpr_max_row(const CsrView& X) {
    index_t m = 0;
    for (index_t u = 0; u < X.rows; ++u) m = std::max(m, X.indptr[u + 1] - X.indptr[u]);
    return m;
}

/// What one user's visit adds up: Σ −ln σ(x) over its triples, triples done, skipped.
struct BprTally {
    double loss = 0.0;
    std::int64_t done = 0, skipped = 0;
};

/// −ln σ(x) and z = σ(−x), stably: e = exp(−|x|) ≤ 1.
MFREC_INLINE float bpr_z(float x, double& loss) {
    const float e = std::exp(-std::fabs(x));
    loss += static_cast<double>(std::log1p(e)) + (x < 0.f ? -static_cast<double>(x) : 0.0);
    return x > 0.f ? e / (1.f + e) : 1.f / (1.f + e);
}

/// The triples of one visit of user key `key` to the row `items[0..n_u)` (sorted): updates the
/// user row p (W floats) and, when UpdateItems, the item rows of Q and the item biases.
/// Gu: the user's AdaGrad accumulator (Adagrad only). row: scratch of n_u entries (the
/// shuffled copy of the row the positives come from).
template <bool Adagrad, bool UpdateItems>
MFREC_INLINE void bpr_visit(std::uint64_t key, const std::int32_t* items, index_t n_u,
                            std::int32_t* MFREC_RESTRICT row, float* MFREC_RESTRICT p, float* Gu,
                            MatrixView Q, float* MFREC_RESTRICT bias, float* MFREC_RESTRICT Gi,
                            const BprSampler& neg, const BprParams& s, BprTally& tally) {
    if (n_u == 0) return;
    const index_t W = Q.cols;
    const index_t k = s.n_factors > 0 ? s.n_factors : W;
    const float inv_k = k > 0 ? 1.f / static_cast<float>(k) : 0.f;
    const float lr = s.lr, lu = s.reg_user, li = s.reg_item, lb = s.reg_bias;
    std::int32_t pos[kBprBatch], negs[kBprBatch];
    std::copy(items, items + n_u, row);
    for (index_t m0 = 0; m0 < n_u; m0 += kBprBatch) {
        const index_t nb = std::min(kBprBatch, n_u - m0);
        // Draw the batch (and fetch its item rows while the rest is drawn): the positives by
        // an ascending Fisher–Yates shuffle of the row, one step per triple (each positive
        // once per visit), the negatives from the sampler.
        for (index_t b = 0; b < nb; ++b) {
            const index_t m = m0 + b;
            const std::uint64_t v = bpr_draw(key, static_cast<std::uint64_t>(m));
            const auto lo = static_cast<std::uint64_t>(static_cast<std::uint32_t>(v));
            const index_t r = m + static_cast<index_t>((lo * static_cast<std::uint64_t>(n_u - m)) >> 32);
            std::swap(row[m], row[r]);
            const std::int32_t i = row[m];
            std::int32_t j = neg.draw(static_cast<std::uint32_t>(v >> 32));
            // verify: a negative the user has is no negative (binary search in the sorted
            // row): skip the triple, as implicit does (redrawing it instead measured worse
            // with popularity-weighted negatives, see the header); else only j == i is.
            if (s.verify ? bpr_in_row(items, items + n_u, j) : j == i) j = -1;
            pos[b] = i, negs[b] = j;
            if (j >= 0) {
                prefetch_row(Q.row(i), W);
                prefetch_row(Q.row(j), W);
            }
        }
        for (index_t b = 0; b < nb; ++b) {
            const index_t i = pos[b], j = negs[b];
            if (j < 0) {
                ++tally.skipped;
                continue;
            }
            float* MFREC_RESTRICT qi = Q.row(i);
            float* MFREC_RESTRICT qj = Q.row(j);
            float dot = 0.f;
#pragma omp simd reduction(+ : dot)
            for (index_t f = 0; f < W; ++f) dot += p[f] * (qi[f] - qj[f]);
            const float z = bpr_z(bias[i] - bias[j] + dot, tally.loss);
            ++tally.done;
            float au = lr, ai = lr, aj = lr;
            if constexpr (Adagrad) {
                au = lr / std::sqrt(*Gu);
                if constexpr (UpdateItems) ai = lr / std::sqrt(Gi[i]), aj = lr / std::sqrt(Gi[j]);
            }
            float su = 0.f, si = 0.f, sj = 0.f;
            if constexpr (UpdateItems) {
#pragma omp simd reduction(+ : su, si, sj)
                for (index_t f = 0; f < W; ++f) {
                    const float pf = p[f], a = qi[f], c = qj[f];
                    const float gu = z * (a - c) - lu * pf, gi = z * pf - li * a,
                                gj = -z * pf - li * c;
                    p[f] = pf + au * gu;
                    qi[f] = a + ai * gi;
                    qj[f] = c + aj * gj;
                    if constexpr (Adagrad) su += gu * gu, si += gi * gi, sj += gj * gj;
                }
                const float bi = bias[i], bj = bias[j];
                bias[i] = bi + ai * (z - lb * bi);
                bias[j] = bj + aj * (-z - lb * bj);
            } else {
#pragma omp simd reduction(+ : su)
                for (index_t f = 0; f < W; ++f) {
                    const float gu = z * (qi[f] - qj[f]) - lu * p[f];
                    p[f] += au * gu;
                    if constexpr (Adagrad) su += gu * gu;
                }
            }
            if constexpr (Adagrad) {
                *Gu += su * inv_k;
                if constexpr (UpdateItems) Gi[i] += si * inv_k, Gi[j] += sj * inv_k;
            }
        }
    }
}

template <bool UpdateItems>
MFREC_INLINE void bpr_visit_any(std::uint64_t key, const std::int32_t* items, index_t n_u,
                                std::int32_t* row, float* p, float* Gu, MatrixView Q,
                                float* bias, float* Gi, const BprSampler& neg,
                                const BprParams& s, BprTally& tally) {
    if (s.adagrad)
        bpr_visit<true, UpdateItems>(key, items, n_u, row, p, Gu, Q, bias, Gi, neg, s, tally);
    else
        bpr_visit<false, UpdateItems>(key, items, n_u, row, p, Gu, Q, bias, Gi, neg, s, tally);
}

/// The epochs [first_epoch, first_epoch + n_epochs) in one parallel region (see bpr_epochs).
MFREC_INLINE index_t bpr_epochs_body(const CsrView& X, MatrixView P, MatrixView Q, float* bias,
                                     float* Gu, float* Gi, const BprSampler& neg,
                                     const BprParams& s, index_t first_epoch, index_t n_epochs,
                                     std::int32_t* orders, std::int32_t* scratch,
                                     index_t max_n, double* thread_loss,
                                     std::int64_t* thread_done, double* epoch_loss,
                                     std::int64_t* epoch_done, double* epoch_seconds,
                                     int n_threads) {
    const index_t n_users = X.rows;
    const auto start = std::chrono::steady_clock::now();
    index_t ran = 0;
    // One barrier per epoch (each one a whole time slice lost when a thread of ours shares
    // its core): every thread draws the epoch's visiting order into its own copy, and the
    // per-thread tallies alternate between two halves by epoch parity, so a thread that
    // already writes epoch e + 1's tally never touches the half others still read for e.
#pragma omp parallel num_threads(n_threads)
    {
        const int me = thread_num(), team = num_threads();
        std::int32_t* row = scratch + static_cast<std::ptrdiff_t>(me) * max_n;
        std::int32_t* order = orders + static_cast<std::ptrdiff_t>(me) * n_users;
        for (index_t e = 0; e < n_epochs; ++e) {
            const std::uint64_t ek = bpr_epoch_key(s.seed, first_epoch + e);
            bpr_order(ek, order, n_users);  // the same order in every thread's copy
            BprTally tally;
            float g_dummy = 1.f;
#pragma omp for schedule(dynamic, 16) nowait
            for (index_t r = 0; r < n_users; ++r) {
                const index_t u = order[r];
                const index_t lo = X.indptr[u], n_u = X.indptr[u + 1] - lo;
                if (n_u == 0) continue;
                if (r + 1 < n_users) {  // the next user's row and items
                    const index_t u2 = order[r + 1];
                    prefetch_row(P.row(u2), P.cols);
                    MFREC_PREFETCH_R(X.indices + X.indptr[u2]);
                }
                bpr_visit_any<true>(bpr_user_key(ek, u), X.indices + lo, n_u, row, P.row(u),
                                    s.adagrad ? Gu + u : &g_dummy, Q, bias, Gi, neg, s, tally);
            }
            const std::ptrdiff_t half = (e % 2) * static_cast<std::ptrdiff_t>(n_threads);
            thread_loss[half + me] = tally.loss;
            thread_done[half + me] = tally.done;
#pragma omp barrier
            // every thread sums the same tallies in the same order: the same `loss`, the
            // same decision to stop
            double loss = 0.0;
            std::int64_t done = 0;
            for (int t = 0; t < team; ++t) loss += thread_loss[half + t], done += thread_done[half + t];
            if (me == 0) {
                epoch_loss[e] = loss;
                epoch_done[e] = done;
                epoch_seconds[e] =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                ran = e + 1;
            }
            if (!std::isfinite(loss)) break;
        }
    }
    return ran;
}

/// Fold-in: rows of R solved against the fixed items (see bpr_fold_in).
MFREC_INLINE void bpr_fold_in_body(const CsrView& R, MatrixView P, MatrixView Q,
                                   const float* bias, const BprSampler& neg, const BprParams& s,
                                   index_t n_passes, std::int32_t* scratch, index_t max_n,
                                   int n_threads) {
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 16)
    for (index_t u = 0; u < R.rows; ++u) {
        std::int32_t* row = scratch + static_cast<std::ptrdiff_t>(thread_num()) * max_n;
        const index_t lo = R.indptr[u], n_u = R.indptr[u + 1] - lo;
        // The row's key: a function of its items (and the seed) only.
        std::uint64_t key = s.seed;
        for (index_t e = lo; e < lo + n_u; ++e)
            key = SplitMix64(key ^ static_cast<std::uint64_t>(R.indices[e])).next();
        float G = 1.f;
        BprTally tally;
        for (index_t t = 0; t < n_passes; ++t)
            bpr_visit_any<false>(bpr_draw(key, static_cast<std::uint64_t>(t)), R.indices + lo,
                                 n_u, row, P.row(u), &G, Q, const_cast<float*>(bias), nullptr,
                                 neg, s, tally);
    }
}

// The bodies compiled once per ISA level (the OpenMP regions inside each entry point).
#define MFREC_BPR_ENTRY(SUFFIX, ATTR)                                                         \
    ATTR inline index_t bpr_epochs_##SUFFIX(                                                  \
        const CsrView& X, MatrixView P, MatrixView Q, float* bias, float* Gu, float* Gi,      \
        const BprSampler& neg, const BprParams& s, index_t first_epoch, index_t n_epochs,     \
        std::int32_t* order, std::int32_t* sc, index_t max_n, double* tl, std::int64_t* td,   \
        double* el, std::int64_t* ed, double* es, int n_threads) {                            \
        return bpr_epochs_body(X, P, Q, bias, Gu, Gi, neg, s, first_epoch, n_epochs, order,   \
                               sc, max_n, tl, td, el, ed, es, n_threads);                     \
    }                                                                                         \
    ATTR inline void bpr_fold_in_##SUFFIX(const CsrView& R, MatrixView P, MatrixView Q,       \
                                          const float* bias, const BprSampler& neg,           \
                                          const BprParams& s, index_t n_passes,               \
                                          std::int32_t* sc, index_t max_n, int n_threads) {   \
        bpr_fold_in_body(R, P, Q, bias, neg, s, n_passes, sc, max_n, n_threads);              \
    }
#if MFREC_HAS_DISPATCH
MFREC_BPR_ENTRY(v4, MFREC_TARGET_V4)
MFREC_BPR_ENTRY(v3, MFREC_TARGET_V3)
#endif
MFREC_BPR_ENTRY(base, )
#undef MFREC_BPR_ENTRY

}  // namespace detail

/// BPR epochs [first_epoch, first_epoch + n_epochs) over the positives X (users × items CSR,
/// sorted rows; values ignored), in one parallel region; stops after an epoch whose loss is
/// not finite (diverged).
/// @param P  user factors n_users × W;  Q  item factors n_items × W (W ≥ k; padding columns
///           zero, they stay zero); bias  item biases (n_items). All updated in place.
/// @param Gu, Gi  AdaGrad accumulators (n_users, n_items), ignored unless s.adagrad
/// @param neg     the negative sampler over the n_items items
/// @param epoch_loss  out, n_epochs: Σ −ln σ(x_uij) over each epoch's triples (before their
///                    updates); epoch_done  out: triples updated (not skipped);
///                    epoch_seconds  out: wall time since the start after each epoch
/// @return the number of epochs run
inline index_t bpr_epochs(const CsrView& X, MatrixView P, MatrixView Q, float* bias, float* Gu,
                          float* Gi, const BprSampler& neg, const BprParams& s,
                          index_t first_epoch, index_t n_epochs, double* epoch_loss,
                          std::int64_t* epoch_done, double* epoch_seconds, int n_threads) {
    if (n_epochs <= 0) return 0;
    // Per-thread copies of the visiting order, two halves of per-thread tallies (see the body).
    std::vector<std::int32_t> order(static_cast<size_t>(n_threads) * static_cast<size_t>(X.rows));
    // Per-thread scratch of the longest row (the shuffled positives), allocated here: no
    // allocation (nor exception) inside the parallel region.
    const index_t max_n = detail::bpr_max_row(X);
    std::vector<std::int32_t> scratch(static_cast<size_t>(n_threads) * static_cast<size_t>(max_n));
    std::vector<double> tl(2 * static_cast<size_t>(n_threads));
    std::vector<std::int64_t> td(2 * static_cast<size_t>(n_threads));
    auto run = &detail::bpr_epochs_base;
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) run = &detail::bpr_epochs_v4;
    else if (level == 3) run = &detail::bpr_epochs_v3;
#endif
    return run(X, P, Q, bias, Gu, Gi, neg, s, first_epoch, n_epochs, order.data(),
               scratch.data(), max_n, tl.data(), td.data(), epoch_loss, epoch_done,
               epoch_seconds, n_threads);
}

/// Fold-in: factors of new users from their positives R (rows × n_items CSR, sorted rows) with
/// the items fixed: n_passes visits of each row (the triples of the training loss, user row
/// updated only), from P's values (the caller's start, e.g. zeros). Row u's triples are drawn
/// from a stream keyed by the seed and u's items, so a row's result depends on its items
/// alone: not on the other rows, their order or the thread count.
inline void bpr_fold_in(const CsrView& R, MatrixView P, MatrixView Q, const float* bias,
                        const BprSampler& neg, const BprParams& s, index_t n_passes,
                        int n_threads) {
    if (R.rows == 0 || n_passes <= 0) return;
    const index_t max_n = detail::bpr_max_row(R);
    std::vector<std::int32_t> scratch(static_cast<size_t>(n_threads) * static_cast<size_t>(max_n));
    auto run = &detail::bpr_fold_in_base;
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) run = &detail::bpr_fold_in_v4;
    else if (level == 3) run = &detail::bpr_fold_in_v3;
#endif
    run(R, P, Q, bias, neg, s, n_passes, scratch.data(), max_n, n_threads);
}

}  // namespace mfrec
