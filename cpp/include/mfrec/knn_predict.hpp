// Neighbourhood models: the estimates from the similarity rows of knn_similarity.hpp, stored
// (knn_predict, knn_predict_grid) or computed row by row as the pairs need them
// (knn_predict_computed), and implicit's item-item scores (knn_dot_scores, knn_dot_pairs).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/knn_similarity.hpp"
#include "mfrec/parallel.hpp"

namespace mfrec {

/// How a neighbourhood estimate is formed from the k most similar rated neighbours x' of x
/// (positive similarities s only):
///   basic:     Σ s r / Σ s                     (no neighbour: impossible → μ)
///   means:     m_x + Σ s (r − m_x') / Σ s      (no neighbour: m_x)
///   baseline:  b_xy + Σ s (r − b_x'y) / Σ s    with b_xy = μ + b_x + b_y (no neighbour: b_xy)
/// with fewer than min_k neighbours the neighbour term is dropped (basic: impossible).
struct KnnPredictParams {
    int mode = 0;  ///< 0 basic, 1 means, 2 baseline
    std::int64_t k = 40;
    std::int64_t min_k = 1;
    double mu = 0;  ///< global mean (basic's and every mode's fallback for an unknown id)
};

/// Per-thread state of the estimator: the similarity row of the current x, scattered.
class KnnEstimator {
public:
    KnnEstimator(const CsrView& sim, const CsrView& by_y, const float* x_base,
                 const float* y_base, const KnnPredictParams& p)
        : sim_(sim), by_y_(by_y), x_base_(x_base), y_base_(y_base), p_(p) {
        dense_.assign(static_cast<std::size_t>(sim.rows), 0.0f);
    }

    void load(index_t x) {
        unload();
        x_ = x;
        if (x < 0) return;
        for (index_t e = sim_.indptr[x]; e < sim_.indptr[x + 1]; ++e)
            dense_[sim_.indices[e]] = sim_.data[e];
        dense_[x] = 1.0f;  // sim(x, x) = 1: a pair from the training data sees itself
    }

    /// Loads row x from a row computer (similarities not stored): `fill(x, emit)` calls
    /// emit(x2, s) for each positive similarity.
    template <class Fill>
    void load_computed(index_t x, Fill&& fill) {
        unload();
        x_ = x;
        if (x < 0) return;
        fill(x, [&](std::int32_t x2, float v) {
            dense_[x2] = v;
            filled_.push_back(x2);
        });
        dense_[x] = 1.0f;
    }

    /// The estimate for (x loaded, y); writes the number of neighbours used to *actual_k.
    /// Returns false when the estimate is impossible (basic mode; *est gets μ).
    bool estimate(index_t y, double* est, std::int32_t* actual_k) {
        const index_t x = x_;
        double base = p_.mu;
        if (p_.mode == 1 && x >= 0 && y >= 0) base = x_base_[x];
        if (p_.mode == 2) {
            if (x >= 0) base += x_base_[x];
            if (y >= 0) base += y_base_[y];
        }
        *actual_k = 0;
        *est = base;
        if (x < 0 || y < 0) return p_.mode != 0;
        // the k best neighbours (larger similarity, then smaller index: a total order, so
        // the set is unique) in a bounded heap whose top is the worst kept: a candidate
        // costs one comparison once the heap is full
        const auto k = static_cast<std::size_t>(std::max<std::int64_t>(p_.k, 0));
        const auto better = [](const Cand& a, const Cand& b) {
            return a.s > b.s || (a.s == b.s && a.x < b.x);
        };
        cand_.clear();
        for (index_t f = by_y_.indptr[y]; f < by_y_.indptr[y + 1]; ++f) {
            const std::int32_t x2 = by_y_.indices[f];
            const float s = dense_[x2];
            if (!(s > 0)) continue;
            const Cand c{s, x2, by_y_.data[f]};
            if (cand_.size() < k) {
                cand_.push_back(c);
                std::push_heap(cand_.begin(), cand_.end(), better);
            } else if (k > 0 && better(c, cand_.front())) {
                std::pop_heap(cand_.begin(), cand_.end(), better);
                cand_.back() = c;
                std::push_heap(cand_.begin(), cand_.end(), better);
            }
        }
        double sum_s = 0, sum_r = 0;
        for (const Cand& c : cand_) {
            double r = c.r;
            if (p_.mode == 1) r -= x_base_[c.x];
            if (p_.mode == 2) r -= p_.mu + x_base_[c.x] + y_base_[y];
            sum_s += c.s;
            sum_r += static_cast<double>(c.s) * r;
        }
        *actual_k = static_cast<std::int32_t>(cand_.size());
        const bool enough = static_cast<std::int64_t>(cand_.size()) >= p_.min_k && sum_s > 0;
        if (p_.mode == 0) {
            if (!enough) return false;
            *est = sum_r / sum_s;
            return true;
        }
        if (enough) *est = base + sum_r / sum_s;
        return true;
    }

private:
    struct Cand {
        float s;
        std::int32_t x;
        float r;
    };
    void unload() {
        for (std::int32_t x2 : filled_) dense_[x2] = 0.0f;
        filled_.clear();
        if (x_ < 0) return;
        if (sim_.indptr)
            for (index_t e = sim_.indptr[x_]; e < sim_.indptr[x_ + 1]; ++e)
            dense_[sim_.indices[e]] = 0.0f;
        dense_[x_] = 0.0f;
        x_ = -1;
    }
    const CsrView& sim_;
    const CsrView& by_y_;
    const float* x_base_;
    const float* y_base_;
    KnnPredictParams p_;
    std::vector<float> dense_;
    std::vector<Cand> cand_;
    std::vector<std::int32_t> filled_;
    index_t x_ = -1;
};

/// Estimates of n pairs (x[j], y[j]) (−1: unknown or without data), visited in `order`
/// (a permutation of the pairs grouped by x, so each similarity row is scattered once).
/// @param sim  similarity rows (n_x × n_x);  by_y  ratings as y × x CSR
/// @param x_base  means (mode means) or b_x (mode baseline), n_x;  y_base  b_y (baseline), n_y
/// @param est, actual_k, possible  outputs of n
inline void knn_predict(const CsrView& sim, const CsrView& by_y, const float* x_base,
                        const float* y_base, const KnnPredictParams& p, const std::int64_t* xs,
                        const std::int64_t* ys, const std::int64_t* order, index_t n,
                        float* est, std::int32_t* actual_k, std::uint8_t* possible,
                        int n_threads) {
    if (n == 0) return;
    // group starts: positions in `order` where x changes
    std::vector<index_t> starts;
    starts.push_back(0);
    for (index_t j = 1; j < n; ++j)
        if (xs[order[j]] != xs[order[j - 1]]) starts.push_back(j);
    starts.push_back(n);
    const auto n_groups = static_cast<index_t>(starts.size()) - 1;
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::unique_ptr<KnnEstimator> knn;
        errors.run([&] { knn = std::make_unique<KnnEstimator>(sim, by_y, x_base, y_base, p); });
#pragma omp for schedule(dynamic, 4)
        for (index_t g = 0; g < n_groups; ++g) {
            if (errors.failed()) continue;
            errors.run([&] {
                knn->load(xs[order[starts[g]]]);
                for (index_t j = starts[g]; j < starts[g + 1]; ++j) {
                    const index_t q = order[j];
                    double e;
                    possible[q] = knn->estimate(ys[q], &e, &actual_k[q]) ? 1 : 0;
                    est[q] = static_cast<float>(e);
                }
            });
        }
    }
    errors.rethrow();
}

