// Update primitives shared by the SGD kernels (sgd_mf.hpp, sgd_avx512.hpp): the parameters
// and the scalar part of one matrix-factorization update (error, biases, AdaGrad state);
// the kernels differ only in how they move the factor rows. A model with another update
// rule (NMF's projection, BPR's pairwise step, SVD++'s implicit term) adds its own step
// beside these and reuses the schedules (sgd_blocks.hpp) and the RNG (rng.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mfrec/common.hpp"

#ifndef MFREC_SGD_PREFETCH
#define MFREC_SGD_PREFETCH 8  // ratings ahead (when the factors outgrow the caches)
#endif

namespace mfrec {

struct SgdParams {
    float mu = 0.f;                      // global mean (0 for unbiased models)
    float lr_bu = 0.f, lr_bi = 0.f;      // bias steps
    float lr_p = 0.f, lr_q = 0.f;        // factor steps
    float reg_bu = 0.f, reg_bi = 0.f;    // L2 weights
    float reg_p = 0.f, reg_q = 0.f;
    bool biased = true;
    bool adagrad = false;  // per-row adaptive steps η/√G, G = 1 + Σ mean squared gradient
    index_t n_factors = 0; // k without the zero padding of the rows (0: the row length)
    bool prefetch = true;  // set by sgd_epochs: only when the factors outgrow the caches
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

namespace detail {

/// The coefficients of one update: p ← dp·p + ep·q and q ← dq·q + eq·p, both from the old
/// rows; err is the error before the update.
struct SgdStep {
    float err, dp, ep, dq, eq;
};

/// Everything of one SGD update but the two row updates: the error from the prediction's
/// dot product pq = p_uᵀq_i, the bias updates and (AdaGrad) the accumulators and row norms.
template <bool Biased, bool Adagrad>
MFREC_INLINE SgdStep sgd_scalar_step(index_t u, index_t i, float rating, float pq,
                                     float* MFREC_RESTRICT bu, float* MFREC_RESTRICT bi,
                                     const AdaState& ada, const SgdParams& s, float inv_k) {
    const float pred = Biased ? s.mu + bu[u] + bi[i] + pq : pq;
    const float err = rating - pred;
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
    // p ← p + η(e q − λ p), q ← q + η(e p − λ q)
    return {err, 1.f - a_p * s.reg_p, a_p * err, 1.f - a_q * s.reg_q, a_q * err};
}

/// 1/k for the AdaGrad accumulators, k without the rows' zero padding.
MFREC_INLINE float sgd_inv_k(const SgdParams& s, index_t row_len) {
    const index_t k = s.n_factors > 0 ? s.n_factors : row_len;
    return k > 0 ? 1.f / static_cast<float>(k) : 0.f;
}

}  // namespace detail
}  // namespace mfrec
