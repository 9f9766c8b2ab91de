// Top-N retrieval (cpp/include/mfrec/topk.hpp): packed panels, the fused top-n kernel for
// dot-product models, and the selection of a dense score block for custom scorers.
#include <pybind11/stl.h>

#include <optional>

#include "bind_util.hpp"
#include "mfrec/topk.hpp"

namespace mfrec::bind {

void register_topk(py::module_& m) {
    m.def("topk_panel_width", &topk_panel_width,
          "Items per packed panel for this CPU's ISA level (24, 16 or 8).");

    m.def(
        "pack_panels",
        [](const carray<float>& F, const carray<std::int32_t>& cand,
           std::optional<carray<float>> bias, int nr, int n_threads) {
            MatrixView Fv = const_matrix(F, "F");
            check_shape(cand, "cand", {-1});
            if (nr < 1) throw py::value_error("nr must be >= 1");
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (bias) check_shape(*bias, "bias", {Fv.rows});
            const index_t n_cand = cand.shape(0);
            const std::int32_t* pc = cand.data();
            for (index_t j = 0; j < n_cand; ++j)
                if (pc[j] < 0 || pc[j] >= Fv.rows)
                    throw py::value_error("candidate item out of range: " + std::to_string(pc[j]));
            const index_t n_panels = (n_cand + nr - 1) / nr;
            carray<float> values({n_panels, Fv.cols, static_cast<index_t>(nr)});
            carray<float> pbias({n_panels, static_cast<index_t>(nr)});
            carray<std::int32_t> ids({n_panels, static_cast<index_t>(nr)});
            const float* b = bias ? bias->data() : nullptr;
            float* pv = values.mutable_data();
            float* pb = pbias.mutable_data();
            std::int32_t* pi = ids.mutable_data();
            {
                py::gil_scoped_release release;
                pack_panels(Fv, b, pc, n_cand, nr, pv, pb, pi, n_threads);
            }
            return py::make_tuple(values, pbias, ids);
        },
        py::arg("F").noconvert(), py::arg("cand").noconvert(), py::kw_only(),
        py::arg("bias").noconvert() = py::none(), py::arg("nr"), py::arg("n_threads"),
        "Pack candidate items (rows of F, with their bias) into micro-kernel panels.");

    m.def(
        "topk",
        [](const carray<float>& values, const carray<float>& pbias,
           const carray<std::int32_t>& ids, const carray<float>& U,
           const carray<std::int64_t>& rows, const carray<std::int64_t>& seen_indptr,
           const carray<std::int32_t>& seen_indices, std::optional<carray<float>> offset,
           std::optional<carray<std::int64_t>> filter_rows, int n, int n_threads) {
            if (n < 1) throw py::value_error("n must be >= 1");
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (values.ndim() != 3) throw py::value_error("values: expected a 3-D panel array");
            const index_t n_panels = values.shape(0), k = values.shape(1);
            const int nr = static_cast<int>(values.shape(2));
            if (nr != topk_panel_width())
                throw py::value_error("panels were packed for width " + std::to_string(nr) +
                                      ", this CPU uses " + std::to_string(topk_panel_width()));
            check_shape(pbias, "bias", {n_panels, nr});
            check_shape(ids, "ids", {n_panels, nr});
            MatrixView Uv = const_matrix(U, "U");
            if (Uv.cols != k)
                throw py::value_error("U has " + std::to_string(Uv.cols) +
                                      " factors, the panels " + std::to_string(k));
            check_shape(rows, "rows", {-1});
            const index_t nq = rows.shape(0);
            if (offset) check_shape(*offset, "offset", {nq});
            CsrView seen = csr_pattern(seen_indptr, seen_indices);
            if (filter_rows) check_shape(*filter_rows, "filter_rows", {nq});
            const std::int64_t* pr = rows.data();
            const std::int64_t* pf = filter_rows ? filter_rows->data() : nullptr;
            for (index_t q = 0; q < nq; ++q) {
                if (pr[q] < 0 || pr[q] >= Uv.rows)
                    throw py::value_error("query row out of range: " + std::to_string(pr[q]));
                if (pf && (pf[q] < -1 || pf[q] >= seen.rows))
                    throw py::value_error("filter row out of range: " + std::to_string(pf[q]));
            }
            Panels P{values.data(), pbias.data(), ids.data(), n_panels, k, nr};
            TopkQueries Q{Uv, pr, offset ? offset->data() : nullptr, nq, seen, pf};
            carray<std::int32_t> out_ids({nq, static_cast<index_t>(n)});
            carray<float> out_scores({nq, static_cast<index_t>(n)});
            std::int32_t* oi = out_ids.mutable_data();
            float* os = out_scores.mutable_data();
            {
                py::gil_scoped_release release;
                topk(P, Q, n, os, oi, n_threads);
            }
            return py::make_tuple(out_ids, out_scores);
        },
        py::arg("values").noconvert(), py::arg("bias").noconvert(), py::arg("ids").noconvert(),
        py::arg("U").noconvert(), py::arg("rows").noconvert(),
        py::arg("seen_indptr").noconvert(), py::arg("seen_indices").noconvert(), py::kw_only(),
        py::arg("offset").noconvert() = py::none(),
        py::arg("filter_rows").noconvert() = py::none(), py::arg("n"), py::arg("n_threads"),
        "Top-n candidates per query row (U[rows]) against packed panels, seen items skipped. "
        "Returns (ids int32, scores float32), each (len(rows), n); padding id -1, score NaN.");

    m.def(
        "topk_dense",
        [](const carray<float>& scores, const carray<std::int32_t>& ids,
           const carray<std::int64_t>& seen_indptr, const carray<std::int32_t>& seen_indices,
           std::optional<carray<std::int64_t>> filter_rows, int n, int n_threads) {
            if (n < 1) throw py::value_error("n must be >= 1");
            if (n_threads < 1) throw py::value_error("n_threads must be >= 1");
            if (scores.ndim() != 2) throw py::value_error("scores: expected a 2-D array");
            const index_t nq = scores.shape(0), nc = scores.shape(1);
            check_shape(ids, "ids", {nc});
            CsrView seen = csr_pattern(seen_indptr, seen_indices);
            if (filter_rows) check_shape(*filter_rows, "filter_rows", {nq});
            const std::int64_t* pf = filter_rows ? filter_rows->data() : nullptr;
            for (index_t q = 0; pf && q < nq; ++q)
                if (pf[q] < -1 || pf[q] >= seen.rows)
                    throw py::value_error("filter row out of range: " + std::to_string(pf[q]));
            carray<std::int32_t> out_ids({nq, static_cast<index_t>(n)});
            carray<float> out_scores({nq, static_cast<index_t>(n)});
            std::int32_t* oi = out_ids.mutable_data();
            float* os = out_scores.mutable_data();
            const float* ps = scores.data();
            const std::int32_t* pid = ids.data();
            {
                py::gil_scoped_release release;  // raw pointers only below
                topk_dense(ps, nq, nc, pid, seen, pf, n, os, oi, n_threads);
            }
            return py::make_tuple(out_ids, out_scores);
        },
        py::arg("scores").noconvert(), py::arg("ids").noconvert(),
        py::arg("seen_indptr").noconvert(), py::arg("seen_indices").noconvert(), py::kw_only(),
        py::arg("filter_rows").noconvert() = py::none(), py::arg("n"), py::arg("n_threads"),
        "Top-n of each row of a dense score block (n_queries x n_candidates; column c is item "
        "ids[c]), seen items and NaN/-inf scores skipped. Returns (ids int32, scores float32), "
        "each (n_queries, n); padding id -1, score NaN.");
}

}  // namespace mfrec::bind
