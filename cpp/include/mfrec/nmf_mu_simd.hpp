// The vector row of NMF's multiplicative updates, for rows of NV vectors: AVX-512 (16 floats
// a vector, NV = 1..4) and AVX2 (8 floats, NV = 1..8): k ≤ 64 either way. Also the one
// rating's weights (mu_weights) that this row and nmf_mu.hpp's mu_row share.
//
// Per rating the row (nmf_mu.hpp, mu_row) takes a dot product, whose horizontal sum is a
// chain of shuffles longer than the rest of the rating's work (two FMAs into num and den,
// and on the general path a few scalar operations for the weights and the bias step). The
// row x is fixed during the walk, so the dot products of a row's ratings are independent
// (the bias steps are not, and stay in rating order): here four are taken at once, their
// products reduced together by one transpose-and-add tree (two or three shuffles a rating
// instead of six to eight), then the four ratings' weights and FMAs run in rating order, as
// mu_row's. The result is mu_row's up to the order of the additions inside a dot product
// (and, on the plain path, of the loss's sum). Measured with benchmarks/nmf_mu_speed.py.
#pragma once

#include <algorithm>

#include "mfrec/common.hpp"
#include "mfrec/linalg.hpp"
#include "mfrec/simd_vec.hpp"

namespace mfrec::nmf_detail {

/// A row's bias terms for the general (not plain) path: its bias *xb (stepped as the row is
/// walked), the fixed side's biases, μ, λ_b, γ_b; biased = false: c = 0 and no bias step.
struct MuBias {
    float* xb;
    const float* other;
    float mu, reg_b, lr_b;
    bool biased;
    float decay = 1.f - lr_b * (1.f + reg_b);  // the bias step's factor on b (see mu_weights)
};

/// One rating's part of a general row (nmf_mu.hpp's header): with c = μ + b + b_j (before
/// the bias step; 0 unbiased) and e = r − (c + p_uᵀq_j), steps b ← b + γ_b(e − λ_b b) and
/// returns N = r⁺ + c⁻, D = c⁺ + r⁻ + p_uᵀq_j and e. The step is written as what it is, a
/// linear map of b, b ← (1 − γ_b(1 + λ_b)) b + γ_b (r − μ − b_j − p_uᵀq_j): one multiply-add
/// on the chain that carries b from each rating of the row to the next, whose latency bounds
/// a biased row's walk (the rest of a rating's work does not wait for it).
MFREC_INLINE void mu_weights(float r, float pq, float other_bias, const MuBias& bb, float& b,
                             float& wn, float& wd, float& err) {
    const float c = bb.biased ? bb.mu + b + other_bias : 0.f;
    err = r - (c + pq);
    if (bb.biased) b = bb.decay * b + bb.lr_b * (r - (bb.mu + other_bias + pq));
    // N − D = r − c − pq = e, both ≥ 0
    wn = std::max(r, 0.f) + std::max(-c, 0.f);
    wd = std::max(c, 0.f) + std::max(-r, 0.f) + pq;
}

}  // namespace mfrec::nmf_detail

#if MFREC_HAS_DISPATCH
namespace mfrec::nmf_detail {

using vr16 = detail::vz16;
using vr8 = detail::vz8;
using vr4 = detail::vz4;
typedef double vrd4 __attribute__((vector_size(32), aligned(8)));

/// The four sums of a, b, c, d's floats, as {Σa, Σb, Σc, Σd}: per 128-bit lane, the pairs
/// then the quadruples interleaved, then the lanes added.
MFREC_INLINE vr4 hsum4(vr16 a, vr16 b, vr16 c, vr16 d) {
    const vr16 ab = __builtin_shufflevector(a, b, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12,
                                            28, 13, 29) +
                    __builtin_shufflevector(a, b, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14,
                                            30, 15, 31);
    const vr16 cd = __builtin_shufflevector(c, d, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12,
                                            28, 13, 29) +
                    __builtin_shufflevector(c, d, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14,
                                            30, 15, 31);
    const vr16 s = __builtin_shufflevector(ab, cd, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12,
                                           13, 28, 29) +
                   __builtin_shufflevector(ab, cd, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14,
                                           15, 30, 31);
    const vr8 h = __builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7) +
                  __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15);
    return __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
}

