// Scores of (user, item) pairs for dot-product models (cpp/include/mfrec/predict.hpp).
#include <pybind11/stl.h>

#include <optional>

#include "bind_util.hpp"
#include "mfrec/predict.hpp"

namespace mfrec::bind {

void register_predict(py::module_& m) {
    ParamStruct<PredictParams>(m, "PredictParams",
                               "score = offset + b_u + b_i + xᵀy, or fallback (see predict.hpp).")
        .field("offset", &PredictParams::offset, "Added to every score (μ for biased models).")
        .field("use_fallback", &PredictParams::use_fallback,
               "A pair with a side without data scores `fallback`.")
        .field("fallback", &PredictParams::fallback, "That score (unbiased rating models: μ).")
        .field("clip", &PredictParams::clip, "Clip to [lo, hi].")
        .field("lo", &PredictParams::lo, "Lower end of the rating scale.")
        .field("hi", &PredictParams::hi, "Upper end of the rating scale.");

    m.def(
        "predict_pairs",
        [](const carray<std::int64_t>& users, const carray<std::int64_t>& items,
           const carray<float>& X, const carray<float>& Y, carray<float>& out,
           std::optional<carray<float>> user_bias, std::optional<carray<float>> item_bias,
           const PredictParams& params, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            check_shape(users, "users", {-1});
            const index_t n = users.shape(0);
            check_shape(items, "items", {n});
            check_shape(out, "out", {n});
            MatrixView Xv = const_matrix(X, "X"), Yv = const_matrix(Y, "Y");
            if (Xv.cols != Yv.cols) throw py::value_error("X and Y must have the same n_factors");
            if (user_bias) check_shape(*user_bias, "user_bias", {Xv.rows});
            if (item_bias) check_shape(*item_bias, "item_bias", {Yv.rows});
            // Indices must be in range: −1 (no data) or a row of X / Y.
            const std::int64_t* pu = users.data();
            const std::int64_t* pi = items.data();
            for (index_t j = 0; j < n; ++j) {
                if (pu[j] < -1 || pu[j] >= Xv.rows)
                    throw py::value_error("user index out of range: " + std::to_string(pu[j]));
                if (pi[j] < -1 || pi[j] >= Yv.rows)
                    throw py::value_error("item index out of range: " + std::to_string(pi[j]));
            }
            float* po = out_ptr(out, "out");
            const float* pbu = user_bias ? user_bias->data() : nullptr;
            const float* pbi = item_bias ? item_bias->data() : nullptr;
            py::gil_scoped_release release;  // raw pointers only below
            predict_pairs(pu, pi, n, Xv, Yv, pbu, pbi, params, po, n_threads);
        },
        py::arg("users").noconvert(), py::arg("items").noconvert(), py::arg("X").noconvert(),
        py::arg("Y").noconvert(), py::arg("out").noconvert(), py::kw_only(),
        py::arg("user_bias").noconvert() = py::none(),
        py::arg("item_bias").noconvert() = py::none(), py::arg("params"), py::arg("n_threads"),
        "Scores of (user, item) index pairs into out; -1 marks a user/item without data.");
}

}  // namespace mfrec::bind
