// Neighbourhood models (Surprise's KNNBasic / KNNWithMeans / KNNBaseline; Koren 2010 §2.2): the
// similarity rows. The estimates and scores formed from them are knn_predict.hpp.
//
// "x" are the rows whose similarities are learned (items for item-based models, users for
// user-based ones), "y" the other side. The similarity of x and x' only looks at the y that
// rated both (the common support n = |Y_xx'|):
//   cosine:   Σ r_x r_x' / √(Σ r_x² · Σ r_x'²)
//   msd:      1 / (Σ (r_x − r_x')² / n + 1)
//   pearson:  (n Σ r_x r_x' − Σ r_x Σ r_x') / √((n Σ r_x² − (Σ r_x)²)(n Σ r_x'² − (Σ r_x')²))
//   pearson_baseline: the cosine of the baseline residuals r − (μ + b_x + b_y) (Python passes
//             the residuals as the values), shrunk by (n − 1) / (n − 1 + shrinkage)
//   dot:      Σ r_x r_x' (implicit's item-item models: the values come weighted and
//             normalized from Python; the row's own entry is kept, as implicit keeps it)
// A pair with n < min_support, or a zero denominator, has similarity 0.
//
// Storage: a prediction only ever uses neighbours of positive similarity (Surprise sums
// sim > 0 only), so a row keeps its positive entries only — every co-rated pair with a
// positive similarity, or the max_neighbors largest of them when pruned — as CSR sorted by
// column. Never an n_x × n_x matrix. The diagonal is implicit (sim(x, x) = 1, as Surprise).
//
// Row x is computed by one thread from the sparse data: for every y that rated x, for every
// x' that y rated, accumulate into a dense per-thread accumulator (cost Σ_y n_y² over all
// rows). Each row's arithmetic is fixed, so the result does not depend on the thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

enum class SimKind : int { cosine = 0, msd = 1, pearson = 2, pearson_baseline = 3, dot = 4 };

struct KnnSimParams {
    int kind = 0;            ///< SimKind
    int min_support = 1;     ///< pairs with fewer common ratings get similarity 0
    double shrinkage = 100;  ///< pearson_baseline only
    std::int64_t max_neighbors = 0;  ///< keep the largest this many per row (0: all positive)
};

/// The similarity rows: CSR over x (n_x rows), sorted columns, float32 values > 0.
struct SimRows {
    std::vector<std::int64_t> indptr;
    std::vector<std::int32_t> indices;
    std::vector<float> values;
};

namespace detail {

/// Columns x' per accumulator block: 4096 × 32 bytes stays in L2 (a dense accumulator over
/// all 50k items of the 10M set does not, and its random updates then cost ~3× more).
constexpr index_t kSimBlock = 4096;

struct AccCos {  // cosine and pearson_baseline
    double xy = 0, xx = 0, yy = 0;
    std::int32_t n = 0;
    void add(double a, double b) {
        xy += a * b;
        xx += a * a;
        yy += b * b;
        ++n;
    }
};
struct AccPearson {
    double xy = 0, xx = 0, yy = 0, sx = 0, sy = 0;
    std::int32_t n = 0;
    void add(double a, double b) {
        xy += a * b;
        xx += a * a;
        yy += b * b;
        sx += a;
        sy += b;
        ++n;
    }
};
struct AccMsd {
    double d = 0;
    std::int32_t n = 0;
    void add(double a, double b) {
        d += (a - b) * (a - b);
        ++n;
    }
};

inline double finish(const AccCos& a, SimKind kind, double shrinkage) {
    const double den = std::sqrt(a.xx * a.yy);
    if (!(den > 0)) return 0.0;
    double s = a.xy / den;
    if (kind == SimKind::pearson_baseline) s *= (a.n - 1.0) / (a.n - 1.0 + shrinkage);
    if (kind == SimKind::dot) s = a.xy;
    return s;
}
inline double finish(const AccPearson& a, SimKind, double) {
    const double n = a.n;
    const double den = std::sqrt((n * a.xx - a.sx * a.sx) * (n * a.yy - a.sy * a.sy));
    if (!(den > 0)) return 0.0;
    return (n * a.xy - a.sx * a.sy) / den;
}
inline double finish(const AccMsd& a, SimKind, double) { return 1.0 / (a.d / a.n + 1.0); }

/// Larger similarity first, then the smaller index (a total order: deterministic selection).
struct BySimDesc {
    bool operator()(const std::pair<float, std::int32_t>& a,
                    const std::pair<float, std::int32_t>& b) const {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
    }
};

/// One thread's computation of similarity rows: for row x, calls emit(x2, s) for every x2
/// with a positive similarity s (x itself only for dot), in increasing blocks of x2.
template <class Acc>
class RowSimilarity {
public:
    RowSimilarity(const CsrView& by_x, const CsrView& by_y, const KnnSimParams& p)
        : by_x_(by_x), by_y_(by_y), kind_(static_cast<SimKind>(p.kind)), shrinkage_(p.shrinkage) {
        min_support_ = kind_ == SimKind::pearson_baseline ? std::max(2, p.min_support)
                                                          : std::max(1, p.min_support);
        acc_.assign(static_cast<std::size_t>(std::min(by_x.rows, kSimBlock)), Acc{});
        // one slot per accumulator of a block, plus the one the branch-free append writes
        // past the last when every accumulator is already touched
        touched_.assign(acc_.size() + 1, 0);
    }

