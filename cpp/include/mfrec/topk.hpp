// Top-N retrieval: score a block of query rows against every candidate item and keep the
// best n per row as it goes. Scores never reach memory: a register-blocked micro-kernel
// (MR query rows × NR items, as in BLIS's GEMM) produces a tile, and each row's tile is
// compared with that row's current n-th best score; only the rare winners touch the heap.
//
// Layout: candidate items are packed once into panels of NR items, each panel stored
// k-major ([kk][NR]) so the micro-kernel loads NR item values per factor and broadcasts the
// query values. Query rows are packed per block ([group][kk][MR]). A panel (k·NR floats,
// 6 KB at k = 64 and NR = 24) stays in L1 while all query groups of the block pass over it.
//
// Determinism: every score is one FMA chain over kk = 0..k-1 starting from 0, plus the bias,
// whatever the block or tile a row falls in, and candidates are visited in increasing panel
// position; ties keep the earlier candidate. So one query at a time == a batch, at any
// n_threads. (The ISA level chosen at load time can change rounding between machines.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

/// Candidate items packed for the micro-kernel (see pack_panels). Arrays of n_panels·k·NR,
/// n_panels·NR, n_panels·NR elements; padding slots have id −1 and bias −inf.
struct Panels {
    const float* values = nullptr;  // [panel][kk][NR]
    const float* bias = nullptr;    // [panel][NR]  (zeros when the score has no item bias)
    const std::int32_t* ids = nullptr;  // [panel][NR] item id of each slot
    index_t n_panels = 0;
    index_t k = 0;
    int nr = 0;
};

/// The query side: row q of the result scores U[rows[q]] (plus offset[q] in the output).
/// Items in filter row filter_rows[q] of `seen` (a CSR over item ids; −1 = no row) are
/// never returned.
struct TopkQueries {
    MatrixView U;
    const std::int64_t* rows = nullptr;
    const float* offset = nullptr;  // may be null
    index_t n = 0;
    CsrView seen;
    const std::int64_t* filter_rows = nullptr;  // may be null: nothing filtered
};

namespace topk_detail {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// The best n (score, id) pairs of one query row, kept as a binary min-heap in the output
/// row itself: heap[0] is the current worst kept, so a candidate must beat its score.
/// "Worse" = lower score, or equal score and later position (ties keep the earlier item).
struct RowHeap {
    float* score;
    std::int32_t* id;  // item id
    std::int32_t* pos;  // candidate position (tie order)
    int size = 0;
    int cap = 0;

    static bool worse(float sa, std::int32_t pa, float sb, std::int32_t pb) {
        return sa < sb || (sa == sb && pa > pb);
    }
    float threshold() const { return size < cap ? kNegInf : score[0]; }

    void push(float s, std::int32_t item, std::int32_t p) {
        if (size < cap) {  // sift up
            int c = size++;
            while (c > 0) {
                int parent = (c - 1) / 2;
                if (!worse(s, p, score[parent], pos[parent])) break;
                score[c] = score[parent], id[c] = id[parent], pos[c] = pos[parent];
                c = parent;
            }
            score[c] = s, id[c] = item, pos[c] = p;
            return;
        }
        int c = 0;  // replace the root, sift down
        for (;;) {
            int l = 2 * c + 1;
            if (l >= size) break;
            int r = l + 1;
            int w = (r < size && worse(score[r], pos[r], score[l], pos[l])) ? r : l;
            if (!worse(score[w], pos[w], s, p)) break;
            score[c] = score[w], id[c] = id[w], pos[c] = pos[w];
            c = w;
        }
        score[c] = s, id[c] = item, pos[c] = p;
    }

    /// Best first; slots past `size` padded with id −1 and NaN.
    void finish(float offset) {
        std::vector<int> order(size);
        for (int j = 0; j < size; ++j) order[j] = j;
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            return worse(score[b], pos[b], score[a], pos[a]);
        });
        std::vector<float> s(size);
        std::vector<std::int32_t> it(size);
        for (int j = 0; j < size; ++j) s[j] = score[order[j]], it[j] = id[order[j]];
        for (int j = 0; j < size; ++j) score[j] = s[j] + offset, id[j] = it[j];
        for (int j = size; j < cap; ++j)
            score[j] = std::numeric_limits<float>::quiet_NaN(), id[j] = -1;
    }
};

