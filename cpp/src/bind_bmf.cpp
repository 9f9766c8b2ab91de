// Bayesian MF: the Gibbs half-sweep and the moments of stacked samples (cpp/include/mfrec/bmf.hpp).
#include <pybind11/stl.h>

#include <optional>

#include "bind_util.hpp"
#include "mfrec/bmf.hpp"

namespace mfrec::bind {

void register_bmf(py::module_& m) {
    ParamStruct<GibbsParams>(m, "GibbsParams",
                             "What a Gibbs half-sweep draws (see bmf.hpp).")
        .field("alpha", &GibbsParams::alpha, "Noise precision α of the ratings.")
        .field("mu", &GibbsParams::mu, "Global mean subtracted from every rating.")
        .field("biased", &GibbsParams::biased,
               "Rows are [factors, bias]; the fixed side's bias is its last column.")
        .field("seed", &GibbsParams::seed, "The chain's seed.")
        .field("sweep", &GibbsParams::sweep, "The sweep (part of every row's stream key).")
        .field("side", &GibbsParams::side, "The side (part of every row's stream key).");

    m.def(
        "gibbs_half_sweep",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, carray<float>& X, const carray<float>& Y,
           const GibbsParams& params, const carray<float>& prec,
           const carray<float>& prec_mean, std::optional<carray<double>> stats_sum,
           std::optional<carray<double>> stats_scatter, std::optional<carray<double>> row_sse,
           int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Xv = matrix(X, "X");
            MatrixView Yv = const_matrix(Y, "Y");
            CsrView R = csr(indptr, indices, data, Yv.rows);
            if (R.rows != Xv.rows)
                throw py::value_error("R has " + std::to_string(R.rows) + " rows, X " +
                                      std::to_string(Xv.rows));
            if (Xv.cols != Yv.cols) throw py::value_error("X and Y differ in width");
            const index_t d = Xv.cols;
            if (d < (params.biased ? 2 : 1))
                throw py::value_error("X must have n_factors (+ 1 when biased) columns");
            check_shape(prec, "prec", {d, d});
            check_shape(prec_mean, "prec_mean", {d});
            if (stats_sum.has_value() != stats_scatter.has_value())
                throw py::value_error("stats_sum and stats_scatter go together");
            double* ss = nullptr;
            double* sc = nullptr;
            if (stats_sum) {
                check_shape(*stats_sum, "stats_sum", {d});
                check_shape(*stats_scatter, "stats_scatter", {d, d});
                ss = out_ptr(*stats_sum, "stats_sum");
                sc = out_ptr(*stats_scatter, "stats_scatter");
            }
            double* sse = nullptr;
            if (row_sse) {
                check_shape(*row_sse, "row_sse", {Xv.rows});
                sse = out_ptr(*row_sse, "row_sse");
            }
            check_indices(R.indices, R.nnz(), Yv.rows, "column");
            const float* P = prec.data();
            const float* Pm = prec_mean.data();
            py::gil_scoped_release release;  // raw pointers only below
            return gibbs_half_sweep(params, R, Xv, Yv, P, Pm, ss, sc, sse, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("data").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::kw_only(), py::arg("params"), py::arg("prec").noconvert(),
        py::arg("prec_mean").noconvert(), py::arg("stats_sum").noconvert() = py::none(),
        py::arg("stats_scatter").noconvert() = py::none(),
        py::arg("row_sse").noconvert() = py::none(), py::arg("n_threads"),
        "Draw every row of X (in place) with data from its Gaussian conditional given the fixed "
        "Y and the prior N(prec⁻¹ prec_mean, prec⁻¹): one Gibbs half-sweep over the CSR rows. "
        "stats_sum / stats_scatter (float64): Σ x and the lower triangle of Σ x xᵀ over the "
        "rows with data; row_sse: each row's squared residuals. Returns the number of rows "
        "whose precision was not positive definite (set to zero).");

    m.def(
        "stacked_moments",
        [](const carray<std::int64_t>& users, const carray<std::int64_t>& items,
           const carray<float>& U, const carray<float>& V, carray<float>& mean,
           carray<float>& var, index_t width, bool block, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Uv = const_matrix(U, "U"), Vv = const_matrix(V, "V");
            if (Uv.cols != Vv.cols) throw py::value_error("U and V differ in width");
            if (width < 1 || Uv.cols % width != 0)
                throw py::value_error("width must divide U.shape[1]");
            check_shape(users, "users", {-1});
            check_shape(items, "items", {-1});
            const index_t nu = users.shape(0), ni = items.shape(0);
            if (!block && ni != nu) throw py::value_error("users and items differ in length");
            const index_t n = block ? nu * ni : nu;
            if (mean.size() != n || var.size() != n)
                throw py::value_error("mean and var must hold one value per pair");
            const std::int64_t* pu = users.data();
            const std::int64_t* pi = items.data();
            for (index_t j = 0; j < nu; ++j)
                if (pu[j] < -1 || pu[j] >= Uv.rows)
                    throw py::value_error("user index out of range: " + std::to_string(pu[j]));
            for (index_t j = 0; j < ni; ++j)
                if (pi[j] < -1 || pi[j] >= Vv.rows)
                    throw py::value_error("item index out of range: " + std::to_string(pi[j]));
            float* pm = out_ptr(mean, "mean");
            float* pv = out_ptr(var, "var");
            py::gil_scoped_release release;  // raw pointers only below
            stacked_moments(pu, pi, nu, ni, block, Uv, Vv, width, pm, pv, n_threads);
        },
        py::arg("users").noconvert(), py::arg("items").noconvert(), py::arg("U").noconvert(),
        py::arg("V").noconvert(), py::arg("mean").noconvert(), py::arg("var").noconvert(),
        py::kw_only(), py::arg("width"), py::arg("block") = false, py::arg("n_threads"),
        "Moments over S stacked samples of (users[j], items[j]) (block: every pair): "
        "mean = Σ_s a_s, var = S Σ_s a_s² − (Σ_s a_s)², a_s the dot product of the s-th blocks "
        "of `width` floats; −1: NaN.");
}

}  // namespace mfrec::bind
