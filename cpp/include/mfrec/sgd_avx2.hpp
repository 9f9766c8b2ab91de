// The AVX2 + FMA SGD kernel: the pipelined update of sgd_avx512.hpp for 256-bit vectors.
//
// An update must wait for its dot product, the horizontal sum and the error; the dot product
// of the next rating is therefore taken *before* the current rating's rows are written when
// the two share no row (the interleaved block order of sgd_build_blocks makes that the rule),
// and after the update when they do, as in the sequential loop. AVX2 has 16 vector registers,
// too few to keep two rows of k ≈ 100 in registers as the AVX-512 kernel does, so rows of any
// length that is a multiple of 8 (k ≤ 128 padded) stream from L1 in 8-float vectors; the gain
// is the overlap of consecutive updates. The result is the sequential result, up to the order
// of the additions inside a dot product. Measured with benchmarks/cpp/sgd_bench.cpp
// (MFREC_ISA=avx2 forces this path on an AVX-512 machine).
#pragma once

#include "mfrec/common.hpp"
#include "mfrec/sgd_blocks.hpp"
#include "mfrec/sgd_step.hpp"

#if MFREC_HAS_DISPATCH
namespace mfrec::detail {

typedef float vy8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float vy4 __attribute__((vector_size(16), aligned(4), may_alias));

MFREC_TARGET_V3 MFREC_INLINE vy8 y_load(const float* p) { return *reinterpret_cast<const vy8*>(p); }
MFREC_TARGET_V3 MFREC_INLINE void y_store(float* p, vy8 v) { *reinterpret_cast<vy8*>(p) = v; }

/// aᵀb over 8·nv floats: two accumulators, then a shuffle tree.
MFREC_TARGET_V3 MFREC_INLINE float y_dot(const float* MFREC_RESTRICT a,
                                         const float* MFREC_RESTRICT b, index_t nv) {
    vy8 x = y_load(a) * y_load(b), y = x * 0.f;
    index_t j = 1;
    for (; j + 1 < nv; j += 2) {
        y += y_load(a + 8 * j) * y_load(b + 8 * j);
        x += y_load(a + 8 * j + 8) * y_load(b + 8 * j + 8);
    }
    if (j < nv) y += y_load(a + 8 * j) * y_load(b + 8 * j);
    const vy8 t = x + y;
    vy4 g = __builtin_shufflevector(t, t, 0, 1, 2, 3) + __builtin_shufflevector(t, t, 4, 5, 6, 7);
    g += __builtin_shufflevector(g, g, 2, 3, 0, 1);
    return g[0] + g[1];
}

template <bool Biased, bool Adagrad>
MFREC_TARGET_V3 MFREC_INLINE double sgd_pipe8(const SgdBlocks& blocks, index_t begin,
                                              index_t end, MatrixView P, MatrixView Q,
                                              float* MFREC_RESTRICT bu, float* MFREC_RESTRICT bi,
                                              const AdaState& ada, const SgdParams& params) {
    // Locals, so that the stores to the biases and rows cannot alias them.
    const SgdParams s = params;
    const AdaState st = ada;
    const index_t W = P.cols, nv = W / 8;
    float* const Pd = P.data;
    float* const Qd = Q.data;
    const std::int32_t* MFREC_RESTRICT U = blocks.user;
    const std::int32_t* MFREC_RESTRICT I = blocks.item;
    const float* MFREC_RESTRICT R = blocks.rating;
    const float inv_k = sgd_inv_k(s, W);
    constexpr index_t kAhead = MFREC_SGD_PREFETCH;
    double sse = 0.0;
    if (begin >= end) return sse;
    index_t u = U[begin], i = I[begin];
    float pq = y_dot(Pd + u * W, Qd + i * W, nv);
    for (index_t e = begin; e < end; ++e) {
        if (kAhead > 0 && s.prefetch && e + kAhead < end) {
            prefetch_row(Pd + U[e + kAhead] * W, W);
            prefetch_row(Qd + I[e + kAhead] * W, W);
        }
        float* MFREC_RESTRICT p = Pd + u * W;
        float* MFREC_RESTRICT q = Qd + i * W;
        const bool has_next = e + 1 < end;
        const index_t u2 = has_next ? U[e + 1] : u, i2 = has_next ? I[e + 1] : i;
        const bool early = has_next && u2 != u && i2 != i;
        float pq_next = 0.f;
        if (early) pq_next = y_dot(Pd + u2 * W, Qd + i2 * W, nv);
        const SgdStep c = sgd_scalar_step<Biased, Adagrad>(u, i, R[e], pq, bu, bi, st, s, inv_k);
        sse += static_cast<double>(c.err) * c.err;
        for (index_t j = 0; j < nv; ++j) {
            const vy8 pv = y_load(p + 8 * j), qv = y_load(q + 8 * j);
            y_store(p + 8 * j, c.dp * pv + c.ep * qv);
            y_store(q + 8 * j, c.dq * qv + c.eq * pv);
        }
        if (has_next && !early) pq_next = y_dot(Pd + u2 * W, Qd + i2 * W, nv);
        pq = pq_next, u = u2, i = i2;
    }
    return sse;
}

/// Whether rows of `row_len` floats go to sgd_block_avx2 at the ISA level in use.
inline bool sgd_avx2_rows(index_t row_len) {
    return isa_level() >= 3 && row_len % 8 == 0 && row_len >= 8 && row_len <= 128;
}

/// One pass over ratings [begin, end) of a block; requires sgd_avx2_rows(P.cols).
MFREC_TARGET_V3 inline double sgd_block_avx2(const SgdBlocks& blocks, index_t begin,
                                             index_t end, MatrixView P, MatrixView Q,
                                             float* bu, float* bi, const AdaState& ada,
                                             const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? sgd_pipe8<true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : sgd_pipe8<false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? sgd_pipe8<true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : sgd_pipe8<false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

}  // namespace mfrec::detail
#endif