MFREC_INLINE vr4 hsum4(vr8 a, vr8 b, vr8 c, vr8 d) {
    const vr8 ab = __builtin_shufflevector(a, b, 0, 8, 1, 9, 4, 12, 5, 13) +
                   __builtin_shufflevector(a, b, 2, 10, 3, 11, 6, 14, 7, 15);
    const vr8 cd = __builtin_shufflevector(c, d, 0, 8, 1, 9, 4, 12, 5, 13) +
                   __builtin_shufflevector(c, d, 2, 10, 3, 11, 6, 14, 7, 15);
    const vr8 s = __builtin_shufflevector(ab, cd, 0, 1, 8, 9, 4, 5, 12, 13) +
                  __builtin_shufflevector(ab, cd, 2, 3, 10, 11, 6, 7, 14, 15);
    return __builtin_shufflevector(s, s, 0, 1, 2, 3) + __builtin_shufflevector(s, s, 4, 5, 6, 7);
}

/// mu_row<NV·W, Loss, Plain> (nmf_mu.hpp) with V a vector of W floats: row x (bias per bb)
/// against the fixed side Y over the row's ratings (idx, val, n); returns Σ e² (Loss) else 0.
/// Compiled for the ISA of the function it is inlined into (the entries below).
template <typename V, int NV, bool Loss, bool Plain>
MFREC_INLINE double mu_row4(const std::int32_t* MFREC_RESTRICT idx,
                            const float* MFREC_RESTRICT val, index_t n, float* MFREC_RESTRICT x,
                            MatrixView Y, float reg, bool prefetch, const MuBias& bb) {
    constexpr int W = sizeof(V) / sizeof(float);
    // V arrives without its typedef's aligned(4) (a template argument drops attributes):
    // loads and stores by memcpy, which never assume more than a float's alignment (rows of
    // the saved user factors are not vector-aligned)
    const auto load = [](const float* p) MFREC_LAMBDA_INLINE {
        V v;
        __builtin_memcpy(&v, p, sizeof(V));
        return v;
    };
    const auto prod = [&](const float* MFREC_RESTRICT y, const V* xv) MFREC_LAMBDA_INLINE {
        V m = xv[0] * load(y);
        for (int j = 1; j < NV; ++j) m += xv[j] * load(y + W * j);
        return m;
    };
    V xv[NV], num[NV], den[NV];
    for (int j = 0; j < NV; ++j) xv[j] = load(x + W * j), num[j] = xv[j] * 0.f, den[j] = num[j];
    vrd4 sse4 = {0.0, 0.0, 0.0, 0.0};
    double sse = 0.0;
    float b = !Plain && bb.biased ? *bb.xb : 0.f;  // (the plain path has no bias)
    // (general path) rating e's weights N, D of y_e; steps b, adds e² to the loss
    const auto weigh = [&](index_t e, float pq, float& wn, float& wd) MFREC_LAMBDA_INLINE {
        float err;
        mu_weights(val[e], pq, bb.biased ? bb.other[idx[e]] : 0.f, bb, b, wn, wd, err);
        if constexpr (Loss) sse += static_cast<double>(err) * err;
    };
    constexpr index_t kAhead = 8;  // rows of Y requested ahead
    index_t e = 0;
    for (; e + 4 <= n; e += 4) {
        if (prefetch && e + kAhead + 4 <= n) {
            for (int t = 0; t < 4; ++t) linalg::prefetch_read(Y.row(idx[e + kAhead + t]), NV * W);
        }
        const float* y[4] = {Y.row(idx[e]), Y.row(idx[e + 1]), Y.row(idx[e + 2]),
                             Y.row(idx[e + 3])};
        const vr4 pq = hsum4(prod(y[0], xv), prod(y[1], xv), prod(y[2], xv), prod(y[3], xv));
        for (int t = 0; t < 4; ++t) {
            float wn, wd;
            if constexpr (Plain) {
                wn = val[e + t], wd = pq[t];  // the loss: below, four at a time
            } else {
                weigh(e + t, pq[t], wn, wd);
            }
            for (int j = 0; j < NV; ++j) {
                const V yj = load(y[t] + W * j);
                num[j] += wn * yj;
                den[j] += wd * yj;
            }
        }
        if constexpr (Plain && Loss) {
            const vr4 err = *reinterpret_cast<const vr4*>(val + e) - pq;
            const vrd4 ed = __builtin_convertvector(err, vrd4);
            sse4 += ed * ed;
        }
    }
    for (; e < n; ++e) {  // the last n mod 4 ratings, one at a time
        const float* yr = Y.row(idx[e]);
        const float pq = linalg::dot(x, yr, NV * W);
        float wn, wd;
        if constexpr (Plain) {
            wn = val[e], wd = pq;
            if constexpr (Loss) sse += static_cast<double>(wn - pq) * (wn - pq);
        } else {
            weigh(e, pq, wn, wd);
        }
        for (int j = 0; j < NV; ++j) {
            const V yj = load(yr + W * j);
            num[j] += wn * yj;
            den[j] += wd * yj;
        }
    }
    if constexpr (!Plain) {
        if (bb.biased) *bb.xb = b;
    }
    const float lambda = reg * static_cast<float>(n);
    for (int j = 0; j < NV; ++j) {
        const V d = den[j] + lambda * xv[j];
        const V upd = xv[j] * (num[j] / d);
        const V out = d > 0.f ? upd : xv[j];
        __builtin_memcpy(x + W * j, &out, sizeof(V));
    }
    return Loss ? (sse4[0] + sse4[1]) + (sse4[2] + sse4[3]) + sse : 0.0;
}

