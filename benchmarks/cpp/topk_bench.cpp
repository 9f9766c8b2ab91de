// Stand-alone timing of the top-N kernel (no Python): 20k random users x 50k items, k = 64,
// one thread, at the ISA level this CPU dispatches to.
//
//   g++ -O3 -fopenmp -std=gnu++17 -Icpp/include benchmarks/cpp/topk_bench.cpp -o /tmp/topk_bench
#include "mfrec/topk.hpp"
#include <chrono>
#include <cstdio>
#include <random>
int main() {
  using namespace mfrec;
  const index_t nu=20000, ni=50000, k=64; const int n=10;
  std::vector<float> U(nu*k), V(ni*k);
  std::mt19937 g(0); std::normal_distribution<float> d(0,0.3f);
  for (auto& x:U) x=d(g); for (auto& x:V) x=d(g);
  int nr = topk_panel_width();  // the ISA level this CPU dispatches to
  index_t np_=(ni+nr-1)/nr;
  std::vector<float> vals(np_*k*nr), bias(np_*nr); std::vector<int32_t> ids(np_*nr), cand(ni);
  for (index_t i=0;i<ni;++i) cand[i]=i;
  pack_panels(MatrixView{V.data(),ni,k}, nullptr, cand.data(), ni, nr, vals.data(), bias.data(), ids.data(), 1);
  std::vector<int64_t> rows(nu); for (index_t i=0;i<nu;++i) rows[i]=i;
  std::vector<int64_t> ip(1,0);
  Panels P{vals.data(), bias.data(), ids.data(), np_, k, nr};
  TopkQueries Q{MatrixView{U.data(),nu,k}, rows.data(), nullptr, nu, CsrView{ip.data(),nullptr,nullptr,0,0}, nullptr};
  std::vector<float> os(nu*n); std::vector<int32_t> oi(nu*n);
  auto t0=std::chrono::steady_clock::now();
  topk(P,Q,n,os.data(),oi.data(),1);
  double dt=std::chrono::duration<double>(std::chrono::steady_clock::now()-t0).count();
  printf("%.3f s, %.1f GMAC/s\n", dt, nu*ni*k/dt/1e9);
}
