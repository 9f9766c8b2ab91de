// The AVX-512 kernels of SVD++'s grid passes (svdpp_grid.hpp): rows of 16·NV floats
// (NV = 1..8, k ≤ 128) as zmm vectors, the row length a compile-time constant, and in the
// SGD pass the next rating's prediction computed before the current update is written when
// the two share no row — sgd_avx512.hpp's pipeline, here over the rows p_u, z_u, a_u, q_i.
// The same steps as the generic loops of svdpp_grid.hpp, up to the order of the additions
// inside a dot product. Measured with benchmarks/svdpp_grid.py.
//
// The kernels take the grid's state as a template parameter (svdpp_grid.hpp's
// SvdppGridState), so this header needs only the vector helpers.
#pragma once

#include <cmath>
#include <cstdint>

#include "mfrec/common.hpp"
#include "mfrec/sgd_avx512.hpp"
#include "mfrec/sgd_blocks.hpp"

#ifndef MFREC_SVDPP_GRID_AHEAD
#define MFREC_SVDPP_GRID_AHEAD 8  // entries ahead whose rows are prefetched
#endif

#if MFREC_HAS_DISPATCH
namespace mfrec::detail {

/// (a + b)ᵀc over 16·NV floats (two accumulators, as z_dot).
template <int NV>
MFREC_TARGET_V4 MFREC_INLINE float z_dot_sum(const float* MFREC_RESTRICT a,
                                             const float* MFREC_RESTRICT b,
                                             const float* MFREC_RESTRICT c) {
    vz16 x = (z_load(a) + z_load(b)) * z_load(c), y = x * 0.f;
    for (int j = 1; j < NV; ++j) {
        const vz16 t = (z_load(a + 16 * j) + z_load(b + 16 * j)) * z_load(c + 16 * j);
        if (j & 1) y += t;
        else x += t;
    }
    return z_hsum(x + y);
}

/// Whether entry e of a block [begin, ...) brings a user its lane has not had just before
/// (sgd_build_blocks deals kSgdLanes users' ratings out in turns): only then are the user's
/// rows worth prefetching, the lane's current user being in L1 already.
MFREC_INLINE bool lane_user_is_new(const std::int32_t* U, index_t e, index_t begin) {
    return e < begin + kSgdLanes || U[e] != U[e - kSgdLanes];
}

/// SVD++'s SGD pass over ratings [begin, end) of a block (svdpp_grid.hpp, pass 0); returns
/// Σ err². lr: a_bu, a_bi, a_p, a_q, a_y.
template <int NV, bool Adagrad, class State>
MFREC_TARGET_V4 MFREC_INLINE double svdpp_sgd16(const State& st, index_t begin, index_t end,
                                                const float* lr, float inv_k) {
    constexpr index_t W = 16 * NV;
    const auto s = st.params;  // locals: stores to the rows cannot alias them
    float* const Pd = st.P.data;
    float* const Qd = st.Q.data;
    float* const Zd = st.Z.data;
    float* const Ad = st.A.data;
    float* MFREC_RESTRICT bu = st.bu;
    float* MFREC_RESTRICT bi = st.bi;
    float* MFREC_RESTRICT Gu = st.Gu;
    float* MFREC_RESTRICT Gi = st.Gi;
    float* MFREC_RESTRICT D = st.D;
    const float* MFREC_RESTRICT sn = st.sn;
    const std::int32_t* MFREC_RESTRICT U = st.blocks.user;
    const std::int32_t* MFREC_RESTRICT I = st.blocks.item;
    const float* MFREC_RESTRICT R = st.blocks.rating;
    const float lr_bu = lr[0], lr_bi = lr[1], lr_p = lr[2], lr_q = lr[3], lr_y = lr[4];
    constexpr index_t kAhead = MFREC_SVDPP_GRID_AHEAD;
    double sse = 0.0;
    if (begin >= end) return sse;
    index_t u = U[begin], i = I[begin];
    float dot = z_dot_sum<NV>(Pd + u * W, Zd + u * W, Qd + i * W);
    for (index_t e = begin; e < end; ++e) {
        if (e + kAhead < end) {
            prefetch_row(Qd + I[e + kAhead] * W, W);
            if (lane_user_is_new(U, e + kAhead, begin)) {
                const index_t ua = U[e + kAhead];
                prefetch_row(Pd + ua * W, W);
                prefetch_row(Zd + ua * W, W);
                prefetch_row(Ad + ua * W, W);
            }
        }
        float* MFREC_RESTRICT p = Pd + u * W;
        float* MFREC_RESTRICT q = Qd + i * W;
        float* MFREC_RESTRICT z = Zd + u * W;
        float* MFREC_RESTRICT a = Ad + u * W;
        const bool has_next = e + 1 < end;
        const index_t u2 = has_next ? U[e + 1] : u, i2 = has_next ? I[e + 1] : i;
        const bool early = has_next && u2 != u && i2 != i;
        float dot_next = 0.f;
        if (early) dot_next = z_dot_sum<NV>(Pd + u2 * W, Zd + u2 * W, Qd + i2 * W);

        const float err = R[e] - (s.mu + bu[u] + bi[i] + dot);
        sse += static_cast<double>(err) * err;
        float a_bu = lr_bu, a_bi = lr_bi, a_p = lr_p, a_q = lr_q, a_y = lr_y;
        if constexpr (Adagrad) {
            const float eta_u = 1.f / std::sqrt(Gu[u]), eta_i = 1.f / std::sqrt(Gi[i]);
            a_bu *= eta_u, a_p *= eta_u, a_y *= eta_u;
            a_bi *= eta_i, a_q *= eta_i;
        }
        bu[u] += a_bu * (err - s.reg_bu * bu[u]);
        bi[i] += a_bi * (err - s.reg_bi * bi[i]);
        const float d = 1.f - a_y * s.reg_y, c = a_y * sn[u];
        D[u] *= d;
        vz16 gp2 = {}, gq2 = {};
        for (int j = 0; j < NV; ++j) {
            const vz16 pv = z_load(p + 16 * j), qv = z_load(q + 16 * j);
            const vz16 zv = z_load(z + 16 * j), av = z_load(a + 16 * j);
            const vz16 g = err * qv;
            const vz16 gp = g - s.reg_p * pv;
            const vz16 gq = err * (pv + zv) - s.reg_q * qv;
            z_store(p + 16 * j, pv + a_p * gp);
            z_store(q + 16 * j, qv + a_q * gq);
            z_store(z + 16 * j, d * zv + a_y * g);
            z_store(a + 16 * j, d * av + c * g);
            if constexpr (Adagrad) gp2 += gp * gp, gq2 += gq * gq;
        }
        if constexpr (Adagrad) {
            Gu[u] += z_hsum(gp2) * inv_k;
            Gi[i] += z_hsum(gq2) * inv_k;
        }
        if (has_next && !early) dot_next = z_dot_sum<NV>(Pd + u2 * W, Zd + u2 * W, Qd + i2 * W);
        dot = dot_next, u = u2, i = i2;
    }
    return sse;
}

/// SVD++'s y pass over entries [begin, end) of an implicit grid's block (svdpp_grid.hpp,
/// pass 1).
template <int NV, class State>
MFREC_TARGET_V4 MFREC_INLINE void svdpp_y16(const State& st, index_t begin, index_t end) {
    constexpr index_t W = 16 * NV;
    float* const Yd = st.Y.data;
    float* const Zd = st.Z.data;
    const float* const Ad = st.A.data;
    const float* MFREC_RESTRICT D = st.D;
    const float* MFREC_RESTRICT sn = st.sn;
    const float* MFREC_RESTRICT damp = st.damp;
    const std::int32_t* MFREC_RESTRICT U = st.implicit.user;
    const std::int32_t* MFREC_RESTRICT I = st.implicit.item;
    constexpr index_t kAhead = MFREC_SVDPP_GRID_AHEAD;
    for (index_t e = begin; e < end; ++e) {
        if (e + kAhead < end) {
            prefetch_row(Yd + I[e + kAhead] * W, W);
            if (lane_user_is_new(U, e + kAhead, begin)) {
                const index_t ua = U[e + kAhead];
                prefetch_row(Zd + ua * W, W);
                prefetch_row(Ad + ua * W, W);
            }
        }
        const index_t u = U[e], j = I[e];
        float* MFREC_RESTRICT y = Yd + j * W;
        float* MFREC_RESTRICT z = Zd + u * W;
        const float* MFREC_RESTRICT a = Ad + u * W;
        const float w = damp[j];
        const float keep = 1.f - w * (1.f - D[u]), snu = sn[u];
        for (int f = 0; f < NV; ++f) {
            const vz16 yv = keep * z_load(y + 16 * f) + w * z_load(a + 16 * f);
            z_store(y + 16 * f, yv);
            z_store(z + 16 * f, z_load(z + 16 * f) + snu * yv);
        }
    }
}

/// Whether rows of `row_len` floats go to these kernels on this CPU (sgd_avx512's rule).
inline bool svdpp_grid_avx512_rows(index_t row_len) { return sgd_avx512_rows(row_len); }

/// Pass `pass` over [begin, end); requires svdpp_grid_avx512_rows(st.P.cols).
template <class State>
MFREC_TARGET_V4 inline double svdpp_grid_block_avx512(const State& st, index_t begin,
                                                      index_t end, int pass, const float* lr,
                                                      float inv_k) {
#define MFREC_SVDPP_NV(NV)                                                          \
    case NV:                                                                        \
        if (pass == 1) return svdpp_y16<NV>(st, begin, end), 0.0;                   \
        return st.params.adagrad ? svdpp_sgd16<NV, true>(st, begin, end, lr, inv_k) \
                                 : svdpp_sgd16<NV, false>(st, begin, end, lr, inv_k);
    switch (st.P.cols / 16) {
        MFREC_SVDPP_NV(1)
        MFREC_SVDPP_NV(2)
        MFREC_SVDPP_NV(3)
        MFREC_SVDPP_NV(4)
        MFREC_SVDPP_NV(5)
        MFREC_SVDPP_NV(6)
        MFREC_SVDPP_NV(7)
        default: MFREC_SVDPP_NV(8)
    }
#undef MFREC_SVDPP_NV
}

}  // namespace mfrec::detail
#endif
