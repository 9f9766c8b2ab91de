// Baseline estimates r̂_ui = μ + b_u + b_i fitted by alternating exact bias solves
// (Koren 2010, §2.1; the "als" method of Surprise's BaselineOnly):
//   b_i ← Σ_{u∈U_i} (r_ui − μ − b_u) / (λ_i + |U_i|),   then
//   b_u ← Σ_{i∈I_u} (r_ui − μ − b_i) / (λ_u + |I_u|).
// Each row is independent, so the sweep is deterministic at any thread count.
#pragma once

#include "mfrec/common.hpp"

namespace mfrec {

namespace detail {
// b_row ← Σ (r − μ − b_col) / (λ + n_row) for the rows of X this thread gets (an orphaned
// `omp for`: call it inside a parallel region); with `sse`, adds Σ (r − μ − b_col − b_row)²
// with the new b_row to *sse (the training SSE, when this is the second half-sweep).
inline void bias_half_sweep(const CsrView& X, float mu, float reg, const float* other,
                            float* out, double* sse) {
#pragma omp for schedule(dynamic, 256)
    for (index_t r = 0; r < X.rows; ++r) {
        double dev = 0.0;
        const index_t begin = X.indptr[r], end = X.indptr[r + 1];
        for (index_t e = begin; e < end; ++e)
            dev += static_cast<double>(X.data[e]) - mu - other[X.indices[e]];
        const float b = static_cast<float>(dev / (reg + static_cast<double>(end - begin)));
        out[r] = b;
        if (sse) {
            for (index_t e = begin; e < end; ++e) {
                const double res = static_cast<double>(X.data[e]) - mu - other[X.indices[e]] - b;
                *sse += res * res;
            }
        }
    }  // implicit barrier: the other half-sweep reads these biases
}
}  // namespace detail

/// One ALS sweep: items first, then users (Surprise's order), in one parallel region (one
/// fork and two barriers per sweep).
/// @param by_user  ratings as users × items CSR;  by_item  the same ratings as items × users
/// @param bu  user biases (by_user.rows), bi  item biases (by_item.rows), updated in place
/// @return the training sum of squared errors after the sweep (unclipped predictions)
inline double baseline_als_sweep(const CsrView& by_user, const CsrView& by_item, float mu,
                                 float reg_u, float reg_i, float* bu, float* bi, int n_threads) {
    double sse = 0.0;
#pragma omp parallel num_threads(n_threads) reduction(+ : sse)
    {
        detail::bias_half_sweep(by_item, mu, reg_i, bu, bi, nullptr);
        detail::bias_half_sweep(by_user, mu, reg_u, bi, bu, &sse);
    }
    return sse;
}

}  // namespace mfrec
