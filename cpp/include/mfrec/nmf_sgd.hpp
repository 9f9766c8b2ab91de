// NMF by projected SGD on the block grid of sgd_blocks.hpp (LibMF's --nmf): FunkSVD's update
// (sgd_step.hpp: error, biases, AdaGrad state), then p ← max(p, 0), q ← max(q, 0). The model
// and its loss are those of nmf_mu.hpp (the multiplicative updates).
#pragma once

#include <algorithm>
#include <cstdint>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/sgd_blocks.hpp"
#include "mfrec/sgd_mf.hpp"
#include "mfrec/sgd_step.hpp"

namespace mfrec {

namespace nmf_detail {

/// One pass over ratings [begin, end) of a block: FunkSVD's update, then the projection
/// onto p, q ≥ 0. With AdaGrad the squared row norms are set from the projected rows.
template <bool Biased, bool Adagrad>
MFREC_INLINE double psgd_range(const SgdBlocks& blocks, index_t begin, index_t end, MatrixView P,
                               MatrixView Q, float* MFREC_RESTRICT bu, float* MFREC_RESTRICT bi,
                               const AdaState& ada, const SgdParams& s) {
    const index_t k = P.cols;
    const float inv_k = detail::sgd_inv_k(s, k);
    double sse = 0.0;
    constexpr index_t kAhead = MFREC_SGD_PREFETCH;
    for (index_t e = begin; e < end; ++e) {
        if (kAhead > 0 && s.prefetch && e + kAhead < end) {
            detail::prefetch_row(P.row(blocks.user[e + kAhead]), k);
            detail::prefetch_row(Q.row(blocks.item[e + kAhead]), k);
        }
        const index_t u = blocks.user[e], i = blocks.item[e];
        float* MFREC_RESTRICT p = P.row(u);
        float* MFREC_RESTRICT q = Q.row(i);
        const detail::SgdStep c = detail::sgd_scalar_step<Biased, Adagrad>(
            u, i, blocks.rating[e], linalg::dot(p, q, k), bu, bi, ada, s, inv_k);
        sse += static_cast<double>(c.err) * c.err;
        if constexpr (Adagrad) {
            float pp = 0.f, qq = 0.f;
#pragma omp simd reduction(+ : pp, qq)
            for (index_t f = 0; f < k; ++f) {
                const float pf = p[f], qf = q[f];
                const float np = std::max(c.dp * pf + c.ep * qf, 0.f);
                const float nq = std::max(c.dq * qf + c.eq * pf, 0.f);
                p[f] = np, q[f] = nq;
                pp += np * np, qq += nq * nq;
            }
            ada.Nu[u] = pp, ada.Ni[i] = qq;
        } else {
#pragma omp simd
            for (index_t f = 0; f < k; ++f) {
                const float pf = p[f], qf = q[f];
                p[f] = std::max(c.dp * pf + c.ep * qf, 0.f);
                q[f] = std::max(c.dq * qf + c.eq * pf, 0.f);
            }
        }
    }
    return sse;
}

MFREC_INLINE double psgd_block_any(const SgdBlocks& blocks, index_t begin, index_t end,
                                   MatrixView P, MatrixView Q, float* bu, float* bi,
                                   const AdaState& ada, const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? psgd_range<true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : psgd_range<false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? psgd_range<true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : psgd_range<false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

#define MFREC_PSGD_ENTRY(NAME, ATTR)                                                         \
    ATTR inline double NAME(const SgdBlocks& blocks, index_t begin, index_t end,             \
                            MatrixView P, MatrixView Q, float* bu, float* bi,                \
                            const AdaState& ada, const SgdParams& s) {                       \
        return psgd_block_any(blocks, begin, end, P, Q, bu, bi, ada, s);                     \
    }
#if MFREC_HAS_DISPATCH
MFREC_PSGD_ENTRY(psgd_block_v4, MFREC_TARGET_V4)
MFREC_PSGD_ENTRY(psgd_block_v3, MFREC_TARGET_V3)
#endif
MFREC_PSGD_ENTRY(psgd_block_base, )
#undef MFREC_PSGD_ENTRY

inline double psgd_block(const SgdBlocks& blocks, index_t begin, index_t end, MatrixView P,
                         MatrixView Q, float* bu, float* bi, const AdaState& ada,
                         const SgdParams& s) {
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) return psgd_block_v4(blocks, begin, end, P, Q, bu, bi, ada, s);
    if (level == 3) return psgd_block_v3(blocks, begin, end, P, Q, bu, bi, ada, s);
#endif
    return psgd_block_base(blocks, begin, end, P, Q, bu, bi, ada, s);
}

}  // namespace nmf_detail

/// Projected SGD as a rule of block_epochs: FunkSVD's rule (the steps of epoch t, the AdaGrad
/// row norms at its start) with the projected update in each block.
struct NmfSgdRule : MfRule {
    double block(index_t b) const {
        return nmf_detail::psgd_block(blocks, blocks.block_ptr[b], blocks.block_ptr[b + 1], P, Q,
                                      bu, bi, ada, s);
    }
};

/// Projected SGD epochs over the block grid: the arguments and result of sgd_epochs.
inline index_t nmf_sgd_epochs(const SgdBlocks& blocks, const std::int32_t* schedules,
                              index_t n_epochs, const float* steps, MatrixView P, MatrixView Q,
                              float* bu, float* bi, float* Gu, float* Gi, float* norms,
                              const SgdParams& params, double* block_sse, double* epoch_sse,
                              double* epoch_seconds, int n_threads) {
    NmfSgdRule rule{{blocks, P, Q, bu, bi,
                     AdaState{Gu, Gi, norms, params.adagrad ? norms + P.rows : nullptr},
                     params, params, steps, norms}};
    rule.base.prefetch =
        static_cast<double>(P.rows + Q.rows) * P.cols * sizeof(float) > 2.0 * (1 << 20);
    return block_epochs(blocks, schedules, n_epochs, rule, block_sse, epoch_sse, epoch_seconds,
                        n_threads);
}

}  // namespace mfrec
