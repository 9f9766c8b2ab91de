// NMF: multiplicative updates, projected SGD on the block grid, non-negative fold-in
// (cpp/include/mfrec/nmf_mu.hpp, nmf_sgd.hpp, nmf_nnls.hpp).
#include <pybind11/stl.h>

#include <optional>
#include <vector>

#include "bind_util.hpp"
#include "mfrec/nmf_mu.hpp"
#include "mfrec/nmf_nnls.hpp"
#include "mfrec/nmf_sgd.hpp"

namespace mfrec::bind {

namespace {

/// Every column index of R is a row of a matrix with n_rows rows.
void check_columns(const CsrView& R, index_t n_rows, const char* what) {
    for (index_t e = 0; e < R.nnz(); ++e)
        if (R.indices[e] < 0 || R.indices[e] >= n_rows)
            throw py::value_error(std::string(what) + ": column index out of range: " +
                                  std::to_string(R.indices[e]));
}

/// indptr is non-decreasing from 0 (the kernels walk rows by it).
void check_indptr(const CsrView& R, const char* what) {
    if (R.rows > 0 && R.indptr[0] != 0)
        throw py::value_error(std::string(what) + ": indptr must start at 0");
    for (index_t r = 0; r < R.rows; ++r)
        if (R.indptr[r + 1] < R.indptr[r])
            throw py::value_error(std::string(what) + ": indptr must be non-decreasing");
}

}  // namespace

void register_nmf(py::module_& m) {
    ParamStruct<NmfParams>(m, "NmfParams",
                           "NMF's multiplicative updates (see nmf_mu.hpp): penalties per rating, "
                           "bias steps.")
        .field("mu", &NmfParams::mu, "Global mean (biased).")
        .field("reg_p", &NmfParams::reg_p, "λ_p of the user factors (times the row's count).")
        .field("reg_q", &NmfParams::reg_q, "λ_q of the item factors (times the row's count).")
        .field("reg_bu", &NmfParams::reg_bu, "L2 weight of the user biases (per rating).")
        .field("reg_bi", &NmfParams::reg_bi, "L2 weight of the item biases (per rating).")
        .field("lr_bu", &NmfParams::lr_bu, "SGD step of the user biases.")
        .field("lr_bi", &NmfParams::lr_bi, "SGD step of the item biases.")
        .field("biased", &NmfParams::biased, "Predict μ + b_u + b_i + pᵀq (else pᵀq).")
        .field("simultaneous", &NmfParams::simultaneous,
               "Item half-sweep against the user rows (and biases) of the epoch's start "
               "(Surprise's order), else against the updated ones.");

    m.def(
        "nmf_mu_epochs",
        [](const carray<std::int64_t>& u_indptr, const carray<std::int32_t>& u_indices,
           const carray<float>& u_data, const carray<std::int64_t>& i_indptr,
           const carray<std::int32_t>& i_indices, const carray<float>& i_data, carray<float>& P,
           carray<float>& Q, carray<float>& bu, carray<float>& bi, const NmfParams& params,
           index_t n_epochs, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (n_epochs < 0) throw py::value_error("n_epochs must be >= 0");
            MatrixView Pv = matrix(P, "P"), Qv = matrix(Q, "Q");
            if (Pv.cols != Qv.cols) throw py::value_error("P and Q must have the same n_factors");
            const CsrView by_user = csr(u_indptr, u_indices, u_data, Qv.rows);
            const CsrView by_item = csr(i_indptr, i_indices, i_data, Pv.rows);
            if (by_user.rows != Pv.rows || by_item.rows != Qv.rows)
                throw py::value_error("the two CSR matrices must have P.shape[0] and "
                                      "Q.shape[0] rows");
            if (by_user.nnz() != by_item.nnz())
                throw py::value_error("the two CSR matrices must hold the same ratings");
            check_indptr(by_user, "by_user");
            check_indptr(by_item, "by_item");
            check_columns(by_user, Qv.rows, "by_user");
            check_columns(by_item, Pv.rows, "by_item");
            check_shape(bu, "bu", {Pv.rows});
            check_shape(bi, "bi", {Qv.rows});
            float* pbu = out_ptr(bu, "bu");
            float* pbi = out_ptr(bi, "bi");
            std::vector<double> row_sse(static_cast<size_t>(Pv.rows + Qv.rows));
            return epochs_result(n_epochs, [&](double* psse, double* psec) {
                return nmf_mu_epochs(by_user, by_item, Pv, Qv, pbu, pbi, params, n_epochs,
                                     row_sse.data(), psse, psec, n_threads);
            });
        },
        py::arg("u_indptr").noconvert(), py::arg("u_indices").noconvert(),
        py::arg("u_data").noconvert(), py::arg("i_indptr").noconvert(),
        py::arg("i_indices").noconvert(), py::arg("i_data").noconvert(),
        py::arg("P").noconvert(), py::arg("Q").noconvert(), py::arg("bu").noconvert(),
        py::arg("bi").noconvert(), py::kw_only(), py::arg("params"), py::arg("n_epochs"),
        py::arg("n_threads"),
        "Epochs of NMF's multiplicative updates (a user half-sweep, then an item half-sweep) "
        "on the ratings as users x items CSR (u_*) and items x users CSR (i_*); P, Q, bu, bi "
        "updated in place. Stops after an epoch whose loss is not finite. Returns (sum of "
        "squared errors of each epoch's item half-sweep, seconds since the start after each "
        "epoch), one entry per epoch run.");

    m.def(
        "nmf_sgd_epochs",
        [](const carray<std::int32_t>& user, const carray<std::int32_t>& item,
           const carray<float>& rating, const carray<std::int64_t>& block_ptr,
           const carray<std::int32_t>& schedules, const carray<float>& steps, carray<float>& P,
           carray<float>& Q, carray<float>& bu, carray<float>& bi, carray<float>& Gu,
           carray<float>& Gi, const SgdParams& params, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Pv = matrix(P, "P"), Qv = matrix(Q, "Q");
            if (Pv.cols != Qv.cols) throw py::value_error("P and Q must have the same n_factors");
            const SgdBlocks blocks = checked_blocks(user, item, rating, block_ptr, Pv.rows, Qv.rows);
            const index_t B = blocks.n_bins;
            check_shape(bu, "bu", {Pv.rows});
            check_shape(bi, "bi", {Qv.rows});
            check_shape(Gu, "Gu", {params.adagrad ? Pv.rows : -1});
            check_shape(Gi, "Gi", {params.adagrad ? Qv.rows : -1});
            if (params.n_factors < 0 || params.n_factors > Pv.cols)
                throw py::value_error("n_factors must be in [0, P.shape[1]]");
            const index_t n_epochs = checked_schedules(schedules, B);
            check_shape(steps, "steps", {n_epochs, 4});
            float* pbu = out_ptr(bu, "bu");
            float* pbi = out_ptr(bi, "bi");
            float* pGu = out_ptr(Gu, "Gu");
            float* pGi = out_ptr(Gi, "Gi");
            std::vector<double> block_sse(static_cast<size_t>(B * B));
            std::vector<float> norms(params.adagrad ? static_cast<size_t>(Pv.rows + Qv.rows) : 0);
            return epochs_result(n_epochs, [&](double* psse, double* psec) {
                return nmf_sgd_epochs(blocks, schedules.data(), n_epochs, steps.data(), Pv, Qv, pbu,
                                      pbi, pGu, pGi, norms.data(), params, block_sse.data(), psse,
                                      psec, n_threads);
            });
        },
        py::arg("user").noconvert(), py::arg("item").noconvert(), py::arg("rating").noconvert(),
        py::arg("block_ptr").noconvert(), py::arg("schedules").noconvert(),
        py::arg("steps").noconvert(), py::arg("P").noconvert(), py::arg("Q").noconvert(),
        py::arg("bu").noconvert(), py::arg("bi").noconvert(), py::arg("Gu").noconvert(),
        py::arg("Gi").noconvert(), py::kw_only(), py::arg("params"), py::arg("n_threads"),
        "Projected SGD epochs of NMF on the block grid (sgd_epochs' arguments: FunkSVD's "
        "update, then p, q clamped at 0). Returns (sum of squared errors per epoch, seconds "
        "since the start after each epoch), one entry per epoch run.");

    m.def(
        "nonneg_ridge_rows",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, carray<float>& X, const carray<float>& Y,
           const AlsParams& params, std::optional<carray<float>> x_bias,
           std::optional<carray<float>> other_bias, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (params.implicit) throw py::value_error("nonneg_ridge_rows solves explicit rows");
            MatrixView Xv = matrix(X, "X");
            MatrixView Yv = const_matrix(Y, "Y");
            const CsrView R = csr(indptr, indices, data, Yv.rows);
            if (R.rows != Xv.rows)
                throw py::value_error("R has " + std::to_string(R.rows) + " rows, X " +
                                      std::to_string(Xv.rows));
            if (Xv.cols != Yv.cols) throw py::value_error("X and Y differ in n_factors");
            check_indptr(R, "R");
            check_columns(R, Yv.rows, "R");
            float* xb = nullptr;
            const float* ob = nullptr;
            if (params.augment) {
                if (!x_bias || !other_bias)
                    throw py::value_error("augment needs x_bias and other_bias");
                check_shape(*x_bias, "x_bias", {Xv.rows});
                check_shape(*other_bias, "other_bias", {Yv.rows});
                xb = out_ptr(*x_bias, "x_bias");
                ob = other_bias->data();
            }
            py::gil_scoped_release release;  // raw pointers only below
            nonneg_ridge_rows(params, R, Xv, Yv, xb, ob, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("data").noconvert(), py::arg("X").noconvert(), py::arg("Y").noconvert(),
        py::kw_only(), py::arg("params"), py::arg("x_bias").noconvert() = py::none(),
        py::arg("other_bias").noconvert() = py::none(), py::arg("n_threads"),
        "Solve every row of X (in place) against fixed Y: the explicit ALS row objective "
        "(params as in als_half_sweep) with the factors constrained to be >= 0 (the bias "
        "free), exactly, by Lawson & Hanson's active-set method. Rows without entries get 0.");
}

}  // namespace mfrec::bind
