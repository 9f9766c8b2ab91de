// Bias baselines μ + b_u + b_i (cpp/include/mfrec/baseline.hpp).
#include "bind_util.hpp"
#include "mfrec/baseline.hpp"

namespace mfrec::bind {

void register_baseline(py::module_& m) {
    m.def(
        "baseline_als_sweep",
        [](const carray<std::int64_t>& u_indptr, const carray<std::int32_t>& u_indices,
           const carray<float>& u_data, const carray<std::int64_t>& i_indptr,
           const carray<std::int32_t>& i_indices, const carray<float>& i_data,
           carray<float>& bu, carray<float>& bi, float mu, float reg_user, float reg_item,
           int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const index_t n_users = u_indptr.shape(0) - 1, n_items = i_indptr.shape(0) - 1;
            const CsrView by_user = csr(u_indptr, u_indices, u_data, n_items);
            const CsrView by_item = csr(i_indptr, i_indices, i_data, n_users);
            if (by_user.nnz() != by_item.nnz())
                throw py::value_error("by_user and by_item must hold the same ratings");
            check_shape(bu, "bu", {n_users});
            check_shape(bi, "bi", {n_items});
            float* pbu = out_ptr(bu, "bu");
            float* pbi = out_ptr(bi, "bi");
            py::gil_scoped_release release;  // raw pointers only below
            return baseline_als_sweep(by_user, by_item, mu, reg_user, reg_item, pbu, pbi,
                                      n_threads);
        },
        py::arg("u_indptr").noconvert(), py::arg("u_indices").noconvert(),
        py::arg("u_data").noconvert(), py::arg("i_indptr").noconvert(),
        py::arg("i_indices").noconvert(), py::arg("i_data").noconvert(),
        py::arg("bu").noconvert(), py::arg("bi").noconvert(), py::kw_only(), py::arg("mu"),
        py::arg("reg_user"), py::arg("reg_item"), py::arg("n_threads"),
        "One alternating sweep of exact bias solves (items, then users); returns the training "
        "SSE.");
}

}  // namespace mfrec::bind
