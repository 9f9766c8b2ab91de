// The AVX-512 SGD kernel: rows of 16·NV floats (NV = 1..8, i.e. k ≤ 128) in zmm registers,
// and the next rating's prediction computed before the current update is written.
//
// A plain SGD loop makes every update wait for the dot product, the horizontal sum and the
// error of the one before it when they share a row, and the CPU cannot look far enough
// ahead past a whole update to overlap them otherwise. Here the dot product of rating e+1 is
// taken *before* rating e's rows are written whenever the two ratings share no row (the
// interleaved block order of sgd_build_blocks makes that the rule), so it runs while rating
// e's error is still being computed; when they do share a row it is taken after the update,
// as in the sequential loop. The result is the sequential result, up to the order of the
// additions inside a dot product. Measured with benchmarks/cpp/sgd_bench.cpp.
#pragma once

#include "mfrec/common.hpp"
#include "mfrec/sgd_blocks.hpp"
#include "mfrec/sgd_step.hpp"
#include "mfrec/simd_vec.hpp"

#if MFREC_HAS_DISPATCH
namespace mfrec::detail {

MFREC_TARGET_V4 MFREC_INLINE vz16 z_load(const float* p) { return *reinterpret_cast<const vz16*>(p); }
MFREC_TARGET_V4 MFREC_INLINE void z_store(float* p, vz16 v) { *reinterpret_cast<vz16*>(p) = v; }

/// The sum of t's 16 floats: a shuffle tree.
MFREC_TARGET_V4 MFREC_INLINE float z_hsum(vz16 t) {
    const vz8 h = __builtin_shufflevector(t, t, 0, 1, 2, 3, 4, 5, 6, 7) +
                  __builtin_shufflevector(t, t, 8, 9, 10, 11, 12, 13, 14, 15);
    vz4 g = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    g += __builtin_shufflevector(g, g, 2, 3, 0, 1);
    return g[0] + g[1];
}

/// aᵀb over 16·NV floats: two accumulators, then a shuffle tree.
template <int NV>
MFREC_TARGET_V4 MFREC_INLINE float z_dot(const float* MFREC_RESTRICT a,
                                         const float* MFREC_RESTRICT b) {
    vz16 x = z_load(a) * z_load(b), y = x * 0.f;
    for (int j = 1; j < NV; ++j) {
        if (j & 1) y += z_load(a + 16 * j) * z_load(b + 16 * j);
        else x += z_load(a + 16 * j) * z_load(b + 16 * j);
    }
    return z_hsum(x + y);
}

// (Keeping the fetched rows in registers from the dot product to the update measured slower
// here: the register pressure of two ratings' rows makes GCC spill.)
template <int NV, bool Biased, bool Adagrad>
MFREC_TARGET_V4 MFREC_INLINE double sgd_pipe16(const SgdBlocks& blocks, index_t begin,
                                               index_t end, MatrixView P, MatrixView Q,
                                               float* MFREC_RESTRICT bu,
                                               float* MFREC_RESTRICT bi, const AdaState& ada,
                                               const SgdParams& params) {
    // Locals, so that the stores to the biases and rows cannot alias them: the compiler
    // would reload every parameter after each store otherwise. The row length is a constant.
    const SgdParams s = params;
    const AdaState st = ada;
    constexpr index_t W = 16 * NV;
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
    float pq = z_dot<NV>(Pd + u * W, Qd + i * W);
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
        if (early) pq_next = z_dot<NV>(Pd + u2 * W, Qd + i2 * W);
        const SgdStep c = sgd_scalar_step<Biased, Adagrad>(u, i, R[e], pq, bu, bi, st, s, inv_k);
        sse += static_cast<double>(c.err) * c.err;
        for (int j = 0; j < NV; ++j) {
            const vz16 pv = z_load(p + 16 * j), qv = z_load(q + 16 * j);
            z_store(p + 16 * j, c.dp * pv + c.ep * qv);
            z_store(q + 16 * j, c.dq * qv + c.eq * pv);
        }
        if (has_next && !early) pq_next = z_dot<NV>(Pd + u2 * W, Qd + i2 * W);
        pq = pq_next, u = u2, i = i2;
    }
    return sse;
}

template <int NV>
MFREC_TARGET_V4 MFREC_INLINE double sgd_pipe16_any(const SgdBlocks& blocks, index_t begin, index_t end,
                                   MatrixView P, MatrixView Q, float* bu, float* bi,
                                   const AdaState& ada, const SgdParams& s) {
    if (s.adagrad) {
        return s.biased ? sgd_pipe16<NV, true, true>(blocks, begin, end, P, Q, bu, bi, ada, s)
                        : sgd_pipe16<NV, false, true>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
    return s.biased ? sgd_pipe16<NV, true, false>(blocks, begin, end, P, Q, bu, bi, ada, s)
                    : sgd_pipe16<NV, false, false>(blocks, begin, end, P, Q, bu, bi, ada, s);
}

/// Whether rows of `row_len` floats go to sgd_block_avx512 on this CPU.
inline bool sgd_avx512_rows(index_t row_len) {
    return isa_level() == 4 && row_len % 16 == 0 && row_len >= 16 && row_len <= 128;
}

/// One pass over ratings [begin, end) of a block; requires sgd_avx512_rows(P.cols).
MFREC_TARGET_V4 inline double sgd_block_avx512(const SgdBlocks& blocks, index_t begin,
                                               index_t end, MatrixView P, MatrixView Q,
                                               float* bu, float* bi, const AdaState& ada,
                                               const SgdParams& s) {
    switch (P.cols / 16) {
        case 1: return sgd_pipe16_any<1>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 2: return sgd_pipe16_any<2>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 3: return sgd_pipe16_any<3>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 4: return sgd_pipe16_any<4>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 5: return sgd_pipe16_any<5>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 6: return sgd_pipe16_any<6>(blocks, begin, end, P, Q, bu, bi, ada, s);
        case 7: return sgd_pipe16_any<7>(blocks, begin, end, P, Q, bu, bi, ada, s);
        default: return sgd_pipe16_any<8>(blocks, begin, end, P, Q, bu, bi, ada, s);
    }
}

}  // namespace mfrec::detail
#endif