    template <class Emit>
    void row(index_t x, Emit&& emit) {
        const index_t n_x = by_x_.rows;
        const index_t b0 = by_x_.indptr[x], n_e = by_x_.indptr[x + 1] - b0;
        cur_.resize(static_cast<std::size_t>(n_e));
        for (index_t k = 0; k < n_e; ++k) cur_[k] = by_y_.indptr[by_x_.indices[b0 + k]];
        // x' in blocks of kSimBlock columns, so the accumulators stay in cache; cur_[k]
        // walks each y's sorted row across the blocks
        const std::int32_t* idx = by_y_.indices;
        const float* val = by_y_.data;
        Acc* acc = acc_.data();
        std::int32_t* touched = touched_.data();
        for (index_t lo = 0; lo < n_x; lo += kSimBlock) {
            const index_t hi = std::min(n_x, lo + kSimBlock);
            std::size_t n_touched = 0;
            for (index_t k = 0; k < n_e; ++k) {
                const std::int32_t y = by_x_.indices[b0 + k];
                const double a = by_x_.data[b0 + k];
                const index_t f0 = cur_[k];
                const index_t end = by_y_.indptr[y + 1];
                // this block's part of y's sorted row: [f0, stop)
                const index_t stop = hi >= n_x ? end
                    : std::lower_bound(idx + f0, idx + end, static_cast<std::int32_t>(hi)) - idx;
                const auto off = static_cast<std::int32_t>(lo);
                for (index_t f = f0; f < stop; ++f) {
                    const std::int32_t x2 = idx[f];
                    Acc& c = acc[x2 - off];
                    touched[n_touched] = x2;
                    n_touched += (c.n == 0);
                    c.add(a, static_cast<double>(val[f]));
                }
                cur_[k] = stop;
            }
            for (std::size_t t = 0; t < n_touched; ++t) {
                const std::int32_t x2 = touched[t];
                Acc& c = acc_[static_cast<std::size_t>(x2 - lo)];
                if ((x2 != x || kind_ == SimKind::dot) && c.n >= min_support_) {
                    const double s = finish(c, kind_, shrinkage_);
                    if (s > 0) emit(x2, static_cast<float>(s));
                }
                c = Acc{};
            }
        }
    }

private:
    const CsrView& by_x_;
    const CsrView& by_y_;
    SimKind kind_;
    double shrinkage_;
    std::int32_t min_support_ = 1;
    std::vector<Acc> acc_;
    std::vector<std::int32_t> touched_;
    std::vector<index_t> cur_;
};

template <class Acc>
SimRows similarity_rows(const CsrView& by_x, const CsrView& by_y, const KnnSimParams& p,
                        const std::int64_t* rows, index_t n_rows, int n_threads) {
    const index_t n_x = by_x.rows;
    const index_t n_out = rows ? n_rows : n_x;
    std::vector<std::int64_t> row_len(static_cast<std::size_t>(n_out), 0);
    // Each thread appends its rows' entries to its own buffers; (row, offset) records where.
    const int T = std::max(1, n_threads);
    std::vector<std::vector<std::int32_t>> t_idx(T);
    std::vector<std::vector<float>> t_val(T);
    std::vector<std::vector<std::pair<index_t, std::int64_t>>> t_rows(T);
    ParallelErrors errors;
    if (n_out > 0) {
#pragma omp parallel num_threads(T)
        {
            const int t = thread_num();
            std::unique_ptr<RowSimilarity<Acc>> sim;
            std::vector<std::pair<float, std::int32_t>> kept;
            errors.run([&] { sim = std::make_unique<RowSimilarity<Acc>>(by_x, by_y, p); });
#pragma omp for schedule(dynamic, 8)
            for (index_t o = 0; o < n_out; ++o) {
                if (errors.failed()) continue;
                errors.run([&] {
                    kept.clear();
                    sim->row(rows ? rows[o] : o,
                             [&](std::int32_t x2, float v) { kept.emplace_back(v, x2); });
                    if (p.max_neighbors > 0 &&
                        static_cast<std::int64_t>(kept.size()) > p.max_neighbors) {
                        std::nth_element(kept.begin(), kept.begin() + p.max_neighbors,
                                         kept.end(), BySimDesc{});
                        kept.resize(static_cast<std::size_t>(p.max_neighbors));
                    }
                    std::sort(kept.begin(), kept.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
                    t_rows[t].emplace_back(o, static_cast<std::int64_t>(t_idx[t].size()));
                    for (const auto& kv : kept) {
                        t_idx[t].push_back(kv.second);
                        t_val[t].push_back(kv.first);
                    }
                    row_len[static_cast<std::size_t>(o)] = static_cast<std::int64_t>(kept.size());
                });
            }
        }
    }
    errors.rethrow();
    SimRows out;
    out.indptr.assign(static_cast<std::size_t>(n_out) + 1, 0);
    for (index_t o = 0; o < n_out; ++o) out.indptr[o + 1] = out.indptr[o] + row_len[o];
    out.indices.resize(static_cast<std::size_t>(out.indptr[n_out]));
    out.values.resize(out.indices.size());
    for (int t = 0; t < T; ++t) {  // move each thread's rows into place, then free them
        for (const auto& [x, off] : t_rows[t]) {
            const std::int64_t len = row_len[x];
            std::copy_n(t_idx[t].begin() + off, len, out.indices.begin() + out.indptr[x]);
            std::copy_n(t_val[t].begin() + off, len, out.values.begin() + out.indptr[x]);
        }
        std::vector<std::int32_t>().swap(t_idx[t]);
        std::vector<float>().swap(t_val[t]);
    }
    return out;
}

}  // namespace detail

/// The positive similarities of every x with every other x (see the top of this file).
/// @param by_x  ratings as x × y CSR (values: ratings, or baseline residuals for
///              pearson_baseline);  by_y  the same entries as y × x CSR
/// @param rows  the n_rows rows to compute (output row o is x = rows[o]), or nullptr: all
inline SimRows knn_similarity(const CsrView& by_x, const CsrView& by_y, const KnnSimParams& p,
                              const std::int64_t* rows, index_t n_rows, int n_threads) {
    switch (static_cast<SimKind>(p.kind)) {
        case SimKind::cosine:
        case SimKind::pearson_baseline:
        case SimKind::dot:
            return detail::similarity_rows<detail::AccCos>(by_x, by_y, p, rows, n_rows, n_threads);
        case SimKind::pearson:
            return detail::similarity_rows<detail::AccPearson>(by_x, by_y, p, rows, n_rows, n_threads);
        case SimKind::msd:
            return detail::similarity_rows<detail::AccMsd>(by_x, by_y, p, rows, n_rows, n_threads);
    }
    return {};
}

}  // namespace mfrec
