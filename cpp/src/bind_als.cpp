#include <pybind11/stl.h>

#include <optional>

#include "bind_util.hpp"
#include "mfrec/als.hpp"

namespace mfrec::bind {

void register_als(py::module_& m) {
    m.def(
        "als_half_sweep",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, carray<float>& X, const carray<float>& Y,
           std::optional<carray<float>> x_bias, std::optional<carray<float>> other_bias,
           float reg, bool reg_count, bool implicit, bool augment, float mu, int cg_steps,
           int n_threads, float reg_bias) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (cg_steps < 0) throw py::value_error("cg_steps must be >= 0 (0 = Cholesky)");
            MatrixView Xv = matrix(X, "X");
            MatrixView Yv = const_matrix(Y, "Y");
            CsrView R = csr(indptr, indices, data, Yv.rows);
            if (R.rows != Xv.rows)
                throw py::value_error("R has " + std::to_string(R.rows) + " rows, X " +
                                      std::to_string(Xv.rows));
            if (Xv.cols != Yv.cols) throw py::value_error("X and Y differ in n_factors");
            float* xb = nullptr;
            const float* ob = nullptr;
            if (augment) {
                if (!x_bias || !other_bias)
                    throw py::value_error("augment needs x_bias and other_bias");
                check_shape(*x_bias, "x_bias", {Xv.rows});
                check_shape(*other_bias, "other_bias", {Yv.rows});
                xb = out_ptr(*x_bias, "x_bias");
                ob = other_bias->data();
            } else if (other_bias) {
                check_shape(*other_bias, "other_bias", {Yv.rows});
                ob = other_bias->data();
            }
            const std::int32_t* pi = R.indices;
            for (index_t e = 0; e < R.nnz(); ++e)
                if (pi[e] < 0 || pi[e] >= Yv.rows)
                    throw py::value_error("column index out of range: " + std::to_string(pi[e]));
            AlsParams p;
            p.reg = reg, p.reg_count = reg_count, p.implicit = implicit, p.augment = augment;
            p.mu = mu, p.cg_steps = cg_steps, p.reg_bias = reg_bias;
            py::gil_scoped_release release;
            als_half_sweep(p, R, Xv, Yv, xb, ob, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("data").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::arg("x_bias").noconvert(), py::arg("other_bias").noconvert(), py::arg("reg"),
        py::arg("reg_count"), py::arg("implicit"), py::arg("augment"), py::arg("mu"),
        py::arg("cg_steps"), py::arg("n_threads"), py::arg("reg_bias") = -1.f,
        "Solve every row of X (in place) against fixed Y: one ALS half-sweep. reg_bias: the "
        "bias coordinate's regularization when augmenting (< 0: reg).");

    m.def(
        "implicit_loss",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& conf, const carray<float>& X, const carray<float>& Y,
           float reg, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Xv = const_matrix(X, "X"), Yv = const_matrix(Y, "Y");
            CsrView R = csr(indptr, indices, conf, Yv.rows);
            if (R.rows != Xv.rows || Xv.cols != Yv.cols)
                throw py::value_error("implicit_loss: shapes of R, X and Y disagree");
            py::gil_scoped_release release;
            return implicit_loss(R, Xv, Yv, reg, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("conf").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::arg("reg"), py::arg("n_threads"),
        "Σ_all c (p − xᵀy)² + reg (‖X‖² + ‖Y‖²) over all user-item pairs (c = 1 unobserved).");

    m.def(
        "gram",
        [](const carray<float>& Y, int n_threads) {
            MatrixView Yv = const_matrix(Y, "Y");
            carray<float> G({Yv.cols, Yv.cols});
            float* g = G.mutable_data();
            {
                py::gil_scoped_release release;
                gram(Yv, g, n_threads);
            }
            return G;
        },
        py::arg("Y").noconvert(), py::arg("n_threads"), "YᵀY (thread-count independent).");
}

}  // namespace mfrec::bind
