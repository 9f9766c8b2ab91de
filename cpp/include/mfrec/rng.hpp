// Counter-based random numbers: every row gets its own stream, seeded by (seed, row), so a
// result never depends on the number of threads. Fixed algorithms (splitmix64, Box–Muller),
// not std:: distributions, so the same seed gives the same numbers on every platform.
#pragma once

#include <cmath>
#include <cstdint>

#include "mfrec/common.hpp"

namespace mfrec {

/// splitmix64 (Steele, Lea & Flood 2014): a 64-bit generator with a 64-bit state.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Two uniforms in (0, 1] from one draw: 24 random bits each.
    void uniform2(float& a, float& b) {
        const std::uint64_t z = next();
        a = (static_cast<float>(z >> 40) + 1.f) * 0x1.0p-24f;
        b = (static_cast<float>((z >> 8) & 0xFFFFFF) + 1.f) * 0x1.0p-24f;
    }

private:
    std::uint64_t state_;
};

/// X[r, :k] ~ Normal(mean, std) and X[r, k:] = 0 for every row r of the n × k_pad matrix X.
/// Row r draws from its own stream (seed, r).
inline void init_normal(MatrixView X, index_t k, float mean, float std_dev, std::uint64_t seed,
                        int n_threads) {
    constexpr float two_pi = 6.2831853f;
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (index_t r = 0; r < X.rows; ++r) {
        SplitMix64 rng(seed * 0xD1B54A32D192ED03ull + static_cast<std::uint64_t>(r));
        float* row = X.row(r);
        for (index_t f = 0; f < k; f += 2) {  // Box–Muller: two normals per pair of uniforms
            float u1, u2;
            rng.uniform2(u1, u2);
            const float radius = std_dev * std::sqrt(-2.f * std::log(u1));
            const float angle = two_pi * u2;
            row[f] = mean + radius * std::cos(angle);
            if (f + 1 < k) row[f + 1] = mean + radius * std::sin(angle);
        }
        for (index_t f = k; f < X.cols; ++f) row[f] = 0.f;
    }
}

}  // namespace mfrec
