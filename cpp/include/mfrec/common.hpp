// Shared vocabulary of the kernels: array views, attributes, ISA dispatch.
// Header-only, no pybind11: every kernel can be compiled and tested from C++ alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace mfrec {

using index_t = std::int64_t;

/// A read-only CSR matrix, rows × cols.
/// Row r holds entries [indptr[r], indptr[r+1]) of `indices` (column ids, sorted, unique)
/// and `data`; indptr has rows + 1 entries.
struct CsrView {
    const std::int64_t* indptr = nullptr;
    const std::int32_t* indices = nullptr;
    const float* data = nullptr;
    index_t rows = 0;
    index_t cols = 0;

    index_t nnz() const { return rows == 0 ? 0 : indptr[rows]; }
};

/// A dense row-major float matrix: element (i, j) is data[i * cols + j].
struct MatrixView {
    float* data = nullptr;
    index_t rows = 0;
    index_t cols = 0;

    float* row(index_t i) const { return data + i * cols; }
};

}  // namespace mfrec

#if defined(__GNUC__) || defined(__clang__)
#define MFREC_PREFETCH_W(ptr) __builtin_prefetch((ptr), 1, 3)
#define MFREC_PREFETCH_R(ptr) __builtin_prefetch((ptr), 0, 3)
#define MFREC_INLINE inline __attribute__((always_inline))
// Lambdas inside per-ISA kernels must be inlined too: an outlined lambda is compiled for the
// baseline ISA (measured: 1.8x slower ALS half-sweeps when CG's apply() was outlined).
#define MFREC_LAMBDA_INLINE __attribute__((always_inline))
#define MFREC_RESTRICT __restrict__
#elif defined(_MSC_VER)
#include <xmmintrin.h>
#define MFREC_PREFETCH_W(ptr) _mm_prefetch(reinterpret_cast<const char*>(ptr), _MM_HINT_T0)
#define MFREC_PREFETCH_R(ptr) _mm_prefetch(reinterpret_cast<const char*>(ptr), _MM_HINT_T0)
#define MFREC_INLINE __forceinline
#define MFREC_LAMBDA_INLINE
#define MFREC_RESTRICT __restrict
#else
#define MFREC_PREFETCH_W(ptr) ((void)0)
#define MFREC_PREFETCH_R(ptr) ((void)0)
#define MFREC_INLINE inline
#define MFREC_LAMBDA_INLINE
#define MFREC_RESTRICT
#endif

namespace mfrec::detail {
/// Prefetch `n` floats starting at `p` (for writing), one request per 64-byte line.
MFREC_INLINE void prefetch_row(const float* p, index_t n) {
    const char* c = reinterpret_cast<const char*>(p);
    const char* end = reinterpret_cast<const char*>(p + n);
    for (; c < end; c += 64) MFREC_PREFETCH_W(c);
}

}  // namespace mfrec::detail

// Runtime ISA dispatch for the hottest loops. Wheels are built for the baseline ISA
// (x86-64: SSE2); the hot kernels are compiled two more times, for AVX2 + FMA
// (x86-64-v3) and AVX-512 (x86-64-v4), as explicit entry points selected per call by
// isa_level() (GCC on x86-64 Linux; elsewhere the baseline build alone). isa_level() is the
// CPU's level unless lowered — by the MFREC_ISA environment variable, read once
// (generic | avx2 | avx512, or 0 | 3 | 4), or by set_isa_level() — so every path can be
// tested and benchmarked on one machine.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(MFREC_NO_DISPATCH)
#define MFREC_HAS_DISPATCH 1
#else
#define MFREC_HAS_DISPATCH 0
#endif

// A pragma inside a macro (the ISA entry points below repeat an OpenMP region per ISA).
#if defined(_MSC_VER)
#define MFREC_PRAGMA(x) __pragma(x)
#else
#define MFREC_PRAGMA(x) _Pragma(#x)
#endif

// Explicit ISA entry points, for kernels whose hot loop sits inside an OpenMP region:
// GCC outlines the region into a function that keeps the target attribute of the function
// it is written in, so each entry point holds its own `omp parallel` and calls always-inline
// workers, which are then compiled for that ISA. target_clones cannot do this (the region is
// outlined before cloning and keeps the baseline ISA).
#if MFREC_HAS_DISPATCH
#define MFREC_TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#define MFREC_TARGET_V3 __attribute__((target("arch=x86-64-v3")))
#endif

namespace mfrec {
/// The best ISA level this CPU supports: 4 (AVX-512 F/VL/BW/DQ), 3 (AVX2 + FMA) or 0.
inline int cpu_isa_level() {
#if MFREC_HAS_DISPATCH
    static const int level = [] {
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
            return 4;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 3;
        return 0;
    }();
    return level;
#else
    return 0;
#endif
}

namespace detail {
inline std::atomic<int>& isa_choice() {
    static std::atomic<int> level{-1};  // -1: not chosen yet
    return level;
}

/// The level MFREC_ISA asks for, capped at the CPU's; the CPU's when unset or unknown.
inline int isa_from_environment() {
    const int cpu = cpu_isa_level();
    const char* env = std::getenv("MFREC_ISA");
    if (!env || !*env) return cpu;
    const std::string v(env);
    int want = cpu;
    if (v == "generic" || v == "baseline" || v == "0") want = 0;
    else if (v == "avx2" || v == "3") want = 3;
    else if (v == "avx512" || v == "4") want = 4;
    return want < cpu ? want : cpu;
}
}  // namespace detail

/// The ISA level the dispatched kernels use: 4 (AVX-512), 3 (AVX2 + FMA) or 0 (baseline).
inline int isa_level() {
    int level = detail::isa_choice().load(std::memory_order_relaxed);
    if (level < 0) {
        level = detail::isa_from_environment();
        detail::isa_choice().store(level, std::memory_order_relaxed);
    }
    return level;
}

/// Use ISA level `level` (0, 3 or 4; capped at the CPU's) from now on; returns the level in
/// effect. The kernels pick their path per call, so this takes effect at the next call.
inline int set_isa_level(int level) {
    const int cpu = cpu_isa_level();
    const int eff = level >= 4 ? 4 : level >= 3 ? 3 : 0;
    const int chosen = eff < cpu ? eff : cpu;
    detail::isa_choice().store(chosen, std::memory_order_relaxed);
    return chosen;
}
}  // namespace mfrec
