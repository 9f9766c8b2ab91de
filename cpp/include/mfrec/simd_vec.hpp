// The vector types of the hand-vectorized kernels (GCC/Clang vector extensions): 16, 8 and 4
// floats, aligned to a float only (loads and stores through them never assume more) and
// allowed to alias float arrays. Used inside functions compiled for AVX2 or AVX-512
// (MFREC_TARGET_V3 / _V4), where the compiler maps them onto ymm / zmm registers.
#pragma once

#include "mfrec/common.hpp"

#if MFREC_HAS_DISPATCH
namespace mfrec::detail {

typedef float vz16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef float vz8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float vz4 __attribute__((vector_size(16), aligned(4), may_alias));

}  // namespace mfrec::detail
#endif
