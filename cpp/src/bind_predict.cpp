#include "bind_util.hpp"
#include "mfrec/predict.hpp"

namespace mfrec::bind {

void register_predict(py::module_& m) {
    m.def(
        "predict_pairs",
        [](const carray<std::int64_t>& users, const carray<std::int64_t>& items,
           const carray<float>& P, const carray<float>& Q, const carray<float>& bu,
           const carray<float>& bi, float mu,
           bool biased, bool clip, float lo, float hi, carray<float>& out, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            check_shape(users, "users", {-1});
            const index_t n = users.shape(0);
            check_shape(items, "items", {n});
            check_shape(out, "out", {n});
            MatrixView Pv = const_matrix(P, "P"), Qv = const_matrix(Q, "Q");
            if (Pv.cols != Qv.cols) throw py::value_error("P and Q must have the same n_factors");
            if (biased) {
                check_shape(bu, "bu", {Pv.rows});
                check_shape(bi, "bi", {Qv.rows});
            }
            // Indices must be in range: −1 (no data) or a row of P / Q.
            const std::int64_t* pu = users.data();
            const std::int64_t* pi = items.data();
            for (index_t j = 0; j < n; ++j) {
                if (pu[j] < -1 || pu[j] >= Pv.rows)
                    throw py::value_error("user index out of range: " + std::to_string(pu[j]));
                if (pi[j] < -1 || pi[j] >= Qv.rows)
                    throw py::value_error("item index out of range: " + std::to_string(pi[j]));
            }
            PredictParams s;
            s.mu = mu, s.biased = biased, s.clip = clip, s.lo = lo, s.hi = hi;
            float* po = out_ptr(out, "out");
            const float* pbu = bu.data();
            const float* pbi = bi.data();
            py::gil_scoped_release release;  // raw pointers only below
            predict_pairs(pu, pi, n, Pv, Qv, pbu, pbi, s, po, n_threads);
        },
        py::arg("users").noconvert(), py::arg("items").noconvert(), py::arg("P").noconvert(),
        py::arg("Q").noconvert(), py::arg("bu").noconvert(), py::arg("bi").noconvert(),
        py::arg("mu"), py::arg("biased"), py::arg("clip"), py::arg("lo"), py::arg("hi"),
        py::arg("out").noconvert(), py::arg("n_threads"),
        "Predict ratings for (user, item) index pairs; -1 marks a user/item without data.");
}

}  // namespace mfrec::bind
