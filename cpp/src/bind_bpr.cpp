// BPR: its sampler's alias table, its epochs and its fold-in (cpp/include/mfrec/bpr.hpp).
#include "bind_util.hpp"
#include "mfrec/bpr.hpp"

#include <cmath>
#include <string>

namespace mfrec::bind {

namespace {

/// The sampler of n_items items from its two arrays.
BprSampler sampler(const carray<std::uint32_t>& thr, const carray<std::int32_t>& alias,
                   index_t n_items) {
    check_shape(thr, "neg_thr", {n_items});
    check_shape(alias, "neg_alias", {n_items});
    const std::int32_t* a = alias.data();
    for (index_t i = 0; i < n_items; ++i)
        if (a[i] < 0 || a[i] >= n_items)
            throw py::value_error("neg_alias: entries must be item indices in [0, n_items)");
    return BprSampler{thr.data(), a, n_items};
}

/// Every entry of a CSR pattern an item index: the kernels index Q with them.
void check_items(const CsrView& R, index_t n_items) {
    for (index_t e = 0; e < R.nnz(); ++e)
        if (R.indices[e] < 0 || R.indices[e] >= n_items)
            throw py::value_error("item index out of range: " + std::to_string(R.indices[e]));
}

void check_params(const BprParams& s, index_t row_len) {
    if (s.n_factors < 0 || s.n_factors > row_len)
        throw py::value_error("n_factors must be in [0, row length]");
    if (!(std::isfinite(s.lr) && s.lr > 0))
        throw py::value_error("lr must be positive and finite");
    if (!(s.reg_user >= 0 && s.reg_item >= 0 && s.reg_bias >= 0))
        throw py::value_error("the regularization weights must be >= 0");
}

}  // namespace

void register_bpr(py::module_& m) {
    ParamStruct<BprParams>(m, "BprParams", "BPR's SGD step and sampling (see bpr.hpp).")
        .field("lr", &BprParams::lr, "Step η.")
        .field("reg_user", &BprParams::reg_user, "L2 weight of the user factors.")
        .field("reg_item", &BprParams::reg_item, "L2 weight of the item factors.")
        .field("reg_bias", &BprParams::reg_bias, "L2 weight of the item biases.")
        .field("adagrad", &BprParams::adagrad, "Per-row AdaGrad steps η/√G.")
        .field("verify", &BprParams::verify,
               "Skip a triple whose negative is one of the user's positives (binary search in "
               "the sorted row); off: skip only a negative equal to the positive.")
        .field("n_factors", &BprParams::n_factors,
               "k without the rows' zero padding (0: the row length).")
        .field("seed", &BprParams::seed, "Seed of the counter-based random streams.");


    m.def(
        "bpr_alias_table",
        [](const carray<double>& weights, carray<std::uint32_t>& thr,
           carray<std::int32_t>& alias) {
            check_shape(weights, "weights", {-1});
            const index_t n = weights.shape(0);
            check_shape(thr, "thr", {n});
            check_shape(alias, "alias", {n});
            const double* w = weights.data();
            double total = 0.0;
            for (index_t i = 0; i < n; ++i) {
                if (!(std::isfinite(w[i]) && w[i] >= 0))
                    throw py::value_error("weights must be finite and >= 0");
                total += w[i];
            }
            if (!(total > 0)) throw py::value_error("weights must have a positive sum");
            auto* t = out_ptr(thr, "thr");
            auto* a = out_ptr(alias, "alias");
            py::gil_scoped_release release;  // raw pointers only below
            bpr_alias_table(w, n, t, a);
        },
        py::arg("weights").noconvert(), py::arg("thr").noconvert(), py::arg("alias").noconvert(),
        "Walker's alias table of the distribution proportional to `weights` (n,): thr (uint32) "
        "and alias (int32), n each: a 32-bit draw r picks column c = floor(r*n / 2**32) and "
        "the item c when the low 32 bits of r*n are < thr[c], else alias[c].");

    m.def(
        "bpr_epochs",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           carray<float>& P_, carray<float>& Q_, carray<float>& bias_, carray<float>& Gu_,
           carray<float>& Gi_, const carray<std::uint32_t>& neg_thr,
           const carray<std::int32_t>& neg_alias, const BprParams& params, index_t first_epoch,
           index_t n_epochs, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (first_epoch < 0 || n_epochs < 0)
                throw py::value_error("first_epoch and n_epochs must be >= 0");
            MatrixView P = matrix(P_, "P"), Q = matrix(Q_, "Q");
            if (P.cols != Q.cols) throw py::value_error("P and Q must have the same row length");
            check_params(params, P.cols);
            if (indptr.ndim() != 1 || indptr.shape(0) != P.rows + 1)
                throw py::value_error("indptr: expected P.shape[0] + 1 offsets");
            const index_t nnz = indptr.data()[P.rows];
            check_shape(indices, "indices", {nnz});
            const CsrView X{indptr.data(), indices.data(), nullptr, P.rows, Q.rows};
            check_items(X, Q.rows);
            check_shape(bias_, "bias", {Q.rows});
            check_shape(Gu_, "Gu", {params.adagrad ? P.rows : -1});
            check_shape(Gi_, "Gi", {params.adagrad ? Q.rows : -1});
            const BprSampler neg = sampler(neg_thr, neg_alias, Q.rows);
            float* bias = out_ptr(bias_, "bias");
            float* Gu = out_ptr(Gu_, "Gu");
            float* Gi = out_ptr(Gi_, "Gi");
            carray<double> loss(n_epochs), seconds(n_epochs);
            carray<std::int64_t> done(n_epochs);
            double* pl = loss.mutable_data();
            double* ps = seconds.mutable_data();
            std::int64_t* pd = done.mutable_data();
            index_t ran = 0;
            {
                py::gil_scoped_release release;  // raw pointers only below
                ran = bpr_epochs(X, P, Q, bias, Gu, Gi, neg, params, first_epoch, n_epochs, pl,
                                 pd, ps, n_threads);
            }
            loss.resize({ran});
            done.resize({ran});
            seconds.resize({ran});
            return py::make_tuple(loss, done, seconds);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("P").noconvert(),
        py::arg("Q").noconvert(), py::arg("bias").noconvert(), py::arg("Gu").noconvert(),
        py::arg("Gi").noconvert(), py::arg("neg_thr").noconvert(),
        py::arg("neg_alias").noconvert(), py::kw_only(), py::arg("params"),
        py::arg("first_epoch"), py::arg("n_epochs"), py::arg("n_threads"),
        "BPR epochs first_epoch .. first_epoch + n_epochs - 1 over the positives (users x items "
        "CSR pattern, sorted rows), updating P, Q, bias (and Gu, Gi with AdaGrad) in place; "
        "stops after an epoch whose loss is not finite. Returns (sum of -ln sigma(x) per "
        "epoch, triples updated per epoch, seconds since the start after each epoch).");

    m.def(
        "bpr_fold_in",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           carray<float>& P_, const carray<float>& Q_, const carray<float>& bias_,
           const carray<std::uint32_t>& neg_thr, const carray<std::int32_t>& neg_alias,
           const BprParams& params, index_t n_passes, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (n_passes < 0) throw py::value_error("n_passes must be >= 0");
            MatrixView P = matrix(P_, "P");
            const MatrixView Q = const_matrix(Q_, "Q");
            if (P.cols != Q.cols) throw py::value_error("P and Q must have the same row length");
            check_params(params, P.cols);
            const CsrView R = csr_pattern(indptr, indices);
            if (R.rows != P.rows) throw py::value_error("indptr: expected P.shape[0] + 1 offsets");
            check_items(R, Q.rows);
            check_shape(bias_, "bias", {Q.rows});
            const BprSampler neg = sampler(neg_thr, neg_alias, Q.rows);
            py::gil_scoped_release release;  // raw pointers only below
            bpr_fold_in(R, P, Q, bias_.data(), neg, params, n_passes, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("P").noconvert(),
        py::arg("Q").noconvert(), py::arg("bias").noconvert(), py::arg("neg_thr").noconvert(),
        py::arg("neg_alias").noconvert(), py::kw_only(), py::arg("params"), py::arg("n_passes"),
        py::arg("n_threads"),
        "Fold-in: new users' factors P (rows x k, the start values, updated in place) from their "
        "positives (CSR pattern over the items, sorted rows) by n_passes visits of BPR's SGD with "
        "the items Q, bias fixed. A row's result depends on its own items only.");
}

}  // namespace mfrec::bind
