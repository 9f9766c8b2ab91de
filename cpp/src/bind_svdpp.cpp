// SVD++'s per-user SGD epochs and implicit user terms (cpp/include/mfrec/svdpp.hpp).
#include <optional>
#include <string>
#include <vector>

#include "bind_util.hpp"
#include "mfrec/svdpp.hpp"
#include "mfrec/svdpp_grid.hpp"

namespace mfrec::bind {

namespace {

/// indptr of rows + 1 nondecreasing offsets from 0, indices of its last offset, each in
/// [0, n_cols): the kernels index rows with them.
CsrView checked_pattern(const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
                        index_t n_rows, index_t n_cols, const char* name) {
    check_shape(indptr, (std::string(name) + " indptr").c_str(), {n_rows + 1});
    const std::int64_t* p = indptr.data();
    if (p[0] != 0) throw py::value_error(std::string(name) + ": indptr[0] must be 0");
    for (index_t r = 0; r < n_rows; ++r)
        if (p[r + 1] < p[r]) throw py::value_error(std::string(name) + ": indptr decreases");
    check_shape(indices, (std::string(name) + " indices").c_str(), {p[n_rows]});
    const std::int32_t* ix = indices.data();
    for (index_t e = 0; e < p[n_rows]; ++e)
        if (ix[e] < 0 || ix[e] >= n_cols)
            throw py::value_error(std::string(name) + ": column index out of range: " +
                                  std::to_string(ix[e]));
    return CsrView{p, ix, nullptr, n_rows, n_cols};
}

}  // namespace

void register_svdpp(py::module_& m) {
    ParamStruct<SvdppParams>(m, "SvdppParams",
                             "SVD++'s SGD update (see svdpp.hpp); the steps come per epoch.")
        .field("mu", &SvdppParams::mu, "Global mean μ.")
        .field("reg_bu", &SvdppParams::reg_bu, "L2 weight of the user biases (per rating).")
        .field("reg_bi", &SvdppParams::reg_bi, "L2 weight of the item biases (per rating).")
        .field("reg_p", &SvdppParams::reg_p, "L2 weight of the user factors p_u.")
        .field("reg_q", &SvdppParams::reg_q, "L2 weight of the item factors q_i.")
        .field("reg_y", &SvdppParams::reg_y, "L2 weight of the implicit factors y_j.")
        .field("adagrad", &SvdppParams::adagrad, "Per-row AdaGrad steps η/√G.")
        .field("n_factors", &SvdppParams::n_factors,
               "k without the rows' zero padding (0: the row length).");

    m.def(
        "svdpp_user_order",
        [](const carray<std::int32_t>& active, std::uint64_t seed, index_t epoch) {
            check_shape(active, "active", {-1});
            carray<std::int32_t> out(active.shape(0));
            svdpp_user_order(active.data(), active.shape(0), seed, epoch, out.mutable_data());
            return out;
        },
        py::arg("active").noconvert(), py::kw_only(), py::arg("seed"), py::arg("epoch"),
        "The users of `active` in the visiting order of epoch `epoch` of svdpp_epochs for "
        "`seed` (a seeded Fisher-Yates shuffle).");

    m.def(
        "svdpp_epochs",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& ratings, const carray<std::int64_t>& implicit_indptr,
           const carray<std::int32_t>& implicit_indices, const carray<std::int32_t>& active,
           const carray<float>& steps, carray<float>& P, carray<float>& Q, carray<float>& Y,
           carray<float>& bu, carray<float>& bi, carray<float>& Gu, carray<float>& Gi,
           const SvdppParams& params, index_t first_epoch, std::uint64_t seed, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (first_epoch < 0) throw py::value_error("first_epoch must be >= 0");
            SvdppProblem pb;
            pb.P = matrix(P, "P"), pb.Q = matrix(Q, "Q"), pb.Y = matrix(Y, "Y");
            const index_t n_users = pb.P.rows, n_items = pb.Q.rows;
            if (pb.Q.cols != pb.P.cols || pb.Y.cols != pb.P.cols)
                throw py::value_error("P, Q and Y must have rows of the same length");
            check_shape(Y, "Y", {n_items, pb.P.cols});
            if (params.n_factors < 0 || params.n_factors > pb.P.cols)
                throw py::value_error("n_factors must be in [0, P.shape[1]]");
            pb.ratings = checked_pattern(indptr, indices, n_users, n_items, "ratings");
            check_shape(ratings, "ratings", {pb.ratings.nnz()});
            pb.ratings.data = ratings.data();
            pb.implicit = checked_pattern(implicit_indptr, implicit_indices, n_users, n_items,
                                          "implicit");
            check_shape(active, "active", {-1});
            std::vector<char> seen(static_cast<size_t>(n_users), 0);
            for (index_t j = 0; j < active.shape(0); ++j) {
                const std::int32_t u = active.data()[j];
                if (u < 0 || u >= n_users || seen[u])
                    throw py::value_error("active: users must be distinct and in range, got " +
                                          std::to_string(u));
                seen[u] = 1;
            }
            for (index_t u = 0; u < n_users; ++u)
                if (pb.ratings.indptr[u + 1] > pb.ratings.indptr[u] &&
                    pb.implicit.indptr[u + 1] == pb.implicit.indptr[u])
                    throw py::value_error("implicit: user " + std::to_string(u) +
                                          " has ratings but an empty N(u)");
            pb.active = active.data(), pb.n_active = active.shape(0);
            check_shape(steps, "steps", {-1, 5});
            const index_t n_epochs = steps.shape(0);
            check_shape(bu, "bu", {n_users});
            check_shape(bi, "bi", {n_items});
            check_shape(Gu, "Gu", {params.adagrad ? n_users : -1});
            check_shape(Gi, "Gi", {params.adagrad ? n_items : -1});
            pb.bu = out_ptr(bu, "bu"), pb.bi = out_ptr(bi, "bi");
            pb.Gu = params.adagrad ? out_ptr(Gu, "Gu") : nullptr;
            pb.Gi = params.adagrad ? out_ptr(Gi, "Gi") : nullptr;
            pb.params = params;
            return epochs_result(n_epochs, [&](double* psse, double* psec) {
                return svdpp_epochs(pb, steps.data(), n_epochs, first_epoch, seed, psse, psec,
                                    n_threads);
            });
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(),
        py::arg("ratings").noconvert(), py::arg("implicit_indptr").noconvert(),
        py::arg("implicit_indices").noconvert(), py::arg("active").noconvert(),
        py::arg("steps").noconvert(), py::arg("P").noconvert(), py::arg("Q").noconvert(),
        py::arg("Y").noconvert(), py::arg("bu").noconvert(), py::arg("bi").noconvert(),
        py::arg("Gu").noconvert(), py::arg("Gi").noconvert(), py::kw_only(),
        py::arg("params"), py::arg("first_epoch"), py::arg("seed"), py::arg("n_threads"),
        "SVD++ SGD epochs in one call, one per row of steps (a_bu, a_bi, a_p, a_q, a_y), users "
        "in the order svdpp_user_order(active, seed, first_epoch + t); stops after an epoch "
        "whose loss is not finite. Returns (sum of squared errors per epoch, seconds since "
        "the start after each epoch), one entry per epoch run.");

    m.def(
        "svdpp_grid_epochs",
        [](const carray<std::int32_t>& user, const carray<std::int32_t>& item,
           const carray<float>& rating, const carray<std::int64_t>& block_ptr,
           const carray<std::int32_t>& schedules, const carray<float>& steps, carray<float>& P,
           carray<float>& Q, carray<float>& Y, carray<float>& Z, carray<float>& A,
           carray<float>& bu, carray<float>& bi, carray<float>& Gu, carray<float>& Gi,
           carray<float>& D, const carray<float>& sn, const carray<float>& damp,
           const SvdppParams& params, int n_threads,
           const std::optional<carray<std::int32_t>>& implicit_user,
           const std::optional<carray<std::int32_t>>& implicit_item,
           const std::optional<carray<std::int64_t>>& implicit_block_ptr) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            SvdppGridState st;
            st.P = matrix(P, "P"), st.Q = matrix(Q, "Q"), st.Y = matrix(Y, "Y");
            st.Z = matrix(Z, "Z"), st.A = matrix(A, "A");
            const index_t n_users = st.P.rows, n_items = st.Q.rows, W = st.P.cols;
            check_shape(Q, "Q", {n_items, W});
            check_shape(Y, "Y", {n_items, W});
            check_shape(Z, "Z", {n_users, W});
            check_shape(A, "A", {n_users, W});
            if (params.n_factors < 0 || params.n_factors > W)
                throw py::value_error("n_factors must be in [0, P.shape[1]]");
            st.blocks = checked_blocks(user, item, rating, block_ptr, n_users, n_items);
            const index_t B = st.blocks.n_bins;
            const int given = !!implicit_user + !!implicit_item + !!implicit_block_ptr;
            if (given != 0 && given != 3)
                throw py::value_error("implicit_user, implicit_item and implicit_block_ptr go "
                                      "together");
            st.implicit = given ? checked_blocks(*implicit_user, *implicit_item,
                                                 *implicit_block_ptr, n_users, n_items)
                                : st.blocks;
            if (st.implicit.n_bins != B)
                throw py::value_error("the implicit grid must have the ratings' B x B blocks");
            const index_t n_epochs = checked_schedules(schedules, B);
            check_shape(steps, "steps", {n_epochs, 5});
            check_shape(bu, "bu", {n_users});
            check_shape(bi, "bi", {n_items});
            check_shape(Gu, "Gu", {params.adagrad ? n_users : -1});
            check_shape(Gi, "Gi", {params.adagrad ? n_items : -1});
            check_shape(D, "D", {n_users});
            check_shape(sn, "sn", {n_users});
            check_shape(damp, "damp", {n_items});
            st.bu = out_ptr(bu, "bu"), st.bi = out_ptr(bi, "bi");
            st.Gu = params.adagrad ? out_ptr(Gu, "Gu") : nullptr;
            st.Gi = params.adagrad ? out_ptr(Gi, "Gi") : nullptr;
            st.D = out_ptr(D, "D"), st.sn = sn.data(), st.damp = damp.data();
            st.params = params;
            std::vector<double> block_sse(static_cast<size_t>(B * B));
            return epochs_result(n_epochs, [&](double* psse, double* psec) {
                return svdpp_grid_epochs(st, schedules.data(), n_epochs, steps.data(),
                                         block_sse.data(), psse, psec, n_threads);
            });
        },
        py::arg("user").noconvert(), py::arg("item").noconvert(), py::arg("rating").noconvert(),
        py::arg("block_ptr").noconvert(), py::arg("schedules").noconvert(),
        py::arg("steps").noconvert(), py::arg("P").noconvert(), py::arg("Q").noconvert(),
        py::arg("Y").noconvert(), py::arg("Z").noconvert(), py::arg("A").noconvert(),
        py::arg("bu").noconvert(), py::arg("bi").noconvert(), py::arg("Gu").noconvert(),
        py::arg("Gi").noconvert(), py::arg("D").noconvert(), py::arg("sn").noconvert(),
        py::arg("damp").noconvert(),
        py::kw_only(), py::arg("params"), py::arg("n_threads"),
        py::arg("implicit_user").noconvert() = py::none(),
        py::arg("implicit_item").noconvert() = py::none(),
        py::arg("implicit_block_ptr").noconvert() = py::none(),
        "SVD++ SGD epochs on the block grid (svdpp_grid.hpp), in rank space: one per schedule "
        "(B x B) and row of steps (a_bu, a_bi, a_p, a_q, a_y); N(u) is the implicit grid "
        "(the same bins; default the ratings'); Z holds z_u (in: the first "
        "epoch's; out: the next one's), A and D are scratch, damp the y steps' damping per "
        "item. Stops after an epoch whose loss "
        "is not finite. Returns (sum of squared errors per epoch, seconds since the start "
        "after each epoch), one entry per epoch run.");

