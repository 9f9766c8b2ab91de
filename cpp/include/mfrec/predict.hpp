// Vectorized rating prediction for (user, item) pairs.
#pragma once

#include <algorithm>
#include <cstdint>

#include "mfrec/common.hpp"

namespace mfrec {

struct PredictParams {
    float mu = 0.f;       // global mean: the baseline, and the fallback of unbiased models
    bool biased = true;   // r̂ = μ + b_u + b_i + p_uᵀq_i, else p_uᵀq_i
    bool clip = true;
    float lo = 0.f, hi = 0.f;  // rating scale, used when clip
};

/// out[j] = r̂(users[j], items[j]) for j < n.
/// An index of −1 marks a user/item with no training data (cold or unknown): its bias and
/// factors count as zero; an unbiased model then predicts μ, as Surprise does.
/// @param P  n_users × k, Q  n_items × k; bu, bi may be null when !biased
inline void predict_pairs(const std::int64_t* users, const std::int64_t* items, index_t n,
                          MatrixView P, MatrixView Q, const float* bu, const float* bi,
                          const PredictParams& s, float* out, int n_threads) {
    if (n == 0) return;
    const index_t k = P.cols;
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (index_t j = 0; j < n; ++j) {
        const index_t u = users[j], i = items[j];
        float dot = 0.f;
        if (u >= 0 && i >= 0) {
            const float* p = P.row(u);
            const float* q = Q.row(i);
#pragma omp simd reduction(+ : dot)
            for (index_t f = 0; f < k; ++f) dot += p[f] * q[f];
        }
        float r;
        if (s.biased) {
            r = s.mu + (u >= 0 ? bu[u] : 0.f) + (i >= 0 ? bi[i] : 0.f) + dot;
        } else {
            r = (u >= 0 && i >= 0) ? dot : s.mu;
        }
        out[j] = s.clip ? std::min(std::max(r, s.lo), s.hi) : r;
    }
}

}  // namespace mfrec