/// Estimates of every (xs[a], ys[b]) into out[a * stride_x + b * stride_y] (a dense score
/// block: recommend's candidates). Parallel over xs.
inline void knn_predict_grid(const CsrView& sim, const CsrView& by_y, const float* x_base,
                             const float* y_base, const KnnPredictParams& p,
                             const std::int64_t* xs, index_t n_x, const std::int64_t* ys,
                             index_t n_y, float* out, index_t stride_x, index_t stride_y,
                             int n_threads) {
    if (n_x == 0 || n_y == 0) return;
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::unique_ptr<KnnEstimator> knn;
        errors.run([&] { knn = std::make_unique<KnnEstimator>(sim, by_y, x_base, y_base, p); });
#pragma omp for schedule(dynamic, 4)
        for (index_t a = 0; a < n_x; ++a) {
            if (errors.failed()) continue;
            errors.run([&] {
                knn->load(xs[a]);
                for (index_t b = 0; b < n_y; ++b) {
                    double e;
                    std::int32_t k;
                    knn->estimate(ys[b], &e, &k);
                    out[a * stride_x + b * stride_y] = static_cast<float>(e);
                }
            });
        }
    }
    errors.rethrow();
}

namespace detail {
template <class Acc>
void knn_predict_computed(const CsrView& sx, const CsrView& sy, const KnnSimParams& sp,
                          const CsrView& by_y, const float* x_base, const float* y_base,
                          const KnnPredictParams& p, const std::int64_t* xs,
                          const std::int64_t* ys, const std::int64_t* order, index_t n,
                          float* est, std::int32_t* actual_k, std::uint8_t* possible,
                          int n_threads) {
    std::vector<index_t> starts;
    starts.push_back(0);
    for (index_t j = 1; j < n; ++j)
        if (xs[order[j]] != xs[order[j - 1]]) starts.push_back(j);
    starts.push_back(n);
    const auto n_groups = static_cast<index_t>(starts.size()) - 1;
    // CsrView of the similarity side has n_x rows (no stored rows: an empty view)
    const CsrView none{nullptr, nullptr, nullptr, sx.rows, sx.rows};
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::unique_ptr<KnnEstimator> knn;
        std::unique_ptr<RowSimilarity<Acc>> rows;
        errors.run([&] {
            knn = std::make_unique<KnnEstimator>(none, by_y, x_base, y_base, p);
            rows = std::make_unique<RowSimilarity<Acc>>(sx, sy, sp);
        });
#pragma omp for schedule(dynamic, 1)
        for (index_t g = 0; g < n_groups; ++g) {
            if (errors.failed()) continue;
            errors.run([&] {
                knn->load_computed(xs[order[starts[g]]],
                                   [&](index_t x, auto&& emit) { rows->row(x, emit); });
                for (index_t j = starts[g]; j < starts[g + 1]; ++j) {
                    const index_t q = order[j];
                    double e;
                    possible[q] = knn->estimate(ys[q], &e, &actual_k[q]) ? 1 : 0;
                    est[q] = static_cast<float>(e);
                }
            });
        }
    }
    errors.rethrow();
}
}  // namespace detail

