#include "bind_util.hpp"
#include "mfrec/sgd.hpp"

namespace mfrec::bind {

void register_sgd(py::module_& m) {
    m.def("sgd_row_floats", &sgd_row_floats,
          "Row length (floats) to pad the factor matrices to for the fastest SGD kernel on this "
          "CPU: 16 where the AVX-512 kernel runs (rows of up to 128 floats), else 8.");
    m.def(
        "sgd_build_blocks",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, const carray<std::int32_t>& user_rank,
           const carray<std::int32_t>& item_rank, index_t n_bins, carray<std::int32_t>& out_user,
           carray<std::int32_t>& out_item, carray<float>& out_rating,
           carray<std::int64_t>& out_block_ptr, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const index_t n_items = item_rank.ndim() == 1 ? item_rank.shape(0) : -1;
            const CsrView X = csr(indptr, indices, data, n_items);
            check_shape(user_rank, "user_rank", {X.rows});
            check_shape(item_rank, "item_rank", {-1});
            if (n_bins < 1 || n_bins > std::min(X.rows, X.cols))
                throw py::value_error("n_bins must be in [1, min(n_users, n_items)], got " +
                                      std::to_string(n_bins));
            check_shape(out_user, "out_user", {X.nnz()});
            check_shape(out_item, "out_item", {X.nnz()});
            check_shape(out_rating, "out_rating", {X.nnz()});
            check_shape(out_block_ptr, "out_block_ptr", {n_bins * n_bins + 1});
            auto* ou = out_ptr(out_user, "out_user");
            auto* oi = out_ptr(out_item, "out_item");
            auto* orr = out_ptr(out_rating, "out_rating");
            auto* ob = out_ptr(out_block_ptr, "out_block_ptr");
            py::gil_scoped_release release;  // raw pointers only below
            sgd_build_blocks(X, user_rank.data(), item_rank.data(), n_bins, ou, oi, orr, ob, n_threads);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
        py::arg("user_rank").noconvert(), py::arg("item_rank").noconvert(), py::arg("n_bins"),
        py::arg("out_user").noconvert(), py::arg("out_item").noconvert(),
        py::arg("out_rating").noconvert(), py::arg("out_block_ptr").noconvert(),
        py::arg("n_threads") = 1,
        "Regroup a users x items CSR matrix into the B x B blocks of the SGD schedule.");

    m.def(
        "sgd_epoch",
        [](const carray<std::int32_t>& user, const carray<std::int32_t>& item,
           const carray<float>& rating, const carray<std::int64_t>& block_ptr,
           const carray<std::int32_t>& schedule, carray<float>& P, carray<float>& Q,
           carray<float>& bu, carray<float>& bi, carray<float>& Gu, carray<float>& Gi,
           float mu, float lr_bu, float lr_bi, float lr_p, float lr_q, float reg_bu,
           float reg_bi, float reg_p, float reg_q, bool biased, bool adagrad, index_t n_factors, int n_threads) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (block_ptr.ndim() != 1) throw py::value_error("block_ptr must be 1-D");
            index_t B = 0;
            while ((B + 1) * (B + 1) + 1 <= block_ptr.shape(0)) ++B;
            if (B * B + 1 != block_ptr.shape(0))
                throw py::value_error("block_ptr must have B*B + 1 entries, got " +
                                      shape_str(block_ptr));
            const index_t nnz = block_ptr.data()[B * B];
            check_shape(user, "user", {nnz});
            check_shape(item, "item", {nnz});
            check_shape(rating, "rating", {nnz});
            check_shape(schedule, "schedule", {B, B});
            MatrixView Pv = matrix(P, "P"), Qv = matrix(Q, "Q");
            if (Pv.cols != Qv.cols) throw py::value_error("P and Q must have the same n_factors");
            check_shape(bu, "bu", {Pv.rows});
            check_shape(bi, "bi", {Qv.rows});
            check_shape(Gu, "Gu", {adagrad ? Pv.rows : -1});
            check_shape(Gi, "Gi", {adagrad ? Qv.rows : -1});
            SgdBlocks blocks{user.data(), item.data(), rating.data(), block_ptr.data(), B};
            SgdParams s;
            s.mu = mu;
            s.lr_bu = lr_bu, s.lr_bi = lr_bi, s.lr_p = lr_p, s.lr_q = lr_q;
            s.reg_bu = reg_bu, s.reg_bi = reg_bi, s.reg_p = reg_p, s.reg_q = reg_q;
            s.biased = biased, s.adagrad = adagrad, s.n_factors = n_factors;
            if (n_factors < 0 || n_factors > Pv.cols)
                throw py::value_error("n_factors must be in [0, P.shape[1]]");
            float* pbu = out_ptr(bu, "bu");
            float* pbi = out_ptr(bi, "bi");
            float* pGu = out_ptr(Gu, "Gu");
            float* pGi = out_ptr(Gi, "Gi");
            std::vector<double> block_sse(static_cast<size_t>(B * B));
            std::vector<float> norms(adagrad ? static_cast<size_t>(Pv.rows + Qv.rows) : 0);
            py::gil_scoped_release release;  // raw pointers only below
            return sgd_epoch(blocks, schedule.data(), Pv, Qv, pbu, pbi, pGu, pGi, norms.data(), s,
                             block_sse.data(), n_threads);
        },
        py::arg("user").noconvert(), py::arg("item").noconvert(), py::arg("rating").noconvert(),
        py::arg("block_ptr").noconvert(), py::arg("schedule").noconvert(),
        py::arg("P").noconvert(), py::arg("Q").noconvert(), py::arg("bu").noconvert(),
        py::arg("bi").noconvert(), py::arg("Gu").noconvert(), py::arg("Gi").noconvert(),
        py::arg("mu"), py::arg("lr_bu"), py::arg("lr_bi"), py::arg("lr_p"), py::arg("lr_q"),
        py::arg("reg_bu"), py::arg("reg_bi"), py::arg("reg_p"), py::arg("reg_q"),
        py::arg("biased"), py::arg("adagrad"), py::arg("n_factors"), py::arg("n_threads"),
        "One SGD epoch over the blocks in the given schedule; returns the sum of squared errors.");
}

}  // namespace mfrec::bind
