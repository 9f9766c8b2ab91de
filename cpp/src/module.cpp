// mfrec._core: the private compiled module. Each topic registers itself from its own file
// (bind_<topic>.cpp): a new kernel family adds its file and one register_<topic> line here.
#include <pybind11/pybind11.h>

#include "mfrec/common.hpp"
#include "mfrec/parallel.hpp"

namespace py = pybind11;

namespace mfrec::bind {
void register_sgd(py::module_& m);
void register_baseline(py::module_& m);
void register_predict(py::module_& m);
void register_rng(py::module_& m);
void register_topk(py::module_& m);
void register_als(py::module_& m);
void register_svdpp(py::module_& m);
void register_bmf(py::module_& m);
}  // namespace mfrec::bind

PYBIND11_MODULE(_core, m) {
    m.doc() = "mfrec's C++ kernels (private: use the mfrec package)";
#ifdef MFREC_VERSION
    m.attr("__version__") = MFREC_VERSION;
#else
    m.attr("__version__") = "0.0.0";
#endif
    m.def("openmp_enabled", [] { return mfrec::openmp_enabled(); },
          "True when the kernels were compiled with OpenMP (parallel).");
    m.def("isa_dispatch", [] { return MFREC_HAS_DISPATCH == 1; },
          "True when hot loops carry runtime-dispatched AVX2/AVX-512 versions.");
    m.def("isa_level", [] { return mfrec::isa_level(); },
          "The ISA level the dispatched kernels use: 4 (AVX-512), 3 (AVX2 + FMA) or 0 "
          "(baseline); the CPU's unless lowered by MFREC_ISA or set_isa_level.");
    m.def("cpu_isa_level", [] { return mfrec::cpu_isa_level(); },
          "The best ISA level this CPU supports: 4, 3 or 0.");
    m.def("set_isa_level", [](int level) { return mfrec::set_isa_level(level); },
          py::arg("level"),
          "Use ISA level `level` (0, 3 or 4, capped at the CPU's) from the next kernel call on; "
          "returns the level in effect. For tests and benchmarks of each path.");
    mfrec::bind::register_sgd(m);
    mfrec::bind::register_baseline(m);
    mfrec::bind::register_predict(m);
    mfrec::bind::register_rng(m);
    mfrec::bind::register_topk(m);
    mfrec::bind::register_als(m);
    mfrec::bind::register_svdpp(m);
    mfrec::bind::register_bmf(m);
}
