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

}  // namespace mfrec
