// Neighbourhood models: similarity rows and estimates (cpp/include/mfrec/knn_similarity.hpp,
// knn_predict.hpp).
#include "bind_util.hpp"
#include <optional>

#include <pybind11/stl.h>

#include "mfrec/knn_predict.hpp"
#include "mfrec/knn_similarity.hpp"

namespace mfrec::bind {

namespace {

/// A numpy array that owns a std::vector's buffer (no copy).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
    auto* heap = new std::vector<T>(std::move(v));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>({static_cast<py::ssize_t>(heap->size())}, heap->data(), owner);
}

/// Checks the similarity rows: n_x × n_x CSR with indices in range.
CsrView sim_view(const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
                 const carray<float>& values) {
    const index_t n_x = indptr.shape(0) - 1;
    CsrView v = csr(indptr, indices, values, n_x);
    check_indices(v.indices, v.nnz(), n_x, "similarity");
    return v;
}

void check_pairs(const carray<std::int64_t>& ids, index_t bound, const char* what) {
    const std::int64_t* p = ids.data();
    for (py::ssize_t j = 0; j < ids.shape(0); ++j)
        if (p[j] < -1 || p[j] >= bound)
            throw py::value_error(std::string(what) + " index out of range: " +
                                  std::to_string(p[j]) + " (valid: -1.." +
                                  std::to_string(bound - 1) + ")");
}

}  // namespace