MFREC_INLINE bool is_seen(const std::int32_t* begin, const std::int32_t* end, std::int32_t item) {
    // Seen lists are short next to the catalogue and only consulted for would-be winners.
    const std::int32_t* p = std::lower_bound(begin, end, item);
    return p != end && *p == item;
}

#if defined(__GNUC__) || defined(__clang__)
typedef float vf8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float vf4 __attribute__((vector_size(16), aligned(4), may_alias));
template <class V>
MFREC_INLINE bool any_gt(V s, float t) {
    auto m = s > t;  // lanes of all ones where s > t
    int any = 0;
    for (unsigned j = 0; j < sizeof(V) / sizeof(float); ++j) any |= m[j];
    return any != 0;
}
#endif
MFREC_INLINE bool any_gt(float s, float t) { return s > t; }

/// Unaligned vector load (attributes of a vector typedef do not survive template
/// arguments, so the load is spelled out: it compiles to one vmovups).
template <class V>
MFREC_INLINE V loadu(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}

template <class V>
constexpr int lanes() { return static_cast<int>(sizeof(V) / sizeof(float)); }

/// acc[r][v] = Σ_kk A[kk][r] · B[kk][v·W .. v·W+W) for one MR × NR tile, then + bias.
template <class V, int MR, int NV>
MFREC_INLINE void tile(const float* MFREC_RESTRICT A, const float* MFREC_RESTRICT B,
                       const float* MFREC_RESTRICT bias, index_t k, V (&acc)[MR][NV]) {
    constexpr int W = lanes<V>();
    for (int r = 0; r < MR; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = V{} * 0.f;
    for (index_t kk = 0; kk < k; ++kk) {
        V b[NV];
        for (int v = 0; v < NV; ++v) b[v] = loadu<V>(B + kk * NV * W + v * W);
        for (int r = 0; r < MR; ++r) {
            const float a = A[kk * MR + r];
            for (int v = 0; v < NV; ++v) acc[r][v] += a * b[v];
        }
    }
    for (int v = 0; v < NV; ++v) {
        const V bv = loadu<V>(bias + v * W);
        for (int r = 0; r < MR; ++r) acc[r][v] += bv;
    }
}

/// Scores query rows [q0, q1) against every panel; their heaps live in out rows.
template <class V, int MR, int NV>
MFREC_INLINE void topk_block(const Panels& P, const TopkQueries& Q, index_t q0, index_t q1,
                             int n, float* out_scores, std::int32_t* out_ids,
                             std::int32_t* pos_buf, float* a_pack) {
    constexpr int W = lanes<V>();
    constexpr int NR = NV * W;
    const index_t k = P.k;
    const index_t rows = q1 - q0;
    const index_t groups = (rows + MR - 1) / MR;
    // Pack the block's query rows: group g, factor kk, row r -> a_pack[(g·k + kk)·MR + r].
    for (index_t g = 0; g < groups; ++g)
        for (int r = 0; r < MR; ++r) {
            const index_t q = q0 + g * MR + r;
            float* dst = a_pack + g * k * MR + r;
            if (q < q1) {
                const float* src = Q.U.row(Q.rows[q]);
                for (index_t kk = 0; kk < k; ++kk) dst[kk * MR] = src[kk];
            } else {
                for (index_t kk = 0; kk < k; ++kk) dst[kk * MR] = 0.f;
            }
        }
    std::vector<RowHeap> heaps(rows);
    std::vector<const std::int32_t*> seen_begin(rows), seen_end(rows);
    std::vector<float> thr(groups * MR, kNegInf);
    for (index_t j = 0; j < rows; ++j) {
        const index_t q = q0 + j;
        heaps[j] = RowHeap{out_scores + q * n, out_ids + q * n, pos_buf + j * n, 0, n};
        seen_begin[j] = seen_end[j] = nullptr;
        if (Q.filter_rows && Q.filter_rows[q] >= 0) {
            const index_t fr = Q.filter_rows[q];
            seen_begin[j] = Q.seen.indices + Q.seen.indptr[fr];
            seen_end[j] = Q.seen.indices + Q.seen.indptr[fr + 1];
        }
    }
    for (index_t pnl = 0; pnl < P.n_panels; ++pnl) {
        const float* B = P.values + pnl * k * NR;
        const float* bias = P.bias + pnl * NR;
        const std::int32_t* ids = P.ids + pnl * NR;
        for (index_t g = 0; g < groups; ++g) {
            V acc[MR][NV];
            tile<V, MR, NV>(a_pack + g * k * MR, B, bias, k, acc);
            for (int r = 0; r < MR; ++r) {
                const index_t j = g * MR + r;
                if (j >= rows) break;
                const float t = thr[j];
                bool hit = false;
                for (int v = 0; v < NV; ++v) hit |= any_gt(acc[r][v], t);
                if (!hit) continue;
                RowHeap& h = heaps[j];
                for (int v = 0; v < NV; ++v)
                    for (int l = 0; l < W; ++l) {
                        float s;
                        if constexpr (W == 1) s = acc[r][v];
                        else s = acc[r][v][l];
                        if (!(s > h.threshold())) continue;
                        const std::int32_t item = ids[v * W + l];
                        if (item < 0 || is_seen(seen_begin[j], seen_end[j], item)) continue;
                        h.push(s, item, static_cast<std::int32_t>(pnl * NR + v * W + l));
                    }
                thr[j] = h.threshold();
            }
        }
    }
    for (index_t j = 0; j < rows; ++j) heaps[j].finish(Q.offset ? Q.offset[q0 + j] : 0.f);
}

// One entry point per ISA level, each with its own tile shape: MR·NV vector accumulators
// must fit the register file with room for NV loads and a broadcast (16 ymm / 32 zmm).
// The parallel region sits in the entry point itself: GCC outlines it into a function that
// keeps the entry's target ISA, and the always-inline block worker is compiled into it.
#define MFREC_TOPK_ENTRY(NAME, ATTR, V, MR, NV)                                             \
    ATTR inline void NAME(const Panels& P, const TopkQueries& Q, int n, float* s,           \
                          std::int32_t* id, int n_threads, index_t block,                   \
                          ParallelErrors& errors) {                                         \
        const index_t n_blocks = (Q.n + block - 1) / block;                                 \
        MFREC_PRAGMA(omp parallel num_threads(n_threads)) {                                    \
            std::vector<std::int32_t> pos;                                                  \
            std::vector<float> a_pack;                                                      \
            try {                                                                           \
                pos.resize(static_cast<size_t>(block) * n);                                 \
                a_pack.resize(static_cast<size_t>(block + MR) * P.k);                       \
            } catch (...) {                                                                 \
                errors.capture();                                                           \
            }                                                                               \
            MFREC_PRAGMA(omp for schedule(dynamic, 1)) for (index_t b = 0; b < n_blocks; ++b) { \
                if (errors.failed()) continue;                                              \
                const index_t q0 = b * block, q1 = std::min(Q.n, q0 + block);               \
                try {                                                                       \
                    topk_block<V, MR, NV>(P, Q, q0, q1, n, s, id, pos.data(), a_pack.data()); \
                } catch (...) {                                                             \
                    errors.capture();                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

#if MFREC_HAS_DISPATCH
// AVX-512 machines get 32 vector registers but 256-bit vectors: measured on a Xeon with
// AVX-512 (20k users × 50k items, k = 64, one thread), 8 × 3 ymm tiles ran at 51 GMAC/s,
// 6 × 2 ymm (the AVX2 shape) at 47, and the best zmm tile (6 × 4 zmm) at 42: many server
// parts have a single 512-bit FMA port or lower their clock for zmm code.
MFREC_TOPK_ENTRY(topk_v4, MFREC_TARGET_V4, vf8, 8, 3)
MFREC_TOPK_ENTRY(topk_v3, MFREC_TARGET_V3, vf8, 6, 2)
#endif
#if defined(__GNUC__) || defined(__clang__)
MFREC_TOPK_ENTRY(topk_base, , vf4, 6, 2)
#else
MFREC_TOPK_ENTRY(topk_base, , float, 4, 8)
#endif
constexpr int kBaseNR = 8;
#undef MFREC_TOPK_ENTRY

}  // namespace topk_detail

/// Panel width (items per panel) of the ISA level this CPU runs: 24, 16 or 8.
inline int topk_panel_width() {
    const int level = isa_level();
    return level == 4 ? 24 : level == 3 ? 16 : topk_detail::kBaseNR;
}

/// Packs candidate items cand[0..n_cand) (rows of F, n_items × k, and their bias, may be
/// null) into panels of width nr. values: n_panels·k·nr, bias/ids: n_panels·nr.
inline void pack_panels(MatrixView F, const float* item_bias, const std::int32_t* cand,
                        index_t n_cand, int nr, float* values, float* bias, std::int32_t* ids,
                        int n_threads) {
    const index_t k = F.cols;
    const index_t n_panels = (n_cand + nr - 1) / nr;
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (index_t p = 0; p < n_panels; ++p) {
        for (int j = 0; j < nr; ++j) {
            const index_t c = p * nr + j;
            float* dst = values + p * k * nr + j;
            if (c < n_cand) {
                const float* src = F.row(cand[c]);
                for (index_t kk = 0; kk < k; ++kk) dst[kk * nr] = src[kk];
                bias[p * nr + j] = item_bias ? item_bias[cand[c]] : 0.f;
                ids[p * nr + j] = cand[c];
            } else {
                for (index_t kk = 0; kk < k; ++kk) dst[kk * nr] = 0.f;
                bias[p * nr + j] = topk_detail::kNegInf;
                ids[p * nr + j] = -1;
            }
        }
    }
}

/// Query rows scored together per task: 256, fewer when n is large, so that a thread's
/// candidate-position buffer (block · n ints) stays within 16 MB.
inline index_t topk_block_rows(int n) {
    return std::max<index_t>(1, std::min<index_t>(256, (index_t{1} << 22) / std::max(n, 1)));
}

/// The n best entries of each row of a dense score block, for models that score without a
/// dot product (the scoring seam's custom scorers): row q of `scores` (n_q × n_cand,
/// row-major) scores candidate c = item ids[c]; items in row filter_rows[q] of `seen` are
/// skipped, and NaN or −inf scores are never selected. Best first, ties keep the earlier
/// candidate, padding id −1 and score NaN, as in topk. Parallel over rows.
inline void topk_dense(const float* scores, index_t n_q, index_t n_cand,
                       const std::int32_t* ids, CsrView seen,
                       const std::int64_t* filter_rows, int n, float* out_scores,
                       std::int32_t* out_ids, int n_threads) {
    if (n_q == 0) return;
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<std::int32_t> pos;
        errors.run([&] { pos.resize(static_cast<size_t>(n)); });
#pragma omp for schedule(dynamic, 16)
        for (index_t q = 0; q < n_q; ++q) {
            if (errors.failed()) continue;
            topk_detail::RowHeap h{out_scores + q * n, out_ids + q * n, pos.data(), 0, n};
            const std::int32_t *sb = nullptr, *se = nullptr;
            if (filter_rows && filter_rows[q] >= 0) {
                sb = seen.indices + seen.indptr[filter_rows[q]];
                se = seen.indices + seen.indptr[filter_rows[q] + 1];
            }
            const float* row = scores + q * n_cand;
            for (index_t c = 0; c < n_cand; ++c) {
                const float s = row[c];
                if (!(s > h.threshold())) continue;
                if (topk_detail::is_seen(sb, se, ids[c])) continue;
                h.push(s, ids[c], static_cast<std::int32_t>(c));
            }
            errors.run([&] { h.finish(0.f); });
        }
    }
    errors.rethrow();
}

/// The n best candidates of every query row, best first: out_ids / out_scores are
/// Q.n × n (row-major); rows with fewer than n candidates end in id −1, score NaN.
/// `block` query rows are scored together per task (memory: block·n ints per thread;
/// default topk_block_rows(n)). Throws (after the parallel region) what a thread threw,
/// e.g. std::bad_alloc.
inline void topk(const Panels& P, const TopkQueries& Q, int n, float* out_scores,
                 std::int32_t* out_ids, int n_threads, index_t block = 0) {
    if (Q.n == 0) return;
    if (block <= 0) block = topk_block_rows(n);
    ParallelErrors errors;
#if MFREC_HAS_DISPATCH
    if (P.nr == 24)
        topk_detail::topk_v4(P, Q, n, out_scores, out_ids, n_threads, block, errors);
    else if (P.nr == 16)
        topk_detail::topk_v3(P, Q, n, out_scores, out_ids, n_threads, block, errors);
    else
#endif
        topk_detail::topk_base(P, Q, n, out_scores, out_ids, n_threads, block, errors);
    errors.rethrow();
}

}  // namespace mfrec
