// OpenMP helpers. The code builds without OpenMP (then every loop runs serially).
#pragma once

#include <atomic>
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

/// No exception may leave an OpenMP region (the program would terminate). Work that can
/// throw (allocation, a kernel's own errors) runs through `run`, which keeps the first
/// exception of any thread; the region still reaches every barrier and worksharing loop (the
/// other threads see `failed()` and skip their work), and the caller rethrows after it:
///
///     ParallelErrors errors;
///     #pragma omp parallel
///     {
///         std::vector<float> scratch;
///         errors.run([&] { scratch.resize(n); });
///         #pragma omp for
///         for (index_t i = 0; i < rows; ++i) {
///             if (errors.failed()) continue;
///             ...
///         }
///     }
///     errors.rethrow();
///
/// In per-ISA kernels (code that must be inlined into a target-specific entry point) write
/// `try { ... } catch (...) { errors.capture(); }` instead of `run` with a lambda: an
/// outlined lambda would be compiled for the baseline ISA.
class ParallelErrors {
public:
    template <class F>
    void run(F&& f) noexcept {
        if (failed()) return;
        try {
            f();
        } catch (...) {
            capture();
        }
    }
    /// Keeps the exception being handled (call from a catch block) if it is the first.
    void capture() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_relaxed);
    }
    bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
    /// Rethrows the captured exception, if any (call after the parallel region).
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::atomic<bool> failed_{false};
    std::mutex mutex_;
    std::exception_ptr error_;
};

}  // namespace mfrec