void register_knn(py::module_& m) {
    ParamStruct<KnnSimParams>(m, "KnnSimParams", "Similarity options (see knn_similarity.hpp).")
        .field("kind", &KnnSimParams::kind,
               "0 cosine, 1 msd, 2 pearson, 3 pearson_baseline, 4 dot (self kept).")
        .field("min_support", &KnnSimParams::min_support,
               "Pairs with fewer common ratings get similarity 0.")
        .field("shrinkage", &KnnSimParams::shrinkage, "pearson_baseline's shrinkage.")
        .field("max_neighbors", &KnnSimParams::max_neighbors,
               "Keep the largest this many per row (0: every positive one).");
    ParamStruct<KnnPredictParams>(m, "KnnPredictParams", "Estimate options (see knn_predict.hpp).")
        .field("mode", &KnnPredictParams::mode, "0 basic, 1 means, 2 baseline.")
        .field("k", &KnnPredictParams::k, "Neighbours aggregated at most.")
        .field("min_k", &KnnPredictParams::min_k, "Neighbours needed for the neighbour term.")
        .field("mu", &KnnPredictParams::mu, "The global mean.");

    m.def(
        "knn_similarity",
        [](const carray<std::int64_t>& x_indptr, const carray<std::int32_t>& x_indices,
           const carray<float>& x_data, const carray<std::int64_t>& y_indptr,
           const carray<std::int32_t>& y_indices, const carray<float>& y_data,
           const KnnSimParams& params, const std::optional<carray<std::int64_t>>& rows,
           int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (params.kind < 0 || params.kind > 4) throw py::value_error("unknown similarity kind");
            const index_t n_x = x_indptr.shape(0) - 1, n_y = y_indptr.shape(0) - 1;
            const CsrView by_x = csr(x_indptr, x_indices, x_data, n_y);
            const CsrView by_y = csr(y_indptr, y_indices, y_data, n_x);
            if (by_x.nnz() != by_y.nnz())
                throw py::value_error("by_x and by_y must hold the same ratings");
            check_indices(by_x.indices, by_x.nnz(), n_y, "by_x");
            check_indices(by_y.indices, by_y.nnz(), n_x, "by_y");
            const std::int64_t* prows = nullptr;
            index_t n_rows = 0;
            if (rows) {
                check_shape(*rows, "rows", {-1});
                check_pairs(*rows, n_x, "rows");
                prows = rows->data();
                n_rows = rows->shape(0);
                for (index_t j = 0; j < n_rows; ++j)
                    if (prows[j] < 0) throw py::value_error("rows must be >= 0");
            }
            SimRows out;
            {
                py::gil_scoped_release release;  // raw pointers only below
                out = knn_similarity(by_x, by_y, params, prows, n_rows, n_threads);
            }
            return py::make_tuple(to_numpy(std::move(out.indptr)),
                                  to_numpy(std::move(out.indices)),
                                  to_numpy(std::move(out.values)));
        },
        py::arg("x_indptr").noconvert(), py::arg("x_indices").noconvert(),
        py::arg("x_data").noconvert(), py::arg("y_indptr").noconvert(),
        py::arg("y_indices").noconvert(), py::arg("y_data").noconvert(), py::kw_only(),
        py::arg("params"), py::arg("rows").noconvert() = py::none(), py::arg("n_threads"),
        "The positive similarities between the rows of by_x (x × y), as CSR "
        "(indptr int64, indices int32, values float32), columns sorted; of the rows listed in "
        "`rows` only (one output row each) when given.");

    m.def(
        "knn_predict",
        [](const carray<std::int64_t>& s_indptr, const carray<std::int32_t>& s_indices,
           const carray<float>& s_values, const carray<std::int64_t>& y_indptr,
           const carray<std::int32_t>& y_indices, const carray<float>& y_data,
           const carray<float>& x_base, const carray<float>& y_base,
           const carray<std::int64_t>& xs, const carray<std::int64_t>& ys,
           const carray<std::int64_t>& order, carray<float>& est, carray<std::int32_t>& actual_k,
           carray<std::uint8_t>& possible, const KnnPredictParams& params, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const CsrView sim = sim_view(s_indptr, s_indices, s_values);
            const index_t n_x = sim.rows, n_y = y_indptr.shape(0) - 1;
            const CsrView by_y = csr(y_indptr, y_indices, y_data, n_x);
            check_indices(by_y.indices, by_y.nnz(), n_x, "by_y");
            check_shape(x_base, "x_base", {n_x});
            check_shape(y_base, "y_base", {n_y});
            const index_t n = xs.shape(0);
            check_shape(xs, "xs", {n});
            check_shape(ys, "ys", {n});
            check_shape(order, "order", {n});
            check_shape(est, "est", {n});
            check_shape(actual_k, "actual_k", {n});
            check_shape(possible, "possible", {n});
            check_pairs(xs, n_x, "xs");
            check_pairs(ys, n_y, "ys");
            for (index_t j = 0; j < n; ++j)
                if (order.data()[j] < 0 || order.data()[j] >= n)
                    throw py::value_error("order must be a permutation of the pairs");
            float* pe = out_ptr(est, "est");
            std::int32_t* pk = out_ptr(actual_k, "actual_k");
            std::uint8_t* pp = out_ptr(possible, "possible");
            py::gil_scoped_release release;  // raw pointers only below
            knn_predict(sim, by_y, x_base.data(), y_base.data(), params, xs.data(), ys.data(),
                        order.data(), n, pe, pk, pp, n_threads);
        },
        py::arg("s_indptr").noconvert(), py::arg("s_indices").noconvert(),
        py::arg("s_values").noconvert(), py::arg("y_indptr").noconvert(),
        py::arg("y_indices").noconvert(), py::arg("y_data").noconvert(),
        py::arg("x_base").noconvert(), py::arg("y_base").noconvert(), py::arg("xs").noconvert(),
        py::arg("ys").noconvert(), py::arg("order").noconvert(), py::arg("est").noconvert(),
        py::arg("actual_k").noconvert(), py::arg("possible").noconvert(), py::kw_only(),
        py::arg("params"), py::arg("n_threads"),
        "Neighbourhood estimates of the pairs (xs[j], ys[j]) (−1: unknown), visited in `order` "
        "(grouped by x); writes est, actual_k (neighbours used) and possible.");

    m.def(
        "knn_predict_computed",
        [](const carray<std::int64_t>& x_indptr, const carray<std::int32_t>& x_indices,
           const carray<float>& x_data, const carray<std::int64_t>& y_indptr,
           const carray<std::int32_t>& y_indices, const carray<float>& y_data,
           const carray<float>& y_ratings, const carray<float>& x_base,
           const carray<float>& y_base, const carray<std::int64_t>& xs,
           const carray<std::int64_t>& ys, const carray<std::int64_t>& order, carray<float>& est,
           carray<std::int32_t>& actual_k, carray<std::uint8_t>& possible,
           const KnnSimParams& sim_params, const KnnPredictParams& params, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (sim_params.kind < 0 || sim_params.kind > 3)
                throw py::value_error("unknown similarity kind");
            const index_t n_x = x_indptr.shape(0) - 1, n_y = y_indptr.shape(0) - 1;
            const CsrView sx = csr(x_indptr, x_indices, x_data, n_y);
            const CsrView sy = csr(y_indptr, y_indices, y_data, n_x);
            if (sx.nnz() != sy.nnz()) throw py::value_error("by_x and by_y must hold the same ratings");
            check_indices(sx.indices, sx.nnz(), n_y, "by_x");
            check_indices(sy.indices, sy.nnz(), n_x, "by_y");
            check_shape(y_ratings, "y_ratings", {sy.nnz()});
            const CsrView by_y{sy.indptr, sy.indices, y_ratings.data(), n_y, n_x};
            check_shape(x_base, "x_base", {n_x});
            check_shape(y_base, "y_base", {n_y});
            const index_t n = xs.shape(0);
            check_shape(xs, "xs", {n});
            check_shape(ys, "ys", {n});
            check_shape(order, "order", {n});
            check_shape(est, "est", {n});
            check_shape(actual_k, "actual_k", {n});
            check_shape(possible, "possible", {n});
            check_pairs(xs, n_x, "xs");
            check_pairs(ys, n_y, "ys");
            for (index_t j = 0; j < n; ++j)
                if (order.data()[j] < 0 || order.data()[j] >= n)
                    throw py::value_error("order must be a permutation of the pairs");
            float* pe = out_ptr(est, "est");
            std::int32_t* pk = out_ptr(actual_k, "actual_k");
            std::uint8_t* pp = out_ptr(possible, "possible");
            py::gil_scoped_release release;  // raw pointers only below
            knn_predict_computed(sx, sy, sim_params, by_y, x_base.data(), y_base.data(), params,
                                 xs.data(), ys.data(), order.data(), n, pe, pk, pp, n_threads);
        },
        py::arg("x_indptr").noconvert(), py::arg("x_indices").noconvert(),
        py::arg("x_data").noconvert(), py::arg("y_indptr").noconvert(),
        py::arg("y_indices").noconvert(), py::arg("y_data").noconvert(),
        py::arg("y_ratings").noconvert(), py::arg("x_base").noconvert(),
        py::arg("y_base").noconvert(), py::arg("xs").noconvert(), py::arg("ys").noconvert(),
        py::arg("order").noconvert(), py::arg("est").noconvert(),
        py::arg("actual_k").noconvert(), py::arg("possible").noconvert(), py::kw_only(),
        py::arg("sim_params"), py::arg("params"), py::arg("n_threads"),
        "knn_predict without stored similarities: each x's similarity row is computed from "
        "by_x/by_y (the similarity's values) when its pairs come up; y_ratings are by_y's "
        "ratings.");

    m.def(
        "knn_predict_grid",
        [](const carray<std::int64_t>& s_indptr, const carray<std::int32_t>& s_indices,
           const carray<float>& s_values, const carray<std::int64_t>& y_indptr,
           const carray<std::int32_t>& y_indices, const carray<float>& y_data,
           const carray<float>& x_base, const carray<float>& y_base,
           const carray<std::int64_t>& xs, const carray<std::int64_t>& ys, carray<float>& out,
           bool x_major, const KnnPredictParams& params, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const CsrView sim = sim_view(s_indptr, s_indices, s_values);
            const index_t n_x = sim.rows, n_y = y_indptr.shape(0) - 1;
            const CsrView by_y = csr(y_indptr, y_indices, y_data, n_x);
            check_indices(by_y.indices, by_y.nnz(), n_x, "by_y");
            check_shape(x_base, "x_base", {n_x});
            check_shape(y_base, "y_base", {n_y});
            check_pairs(xs, n_x, "xs");
            check_pairs(ys, n_y, "ys");
            const index_t a = xs.shape(0), b = ys.shape(0);
            if (x_major)
                check_shape(out, "out", {a, b});
            else
                check_shape(out, "out", {b, a});
            float* po = out_ptr(out, "out");
            py::gil_scoped_release release;  // raw pointers only below
            knn_predict_grid(sim, by_y, x_base.data(), y_base.data(), params, xs.data(), a,
                             ys.data(), b, po, x_major ? b : 1, x_major ? 1 : a, n_threads);
        },
        py::arg("s_indptr").noconvert(), py::arg("s_indices").noconvert(),
        py::arg("s_values").noconvert(), py::arg("y_indptr").noconvert(),
        py::arg("y_indices").noconvert(), py::arg("y_data").noconvert(),
        py::arg("x_base").noconvert(), py::arg("y_base").noconvert(), py::arg("xs").noconvert(),
        py::arg("ys").noconvert(), py::arg("out").noconvert(), py::kw_only(),
        py::arg("x_major"), py::arg("params"), py::arg("n_threads"),
        "Neighbourhood estimates of every (xs[a], ys[b]) into out (a, b) when x_major, else "
        "(b, a); impossible estimates get μ.");
    m.def(
        "knn_dot_scores",
        [](const carray<std::int64_t>& s_indptr, const carray<std::int32_t>& s_indices,
           const carray<float>& s_values, const carray<std::int64_t>& u_indptr,
           const carray<std::int32_t>& u_indices, const carray<float>& u_data,
           const carray<std::int64_t>& users, const carray<std::int32_t>& cand,
           carray<float>& out, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const CsrView sim = sim_view(s_indptr, s_indices, s_values);
            const index_t n_items = sim.rows, n_users = u_indptr.shape(0) - 1;
            const CsrView by_user = csr(u_indptr, u_indices, u_data, n_items);
            check_indices(by_user.indices, by_user.nnz(), n_items, "user_items");
            check_pairs(users, n_users, "users");
            check_indices(cand.data(), cand.shape(0), n_items, "cand");
            check_shape(out, "out", {users.shape(0), cand.shape(0)});
            float* po = out_ptr(out, "out");
            py::gil_scoped_release release;  // raw pointers only below
            knn_dot_scores(sim, by_user, users.data(), users.shape(0), cand.data(),
                           cand.shape(0), po, n_threads);
        },
        py::arg("s_indptr").noconvert(), py::arg("s_indices").noconvert(),
        py::arg("s_values").noconvert(), py::arg("u_indptr").noconvert(),
        py::arg("u_indices").noconvert(), py::arg("u_data").noconvert(),
        py::arg("users").noconvert(), py::arg("cand").noconvert(), py::arg("out").noconvert(),
        py::kw_only(), py::arg("n_threads"),
        "Item-item scores Σ_j r_uj S[j, c] of every (user, candidate) into out (n_users, n_cand).");

    m.def(
        "knn_dot_pairs",
        [](const carray<std::int64_t>& s_indptr, const carray<std::int32_t>& s_indices,
           const carray<float>& s_values, const carray<std::int64_t>& u_indptr,
           const carray<std::int32_t>& u_indices, const carray<float>& u_data,
           const carray<std::int64_t>& u, const carray<std::int64_t>& i, carray<float>& out,
           int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const CsrView sim = sim_view(s_indptr, s_indices, s_values);
            const index_t n_items = sim.rows, n_users = u_indptr.shape(0) - 1;
            const CsrView by_user = csr(u_indptr, u_indices, u_data, n_items);
            check_indices(by_user.indices, by_user.nnz(), n_items, "user_items");
            const index_t n = u.shape(0);
            check_shape(i, "i", {n});
            check_shape(out, "out", {n});
            check_pairs(u, n_users, "u");
            check_pairs(i, n_items, "i");
            float* po = out_ptr(out, "out");
            py::gil_scoped_release release;  // raw pointers only below
            knn_dot_pairs(sim, by_user, u.data(), i.data(), n, po, n_threads);
        },
        py::arg("s_indptr").noconvert(), py::arg("s_indices").noconvert(),
        py::arg("s_values").noconvert(), py::arg("u_indptr").noconvert(),
        py::arg("u_indices").noconvert(), py::arg("u_data").noconvert(), py::arg("u").noconvert(),
        py::arg("i").noconvert(), py::arg("out").noconvert(), py::kw_only(),
        py::arg("n_threads"), "Item-item scores Σ_j r_uj S[j, i] of the pairs (u[q], i[q]).");
}

}  // namespace mfrec::bind
