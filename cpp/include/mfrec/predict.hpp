// Vectorized scores of (user, item) pairs for dot-product models:
//     score = offset + b_u + b_i + x_uᵀy_i
// with x_u the model's effective user vector (SVD++: p_u plus its implicit term) and
// whichever biases the model has (none, item only, or both).
#pragma once

#include <algorithm>
#include <cstdint>

#include "mfrec/common.hpp"

namespace mfrec {

struct PredictParams {
    float offset = 0.f;         // added to every score: μ for biased rating models
    bool use_fallback = false;  // a pair with a side without data scores `fallback` ...
    float fallback = 0.f;       // ... (unbiased rating models: μ), else offset + known biases
    bool clip = true;
    float lo = 0.f, hi = 0.f;   // rating scale, used when clip
};

/// out[j] = score(users[j], items[j]) for j < n.
/// An index of −1 marks a user/item with no training data (cold or unknown): its bias and
/// vector count as zero, or the pair scores s.fallback when s.use_fallback.
/// @param X  n_users × k, Y  n_items × k; bu (n_users), bi (n_items) may be null
inline void predict_pairs(const std::int64_t* users, const std::int64_t* items, index_t n,
                          MatrixView X, MatrixView Y, const float* bu, const float* bi,
                          const PredictParams& s, float* out, int n_threads) {
    if (n == 0) return;
    const index_t k = X.cols;
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (index_t j = 0; j < n; ++j) {
        const index_t u = users[j], i = items[j];
        float r;
        if ((u < 0 || i < 0) && s.use_fallback) {
            r = s.fallback;
        } else {
            float dot = 0.f;
            if (u >= 0 && i >= 0) {
                const float* x = X.row(u);
                const float* y = Y.row(i);
#pragma omp simd reduction(+ : dot)
                for (index_t f = 0; f < k; ++f) dot += x[f] * y[f];
            }
            r = s.offset + (bu && u >= 0 ? bu[u] : 0.f) + (bi && i >= 0 ? bi[i] : 0.f) + dot;
        }
        out[j] = s.clip ? std::min(std::max(r, s.lo), s.hi) : r;
    }
}

}  // namespace mfrec