/// Whether rows of `cols` floats take mu_row4 at ISA level `level` (3: AVX2, 4: AVX-512).
inline bool mu_row4_fits(int level, index_t cols) {
    const index_t w = level >= 4 ? 16 : 8;
    return level >= 3 && cols % w == 0 && cols >= w && cols <= 64;
}

// mu_row4 for rows of Y.cols floats, one entry per ISA level; require mu_row4_fits. Calls,
// not inlined: the half-sweep that calls them is compiled without a target (it is inlined
// into its ISA's entry point only after).
#define MFREC_NMF_ROW4(V, NV) \
    case NV: return mu_row4<V, NV, Loss, Plain>(idx, val, n, x, Y, reg, prefetch, bb);
template <bool Loss, bool Plain>
MFREC_TARGET_V4 inline double mu_row4_v4(const std::int32_t* idx, const float* val, index_t n,
                                         float* x, MatrixView Y, float reg, bool prefetch,
                                         const MuBias& bb) {
    switch (Y.cols / 16) {
        MFREC_NMF_ROW4(vr16, 1)
        MFREC_NMF_ROW4(vr16, 2)
        MFREC_NMF_ROW4(vr16, 3)
        default:
        MFREC_NMF_ROW4(vr16, 4)
    }
}

template <bool Loss, bool Plain>
MFREC_TARGET_V3 inline double mu_row4_v3(const std::int32_t* idx, const float* val, index_t n,
                                         float* x, MatrixView Y, float reg, bool prefetch,
                                         const MuBias& bb) {
    switch (Y.cols / 8) {
        MFREC_NMF_ROW4(vr8, 1)
        MFREC_NMF_ROW4(vr8, 2)
        MFREC_NMF_ROW4(vr8, 3)
        MFREC_NMF_ROW4(vr8, 4)
        MFREC_NMF_ROW4(vr8, 5)
        MFREC_NMF_ROW4(vr8, 6)
        MFREC_NMF_ROW4(vr8, 7)
        default:
        MFREC_NMF_ROW4(vr8, 8)
    }
}
#undef MFREC_NMF_ROW4

}  // namespace mfrec::nmf_detail
#endif
