// Seeded normal initialisation (cpp/include/mfrec/rng.hpp).
#include "bind_util.hpp"
#include "mfrec/rng.hpp"

namespace mfrec::bind {

void register_rng(py::module_& m) {
    m.def(
        "init_normal",
        [](carray<float>& X, index_t k, float mean, float std_dev, std::uint64_t seed,
           int n_threads, std::int64_t first_row) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (first_row < 0) throw py::value_error("first_row must be >= 0");
            MatrixView Xv = matrix(X, "X");
            if (k < 0 || k > Xv.cols)
                throw py::value_error("k must be in [0, X.shape[1]], got " + std::to_string(k));
            py::gil_scoped_release release;  // raw pointers only below
            init_normal(Xv, k, mean, std_dev, seed, n_threads, first_row);
        },
        py::arg("X").noconvert(), py::kw_only(), py::arg("k"), py::arg("mean"), py::arg("std"),
        py::arg("seed"), py::arg("n_threads"), py::arg("first_row") = 0,
        "Fill X[:, :k] with Normal(mean, std) draws (row r from stream (seed, first_row + r)), "
        "X[:, k:] = 0: rows first_row.. of the matrix the same seed fills whole.");
}

}  // namespace mfrec::bind
