// OpenMP helpers. The code builds without OpenMP (then every loop runs serially).
#pragma once

#ifdef _OPENMP
#include <omp.h>
#endif

namespace mfrec {

constexpr bool openmp_enabled() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

/// This thread's number in the current parallel region (0 outside one, or without OpenMP).
inline int thread_num() {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/// Threads in the current parallel region (1 outside one, or without OpenMP).
inline int num_threads() {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

}  // namespace mfrec
