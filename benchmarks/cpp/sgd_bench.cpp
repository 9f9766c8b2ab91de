// Stand-alone timing of the SGD kernel (no Python): the header-only core on random ratings,
// or on a real training set written as a binary CSR file (CSR=path; N_USERS and N_ITEMS are
// then read from the file).
//
//   g++ -O3 -fopenmp -std=c++17 -Icpp/include benchmarks/cpp/sgd_bench.cpp -o /tmp/sgd_bench
//   NNZ=1000000 B=16 /tmp/sgd_bench THREADS N_USERS N_ITEMS K [adagrad]
//   CSR=/tmp/ml100k.bin B=2 /tmp/sgd_bench 2 0 0 100
//
// The CSR file of MovieLens 100K's 80/20 training part (what compare.py fits), from Python:
//   d = mfrec.datasets.load_movielens("100k")
//   tr, _ = mfrec.model_selection.train_test_split(d, 0.2, random_state=0)
//   with open("/tmp/ml100k.bin", "wb") as f:
//       np.array([tr.n_users, tr.n_items, tr.nnz], np.int64).tofile(f)
//       tr.indptr.tofile(f); tr.item_index.tofile(f); tr.ratings.tofile(f)
//
// Rows are padded to sgd_row_floats() and 64-byte aligned, as FunkSVD allocates them.
// Compile-time knobs to compare: -DMFREC_SGD_PREFETCH=0|4|8, -DMFREC_NO_DISPATCH (baseline
// ISA only: the generic kernel). Prints ns per rating update.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

#include "mfrec/sgd_mf.hpp"

using namespace mfrec;

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s THREADS N_USERS N_ITEMS K [adagrad]\n", argv[0]);
        return 2;
    }
    const int nt = std::atoi(argv[1]);
    int nu = std::atoi(argv[2]), ni = std::atoi(argv[3]);
    const int k = std::atoi(argv[4]);
    const long nnz = std::atol(std::getenv("NNZ") ? std::getenv("NNZ") : "1000000");
    const int B = std::getenv("B") ? std::atoi(std::getenv("B")) : 16;
    std::mt19937_64 g(1);
    std::vector<std::int64_t> indptr;
    std::vector<std::int32_t> idx;
    std::vector<float> val;
    if (const char* path = std::getenv("CSR")) {  // int64 n_users, n_items, nnz; the arrays
        FILE* f = std::fopen(path, "rb");
        std::int64_t hdr[3];
        if (!f || std::fread(hdr, 8, 3, f) != 3) {
            std::fprintf(stderr, "cannot read %s\n", path);
            return 2;
        }
        nu = static_cast<int>(hdr[0]), ni = static_cast<int>(hdr[1]);
        indptr.resize(nu + 1), idx.resize(hdr[2]), val.resize(hdr[2]);
        const bool ok = std::fread(indptr.data(), 8, nu + 1, f) == static_cast<size_t>(nu + 1) &&
                        std::fread(idx.data(), 4, hdr[2], f) == static_cast<size_t>(hdr[2]) &&
                        std::fread(val.data(), 4, hdr[2], f) == static_cast<size_t>(hdr[2]);
        std::fclose(f);
        if (!ok) {
            std::fprintf(stderr, "%s is truncated\n", path);
            return 2;
        }
    } else {  // random: about NNZ / N_USERS distinct items per user, ratings 1..5
        const long per = std::max(1L, nnz / nu);
        indptr.assign(nu + 1, 0);
        for (int u = 0; u < nu; ++u) {
            std::vector<int> items(per);
            for (auto& x : items) x = static_cast<int>(g() % ni);
            std::sort(items.begin(), items.end());
            items.erase(std::unique(items.begin(), items.end()), items.end());
            for (int x : items) {
                idx.push_back(x);
                val.push_back(static_cast<float>(1 + g() % 5));
            }
            indptr[u + 1] = static_cast<std::int64_t>(idx.size());
        }
    }
    const CsrView X{indptr.data(), idx.data(), val.data(), nu, ni};
    std::vector<std::int32_t> ur(nu), ir(ni);
    std::iota(ur.begin(), ur.end(), 0);
    std::iota(ir.begin(), ir.end(), 0);
    std::shuffle(ur.begin(), ur.end(), g);
    std::shuffle(ir.begin(), ir.end(), g);
    const long n = X.nnz();
    std::vector<std::int32_t> bu(n), bi(n);
    std::vector<float> br(n);
    std::vector<std::int64_t> bp(B * B + 1);
    sgd_build_blocks(X, ur.data(), ir.data(), B, bu.data(), bi.data(), br.data(), bp.data(), nt);

    const int kp = (k + sgd_row_floats() - 1) / sgd_row_floats() * sgd_row_floats();
    std::vector<float> Pbuf(static_cast<size_t>(nu) * kp + 16), Qbuf(static_cast<size_t>(ni) * kp + 16);
    auto aligned = [](std::vector<float>& v) {  // first 64-byte boundary inside the buffer
        return v.data() + (16 - reinterpret_cast<std::uintptr_t>(v.data()) / 4 % 16) % 16;
    };
    float* P = aligned(Pbuf);
    float* Q = aligned(Qbuf);
    std::vector<float> b_u(nu), b_i(ni), Gu(nu, 1.f), Gi(ni, 1.f), norms(nu + ni);
    std::normal_distribution<float> nd(0.f, 0.1f);
    for (int r = 0; r < nu; ++r)
        for (int f = 0; f < kp; ++f) P[static_cast<size_t>(r) * kp + f] = f < k ? nd(g) : 0.f;
    for (int r = 0; r < ni; ++r)
        for (int f = 0; f < kp; ++f) Q[static_cast<size_t>(r) * kp + f] = f < k ? nd(g) : 0.f;
    std::vector<std::int32_t> sched(B * B);
    for (int r = 0; r < B; ++r)
        for (int j = 0; j < B; ++j) sched[r * B + j] = j * B + (j + r) % B;
    const SgdBlocks blocks{bu.data(), bi.data(), br.data(), bp.data(), B, nu, ni};
    SgdParams s;
    s.adagrad = argc > 5;
    s.mu = 3.f;
    s.lr_bu = s.lr_bi = s.lr_p = s.lr_q = s.adagrad ? 0.05f : 0.005f;
    s.reg_bu = s.reg_bi = s.reg_p = s.reg_q = s.adagrad ? 0.1f : 0.02f;
    s.n_factors = k;
    std::vector<double> block_sse(B * B);
    const int epochs = 20;
    double sse = 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int e = 0; e < epochs; ++e)
        sse = sgd_epoch(blocks, sched.data(), {P, nu, kp}, {Q, ni, kp}, b_u.data(),
                        b_i.data(), Gu.data(), Gi.data(), norms.data(), s, block_sse.data(), nt);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("nnz=%ld k=%d B=%d threads=%d: %.3f s, %.2f ns/rating, train rmse %.4f\n", n, k,
                B, nt, sec, sec / epochs / n * 1e9, std::sqrt(sse / n));
}
