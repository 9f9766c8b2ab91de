#include "bind_util.hpp"
#include "mfrec/sgd_mf.hpp"

#include <optional>
#include <vector>

namespace mfrec::bind {

namespace {

/// The validated arguments of an SGD call, as kernel views.
struct SgdCall {
    SgdBlocks blocks;
    SgdParams params;
    MatrixView P, Q;
    float *bu, *bi, *Gu, *Gi;
    int n_threads;
    std::vector<double> block_sse;
    std::vector<float> norms;

    SgdCall(const carray<std::int32_t>& user, const carray<std::int32_t>& item,
            const carray<float>& rating, const carray<std::int64_t>& block_ptr, carray<float>& P_,
            carray<float>& Q_, carray<float>& bu_, carray<float>& bi_, carray<float>& Gu_,
            carray<float>& Gi_, const SgdParams& params_, int n_threads_)
        : params(params_), n_threads(n_threads_) {
        if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
        P = matrix(P_, "P"), Q = matrix(Q_, "Q");
        if (P.cols != Q.cols) throw py::value_error("P and Q must have the same n_factors");
        check_shape(bu_, "bu", {P.rows});
        check_shape(bi_, "bi", {Q.rows});
        check_shape(Gu_, "Gu", {params.adagrad ? P.rows : -1});
        check_shape(Gi_, "Gi", {params.adagrad ? Q.rows : -1});
        if (params.n_factors < 0 || params.n_factors > P.cols)
            throw py::value_error("n_factors must be in [0, P.shape[1]]");
        blocks = checked_blocks(user, item, rating, block_ptr, P.rows, Q.rows);
        const index_t B = blocks.n_bins;
        bu = out_ptr(bu_, "bu"), bi = out_ptr(bi_, "bi");
        Gu = out_ptr(Gu_, "Gu"), Gi = out_ptr(Gi_, "Gi");
        block_sse.resize(static_cast<size_t>(B * B));
        norms.resize(params.adagrad ? static_cast<size_t>(P.rows + Q.rows) : 0);
    }

    /// Runs the epochs; call without the GIL.
    index_t run(const std::int32_t* schedules, index_t n_epochs, const float* steps,
                double* epoch_sse, double* epoch_seconds) {
        return sgd_epochs(blocks, schedules, n_epochs, steps, P, Q, bu, bi, Gu, Gi,
                          norms.data(), params, block_sse.data(), epoch_sse, epoch_seconds,
                          n_threads);
    }
};

}  // namespace

void register_sgd(py::module_& m) {
    ParamStruct<SgdParams>(m, "SgdParams",
                           "FunkSVD's SGD update (see sgd_step.hpp); the steps come per epoch.")
        .field("mu", &SgdParams::mu, "Global mean (0 for unbiased models).")
        .field("reg_bu", &SgdParams::reg_bu, "L2 weight of the user biases.")
        .field("reg_bi", &SgdParams::reg_bi, "L2 weight of the item biases.")
        .field("reg_p", &SgdParams::reg_p, "L2 weight of the user factors.")
        .field("reg_q", &SgdParams::reg_q, "L2 weight of the item factors.")
        .field("biased", &SgdParams::biased, "Predict μ + b_u + b_i + pᵀq (else pᵀq).")
        .field("adagrad", &SgdParams::adagrad, "Per-row AdaGrad steps η/√G.")
        .field("n_factors", &SgdParams::n_factors,
               "k without the rows' zero padding (0: the row length).");

    m.def("sgd_row_floats", &sgd_row_floats,
          "Row length (floats) to pad the factor matrices to for the fastest SGD kernel on this "
          "CPU: 16 where the AVX-512 kernel runs (rows of up to 128 floats), else 8.");
    m.def(
        "sgd_build_blocks",
        [](const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
           const carray<float>& data, const carray<std::int32_t>& user_rank,
           const carray<std::int32_t>& item_rank, carray<std::int32_t>& out_user,
           carray<std::int32_t>& out_item, carray<float>& out_rating,
           carray<std::int64_t>& out_block_ptr, index_t n_bins, int n_threads,
           const std::optional<carray<std::int64_t>>& user_count,
           const std::optional<carray<std::int64_t>>& item_count) {
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            const index_t n_items = item_rank.ndim() == 1 ? item_rank.shape(0) : -1;
            const CsrView X = csr(indptr, indices, data, n_items);
            for (const auto* c : {&user_count, &item_count}) {
                if (!*c) continue;
                const bool users = c == &user_count;
                check_shape(**c, users ? "user_count" : "item_count", {users ? X.rows : X.cols});
                for (index_t i = 0; i < (*c)->size(); ++i)
                    if ((*c)->data()[i] < 0)
                        throw py::value_error(std::string(users ? "user" : "item") +
                                              "_count must be >= 0");
            }
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
            sgd_build_blocks(X, user_rank.data(), item_rank.data(), n_bins, ou, oi, orr, ob,
                             n_threads, user_count ? user_count->data() : nullptr,
                             item_count ? item_count->data() : nullptr);
        },
        py::arg("indptr").noconvert(), py::arg("indices").noconvert(), py::arg("data").noconvert(),
        py::arg("user_rank").noconvert(), py::arg("item_rank").noconvert(),
        py::arg("out_user").noconvert(), py::arg("out_item").noconvert(),
        py::arg("out_rating").noconvert(), py::arg("out_block_ptr").noconvert(), py::kw_only(),
        py::arg("n_bins"), py::arg("n_threads") = 1, py::arg("user_count").noconvert() = py::none(),
        py::arg("item_count").noconvert() = py::none(),
        "Regroup a users x items CSR matrix into the B x B blocks of the SGD schedule; the "
        "bins share out user_count / item_count (by id; default the matrix's own) equally.");

    m.def(
        "sgd_epochs",
        [](const carray<std::int32_t>& user, const carray<std::int32_t>& item,
           const carray<float>& rating, const carray<std::int64_t>& block_ptr,
           const carray<std::int32_t>& schedules, const carray<float>& steps,
           carray<float>& P, carray<float>& Q, carray<float>& bu, carray<float>& bi,
           carray<float>& Gu, carray<float>& Gi, const SgdParams& params, int n_threads) {
            SgdCall c(user, item, rating, block_ptr, P, Q, bu, bi, Gu, Gi, params, n_threads);
            const index_t n_epochs = checked_schedules(schedules, c.blocks.n_bins);
            check_shape(steps, "steps", {n_epochs, 4});
            return epochs_result(n_epochs, [&](double* psse, double* psec) {
                return c.run(schedules.data(), n_epochs, steps.data(), psse, psec);
            });
        },
        py::arg("user").noconvert(), py::arg("item").noconvert(), py::arg("rating").noconvert(),
        py::arg("block_ptr").noconvert(), py::arg("schedules").noconvert(),
        py::arg("steps").noconvert(), py::arg("P").noconvert(), py::arg("Q").noconvert(),
        py::arg("bu").noconvert(), py::arg("bi").noconvert(), py::arg("Gu").noconvert(),
        py::arg("Gi").noconvert(), py::kw_only(), py::arg("params"), py::arg("n_threads"),
        "SGD epochs in one call, each with its schedule (B x B) and step sizes (lr_bu, lr_bi, "
        "lr_p, lr_q); stops after an epoch whose loss is not finite. Returns (sum of squared "
        "errors per epoch, seconds since the start after each epoch), one entry per epoch run.");
}

}  // namespace mfrec::bind
