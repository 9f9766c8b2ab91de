// OpenMP helpers. The code builds without OpenMP (then every loop runs serially).
#pragma once

#include <exception>
#include <mutex>

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

/// Keeps the first exception thrown inside a parallel region; rethrown after the region,
/// because an exception must never escape an OpenMP structured block.
class ExceptionSlot {
public:
    template <class F>
    void run(F&& f) noexcept {
        try {
            f();
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
};

}  // namespace mfrec
