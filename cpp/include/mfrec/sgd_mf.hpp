// FunkSVD's SGD rule (biased or not, constant or AdaGrad steps) on the block scheduler of
// sgd_blocks.hpp:
//
//   r̂_ui = μ + b_u + b_i + p_uᵀq_i        (biased)     r̂_ui = p_uᵀq_i   (Funk SVD)
//   loss  = Σ_(u,i) (r_ui − r̂_ui)² + λ_bu b_u² + λ_bi b_i² + λ_p ‖p_u‖² + λ_q ‖q_i‖²
//
// Inside a block the ratings of kSgdLanes users are interleaved (see sgd_build_blocks), so
// consecutive updates touch different user rows while each user's row stays in L1. The
// AVX-512 kernel (sgd_avx512.hpp) computes the prediction of the next rating before updating
// the current one whenever the two share no row — the same sequential result, without making
// every update wait for the previous one's dot product.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/parallel.hpp"
#include "mfrec/sgd_avx2.hpp"
#include "mfrec/sgd_avx512.hpp"
#include "mfrec/sgd_blocks.hpp"
#include "mfrec/sgd_step.hpp"

namespace mfrec {

namespace detail {

using linalg::dot;

// One pass over ratings [begin, end) of a block, any row length; returns Σ e² of the errors
// seen before each update. k-loops are contiguous and vectorized (`omp simd`).
template <bool Biased, bool Adagrad>
MFREC_INLINE double sgd_range(const SgdBlocks& blocks, index_t begin, index_t end,
                              MatrixView P, MatrixView Q, float* MFREC_RESTRICT bu,
                              float* MFREC_RESTRICT bi, const AdaState& ada,
                              const SgdParams& s) {
    const index_t k = P.cols;
    const float inv_k = sgd_inv_k(s, k);
    double sse = 0.0;
    // Rows are scattered: fetch the rows of rating e + kAhead while rating e is updated.
    constexpr index_t kAhead = MFREC_SGD_PREFETCH;
    for (index_t e = begin; e < end; ++e) {
        if (kAhead > 0 && s.prefetch && e + kAhead < end) {
            prefetch_row(P.row(blocks.user[e + kAhead]), k);
            prefetch_row(Q.row(blocks.item[e + kAhead]), k);
        }
        const index_t u = blocks.user[e], i = blocks.item[e];
        float* MFREC_RESTRICT p = P.row(u);
        float* MFREC_RESTRICT q = Q.row(i);
        const SgdStep c = sgd_scalar_step<Biased, Adagrad>(u, i, blocks.rating[e], dot(p, q, k),
                                                           bu, bi, ada, s, inv_k);
        sse += static_cast<double>(c.err) * c.err;
#pragma omp simd
        for (index_t f = 0; f < k; ++f) {
            const float pf = p[f], qf = q[f];
            p[f] = c.dp * pf + c.ep * qf;
            q[f] = c.dq * qf + c.eq * pf;
        }
    }
    return sse;
}

MFREC_INLINE double sgd_block_any(const SgdBlocks& blocks, index_t begin, index_t end,
                                  MatrixView P, MatrixView Q, float* bu, float* bi,
                                  const AdaState& ada, const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? sgd_range<true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : sgd_range<false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? sgd_range<true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : sgd_range<false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

// The generic kernel (any row length) compiled once per ISA level.
#define MFREC_SGD_ENTRY(NAME, ATTR)                                                          \
    ATTR inline double NAME(const SgdBlocks& blocks, index_t begin, index_t end,             \
                            MatrixView P, MatrixView Q, float* bu, float* bi,                \
                            const AdaState& ada, const SgdParams& s) {                       \
        return sgd_block_any(blocks, begin, end, P, Q, bu, bi, ada, s);                      \
    }
#if MFREC_HAS_DISPATCH
MFREC_SGD_ENTRY(sgd_block_v4, MFREC_TARGET_V4)
MFREC_SGD_ENTRY(sgd_block_v3, MFREC_TARGET_V3)
#endif
MFREC_SGD_ENTRY(sgd_block_base, )
#undef MFREC_SGD_ENTRY

/// One block: rows of up to 128 floats (a multiple of 16) at ISA level 4 go to the AVX-512
/// register kernel, rows of up to 128 (a multiple of 8) at level 3 to the pipelined AVX2
/// kernel, everything else to the generic kernel of the level in use.
inline double sgd_block(const SgdBlocks& blocks, index_t begin, index_t end, MatrixView P,
                        MatrixView Q, float* bu, float* bi, const AdaState& ada,
                        const SgdParams& s) {
#if MFREC_HAS_DISPATCH
    const int level = isa_level();
    if (level == 4) {
        if (sgd_avx512_rows(P.cols))
            return sgd_block_avx512(blocks, begin, end, P, Q, bu, bi, ada, s);
        return sgd_block_v4(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    if (level == 3) {
        if (sgd_avx2_rows(P.cols))
            return sgd_block_avx2(blocks, begin, end, P, Q, bu, bi, ada, s);
        return sgd_block_v3(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
#endif
    return sgd_block_base(blocks, begin, end, P, Q, bu, bi, ada, s);
}

}  // namespace detail

/// Row length (floats) the factor matrices should be padded to for the fastest kernel on
/// this CPU: 16 (one 64-byte cache line per 16 factors) where the AVX-512 kernel runs, else 8.
inline int sgd_row_floats() { return isa_level() == 4 ? 16 : 8; }

/// FunkSVD's update as a rule of block_epochs (one copy per thread): the steps of epoch t,
/// the AdaGrad row norms at its start, and one block of ratings through sgd_block.
struct MfRule {
    SgdBlocks blocks;
    MatrixView P, Q;
    float *bu, *bi;
    AdaState ada;
    SgdParams base, s;
    const float* steps;  // n_epochs × 4: lr_bu, lr_bi, lr_p, lr_q
    float* norms;        // n_users + n_items squared row norms (AdaGrad)

    void begin_epoch(index_t t) {
        s = base;
        s.lr_bu = steps[4 * t], s.lr_bi = steps[4 * t + 1];
        s.lr_p = steps[4 * t + 2], s.lr_q = steps[4 * t + 3];
        if (s.adagrad) {
#pragma omp for schedule(static)
            for (index_t r = 0; r < P.rows + Q.rows; ++r) {
                const float* row = r < P.rows ? P.row(r) : Q.row(r - P.rows);
                norms[r] = linalg::dot(row, row, P.cols);
            }
        }
    }
    double block(index_t b) const {
        return detail::sgd_block(blocks, blocks.block_ptr[b], blocks.block_ptr[b + 1], P, Q, bu,
                                 bi, ada, s);
    }
};

/// SGD epochs of FunkSVD over all ratings (block_epochs with MfRule).
/// @param steps      n_epochs × 4 step sizes (lr_bu, lr_bi, lr_p, lr_q) of each epoch; they
///                   replace those of `params`
/// @param P  user factors n_users × k;  Q  item factors n_items × k (updated in place)
/// @param bu, bi  biases (n_users, n_items), ignored when !s.biased
/// @param Gu, Gi  AdaGrad accumulators (n_users, n_items), ignored when !s.adagrad
/// @param norms  scratch for the squared row norms, n_users + n_items floats when s.adagrad
/// Other parameters and the result as in block_epochs.
inline index_t sgd_epochs(const SgdBlocks& blocks, const std::int32_t* schedules,
                          index_t n_epochs, const float* steps, MatrixView P, MatrixView Q,
                          float* bu, float* bi, float* Gu, float* Gi, float* norms,
                          const SgdParams& params, double* block_sse, double* epoch_sse,
                          double* epoch_seconds, int n_threads) {
    MfRule rule{blocks, P, Q, bu, bi, AdaState{Gu, Gi, norms, params.adagrad ? norms + P.rows : nullptr},
                params, params, steps, norms};
    // Software prefetch pays once the factor matrices outgrow a core's L2 (sgd_bench at
    // 200k x 50k, 8M ratings, 2 threads: 17 ns per update with it, 31 without); below that
    // it only adds instructions.
    rule.base.prefetch =
        static_cast<double>(P.rows + Q.rows) * P.cols * sizeof(float) > 2.0 * (1 << 20);
    return block_epochs(blocks, schedules, n_epochs, rule, block_sse, epoch_sse, epoch_seconds,
                        n_threads);
}

/// One epoch of sgd_epochs; returns its Σ e².
inline double sgd_epoch(const SgdBlocks& blocks, const std::int32_t* schedule, MatrixView P,
                        MatrixView Q, float* bu, float* bi, float* Gu, float* Gi, float* norms,
                        const SgdParams& params, double* block_sse, int n_threads) {
    const float steps[4] = {params.lr_bu, params.lr_bi, params.lr_p, params.lr_q};
    double sse = 0.0, seconds = 0.0;
    sgd_epochs(blocks, schedule, 1, steps, P, Q, bu, bi, Gu, Gi, norms, params, block_sse, &sse,
               &seconds, n_threads);
    return sse;
}

}  // namespace mfrec