/// knn_predict without stored similarities: each x's row is computed from the ratings
/// (`sx` x × y and `sy` y × x, with the similarity's values: ratings, or the baseline
/// residuals for pearson_baseline) when its group of pairs comes up, used, and dropped.
/// Memory O(n_x) per thread at any scale; a whole test set costs one similarity pass.
inline void knn_predict_computed(const CsrView& sx, const CsrView& sy, const KnnSimParams& sp,
                                 const CsrView& by_y, const float* x_base, const float* y_base,
                                 const KnnPredictParams& p, const std::int64_t* xs,
                                 const std::int64_t* ys, const std::int64_t* order, index_t n,
                                 float* est, std::int32_t* actual_k, std::uint8_t* possible,
                                 int n_threads) {
    if (n == 0) return;
    switch (static_cast<SimKind>(sp.kind)) {
        case SimKind::pearson:
            return detail::knn_predict_computed<detail::AccPearson>(
                sx, sy, sp, by_y, x_base, y_base, p, xs, ys, order, n, est, actual_k, possible,
                n_threads);
        case SimKind::msd:
            return detail::knn_predict_computed<detail::AccMsd>(
                sx, sy, sp, by_y, x_base, y_base, p, xs, ys, order, n, est, actual_k, possible,
                n_threads);
        default:
            return detail::knn_predict_computed<detail::AccCos>(
                sx, sy, sp, by_y, x_base, y_base, p, xs, ys, order, n, est, actual_k, possible,
                n_threads);
    }
}

/// Item-item scores of implicit feedback (implicit's nearest-neighbour models):
/// score(u, i) = Σ_{j∈I_u} r_uj · S[j, i], with S the pruned similarity rows (row j: j's
/// neighbours). For each user in `users` (−1: no data, all scores 0) and each candidate c,
/// out[a * n_cand + c] = score(users[a], cand[c]). Parallel over users; a dense per-thread
/// accumulator of n_items.
inline void knn_dot_scores(const CsrView& sim, const CsrView& by_user, const std::int64_t* users,
                           index_t n_users, const std::int32_t* cand, index_t n_cand, float* out,
                           int n_threads) {
    if (n_users == 0 || n_cand == 0) return;
    ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
    {
        std::vector<float> acc;
        errors.run([&] { acc.assign(static_cast<std::size_t>(sim.rows), 0.0f); });
#pragma omp for schedule(dynamic, 4)
        for (index_t a = 0; a < n_users; ++a) {
            if (errors.failed()) continue;
            const index_t u = users[a];
            float* row = out + a * n_cand;
            if (u < 0) {
                std::fill_n(row, n_cand, 0.0f);
                continue;
            }
            for (index_t e = by_user.indptr[u]; e < by_user.indptr[u + 1]; ++e) {
                const std::int32_t j = by_user.indices[e];
                const float w = by_user.data[e];
                for (index_t f = sim.indptr[j]; f < sim.indptr[j + 1]; ++f)
                    acc[sim.indices[f]] += w * sim.data[f];
            }
            for (index_t c = 0; c < n_cand; ++c) row[c] = acc[cand[c]];
            for (index_t e = by_user.indptr[u]; e < by_user.indptr[u + 1]; ++e) {
                const std::int32_t j = by_user.indices[e];
                for (index_t f = sim.indptr[j]; f < sim.indptr[j + 1]; ++f)
                    acc[sim.indices[f]] = 0.0f;
            }
        }
    }
    errors.rethrow();
}

/// score(u[j], i[j]) as above for n pairs (−1 on either side: 0): a binary search of i in
/// each rated item's similarity row.
inline void knn_dot_pairs(const CsrView& sim, const CsrView& by_user, const std::int64_t* u,
                          const std::int64_t* i, index_t n, float* out, int n_threads) {
    if (n == 0) return;
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 256)
    for (index_t q = 0; q < n; ++q) {
        float s = 0.0f;
        if (u[q] >= 0 && i[q] >= 0) {
            const auto target = static_cast<std::int32_t>(i[q]);
            for (index_t e = by_user.indptr[u[q]]; e < by_user.indptr[u[q] + 1]; ++e) {
                const std::int32_t j = by_user.indices[e];
                const std::int32_t* b = sim.indices + sim.indptr[j];
                const std::int32_t* end = sim.indices + sim.indptr[j + 1];
                const std::int32_t* hit = std::lower_bound(b, end, target);
                if (hit != end && *hit == target) s += by_user.data[e] * sim.data[hit - sim.indices];
            }
        }
        out[q] = s;
    }
}

}  // namespace mfrec
