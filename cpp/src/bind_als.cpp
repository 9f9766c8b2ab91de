// ALS row solver, YᵀY and the implicit loss (cpp/include/mfrec/als.hpp, linalg.hpp).
#include <pybind11/stl.h>

#include <optional>

#include "bind_util.hpp"
#include "mfrec/als.hpp"
#include "mfrec/linalg.hpp"

namespace mfrec::bind {

namespace {

/// G (k × k) from Python: required for implicit rows, optional otherwise.
const float* gram_ptr(const std::optional<carray<float>>& gram, index_t k, bool required) {
    if (!gram) {
        if (required) throw py::value_error("implicit rows need gram = YᵀY (k × k)");
        return nullptr;
    }
    check_shape(*gram, "gram", {k, k});
    return gram->data();
}

}  // namespace

void register_als(py::module_& m) {
    ParamStruct<AlsParams>(m, "AlsParams",
                           "What an ALS half-sweep solves per row (see als.hpp).")
        .field("reg", &AlsParams::reg, "L2 weight λ of the factors.")
        .field("reg_count", &AlsParams::reg_count, "λ_u = reg · n_u (ALS-WR) instead of reg.")
        .field("implicit", &AlsParams::implicit,
               "Values are confidences c: w = c − 1, t = c, and gram = YᵀY is added.")
        .field("augment", &AlsParams::augment,
               "Explicit rows with biases: z = [y, 1], solve [x, b].")
        .field("mu", &AlsParams::mu, "Explicit: the global mean subtracted from the ratings.")
        .field("cg_steps", &AlsParams::cg_steps, "Conjugate-gradient steps; 0 = Cholesky.")
        .field("reg_bias", &AlsParams::reg_bias,
               "With augment: λ of the bias coordinate (< 0: the same as reg).");

    m.def(
        "als_half_sweep",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, carray<float>& X, const carray<float>& Y,
           const AlsParams& params, std::optional<carray<float>> gram,
           std::optional<carray<float>> x_bias, std::optional<carray<float>> other_bias,
           std::optional<carray<double>> row_loss, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (params.cg_steps < 0) throw py::value_error("cg_steps must be >= 0 (0 = Cholesky)");
            MatrixView Xv = matrix(X, "X");
            MatrixView Yv = const_matrix(Y, "Y");
            CsrView R = csr(indptr, indices, data, Yv.rows);
            if (R.rows != Xv.rows)
                throw py::value_error("R has " + std::to_string(R.rows) + " rows, X " +
                                      std::to_string(Xv.rows));
            if (Xv.cols != Yv.cols) throw py::value_error("X and Y differ in n_factors");
            const float* G = gram_ptr(gram, Yv.cols, params.implicit);
            float* xb = nullptr;
            const float* ob = nullptr;
            if (params.augment) {
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
            double* loss = nullptr;
            if (row_loss) {
                check_shape(*row_loss, "row_loss", {Xv.rows});
                loss = out_ptr(*row_loss, "row_loss");
            }
            check_indices(R.indices, R.nnz(), Yv.rows, "column");
            py::gil_scoped_release release;  // raw pointers only below
            als_half_sweep(params, R, Xv, Yv, xb, ob, G, n_threads, loss);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("data").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::kw_only(), py::arg("params"), py::arg("gram").noconvert() = py::none(),
        py::arg("x_bias").noconvert() = py::none(),
        py::arg("other_bias").noconvert() = py::none(),
        py::arg("row_loss").noconvert() = py::none(), py::arg("n_threads"),
        "Solve every row of X (in place) against fixed Y: one ALS half-sweep over the CSR rows "
        "(indptr, indices, data). gram: YᵀY, required for implicit rows. row_loss (float64, "
        "one per row): each row's part of the objective at its solution; their sum plus the "
        "fixed side's penalty reg·‖Y‖² is the whole objective (see als.hpp).");

    m.def(
        "implicit_loss",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& conf, const carray<float>& X, const carray<float>& Y,
           const carray<float>& gram, float reg, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Xv = const_matrix(X, "X"), Yv = const_matrix(Y, "Y");
            CsrView R = csr(indptr, indices, conf, Yv.rows);
            if (R.rows != Xv.rows || Xv.cols != Yv.cols)
                throw py::value_error("implicit_loss: shapes of R, X and Y disagree");
            const float* G = gram_ptr(gram, Yv.cols, true);
            py::gil_scoped_release release;  // raw pointers only below
            return implicit_loss(R, Xv, Yv, G, reg, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("conf").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::kw_only(), py::arg("gram").noconvert(), py::arg("reg"), py::arg("n_threads"),
        "Σ_all c (p − xᵀy)² + reg (‖X‖² + ‖Y‖²) over all user-item pairs (c = 1 unobserved); "
        "gram = YᵀY.");

    m.def(
        "gram",
        [](const carray<float>& Y, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Yv = const_matrix(Y, "Y");
            carray<float> G({Yv.cols, Yv.cols});
            float* g = G.mutable_data();
            {
                py::gil_scoped_release release;  // raw pointers only below
                linalg::gram(Yv, g, n_threads);
            }
            return G;
        },
        py::arg("Y").noconvert(), py::kw_only(), py::arg("n_threads"),
        "YᵀY (thread-count independent).");

    m.def(
        "gram_parts",
        [](const carray<float>& Y, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Yv = const_matrix(Y, "Y");
            carray<float> parts({linalg::gram_chunks(Yv.rows), Yv.cols, Yv.cols});
            float* p = parts.mutable_data();
            {
                py::gil_scoped_release release;  // raw pointers only below
                linalg::gram_parts(Yv, p, n_threads);
            }
            return parts;
        },
        py::arg("Y").noconvert(), py::kw_only(), py::arg("n_threads"),
        "YᵀY's per-chunk parts, shape (chunks, k, k), float32: chunk c sums the rows "
        "2048·c … 2048·(c+1) − 1. gram() adds them in chunk order in float64 and casts to "
        "float32, so row blocks starting at multiples of 2048 whose parts are added so, block "
        "after block, give gram()'s bits.");
}

}  // namespace mfrec::bind