    m.def(
        "svdpp_grid_terms",
        [](const carray<std::int32_t>& user, const carray<std::int32_t>& item,
           const carray<std::int64_t>& block_ptr, const carray<float>& Y, carray<float>& Z,
           const carray<float>& sn, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Yv = const_matrix(Y, "Y"), Zv = matrix(Z, "Z");
            check_shape(Z, "Z", {-1, Yv.cols});
            check_shape(sn, "sn", {Zv.rows});
            const SgdBlocks blocks = checked_blocks(user, item, block_ptr, Zv.rows, Yv.rows);
            py::gil_scoped_release release;  // raw pointers only below
            svdpp_grid_terms(blocks, Yv, Zv, sn.data(), n_threads);
        },
        py::arg("user").noconvert(), py::arg("item").noconvert(),
        py::arg("block_ptr").noconvert(), py::arg("Y").noconvert(), py::arg("Z").noconvert(),
        py::arg("sn").noconvert(), py::kw_only(), py::arg("n_threads"),
        "Z[u] = sn[u] * sum of Y[j] over the entries (u, j) of a block grid (svdpp_grid.hpp, "
        "rank space: N(u)'s); zero rows for users without entries.");

    m.def(
        "svdpp_user_terms",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& Y, carray<float>& Z, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            MatrixView Yv = const_matrix(Y, "Y"), Zv = matrix(Z, "Z");
            if (indptr.ndim() != 1 || indptr.shape(0) < 1)
                throw py::value_error("indptr: expected a 1-D array of n_rows + 1 offsets");
            const CsrView N =
                checked_pattern(indptr, indices, indptr.shape(0) - 1, Yv.rows, "implicit");
            check_shape(Z, "Z", {N.rows, Yv.cols});
            py::gil_scoped_release release;  // raw pointers only below
            svdpp_user_terms(N, Yv, Zv, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("Y").noconvert(),
        py::arg("Z").noconvert(), py::kw_only(), py::arg("n_threads"),
        "Z[u] = |N(u)|^-1/2 * sum of Y[j] over the columns j of row u of the CSR pattern "
        "(indptr, indices); zero rows for empty N(u).");
}

}  // namespace mfrec::bind
