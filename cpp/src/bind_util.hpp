// Array checks shared by the bindings. They run with the GIL held, before any kernel.
// Inputs arrive canonical from Python (C-contiguous, exact dtype: `.noconvert()` makes a
// wrong dtype fail loudly instead of being silently copied); outputs are arrays Python
// allocated, written in place.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mfrec/common.hpp"
#include "mfrec/sgd_blocks.hpp"

namespace mfrec::bind {

namespace py = pybind11;

template <class T>
using carray = py::array_t<T, py::array::c_style>;

inline std::string shape_str(const py::array& a) {
    std::string s = "(";
    for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

/// Checks `a` has `ndim` dimensions and, where expected[d] >= 0, that extent.
template <class T>
void check_shape(const carray<T>& a, const char* name, std::initializer_list<py::ssize_t> expected) {
    bool ok = a.ndim() == static_cast<py::ssize_t>(expected.size());
    py::ssize_t d = 0;
    for (auto e : expected) {
        if (ok && e >= 0 && a.shape(d) != e) ok = false;
        ++d;
    }
    if (!ok) {
        std::string want = "(";
        d = 0;
        for (auto e : expected) want += (d++ ? ", " : "") + (e >= 0 ? std::to_string(e) : "*");
        throw py::value_error(std::string(name) + ": expected shape " + want +
                              (expected.size() == 1 ? ",)" : ")") + ", got " + shape_str(a));
    }
}

template <class T>
T* out_ptr(carray<T>& a, const char* name) {
    if (!a.writeable()) throw py::value_error(std::string(name) + " must be writeable");
    return a.mutable_data();
}

inline MatrixView matrix(carray<float>& a, const char* name) {
    if (a.ndim() != 2)
        throw py::value_error(std::string(name) + ": expected a 2-D array, got " + shape_str(a));
    return MatrixView{out_ptr(a, name), a.shape(0), a.shape(1)};
}

/// A read-only matrix view (the kernel only reads it).
inline MatrixView const_matrix(const carray<float>& a, const char* name) {
    if (a.ndim() != 2)
        throw py::value_error(std::string(name) + ": expected a 2-D array, got " + shape_str(a));
    return MatrixView{const_cast<float*>(a.data()), a.shape(0), a.shape(1)};
}

/// Throws ValueError unless every one of the n indices is in [0, bound). Branch-free min/max
/// first (it vectorizes: a fraction of a ms per million indices), the offender only on failure.
inline void check_indices(const std::int32_t* idx, index_t n, index_t bound, const char* what) {
    std::int32_t lo = 0, hi = 0;
    if (n > 0) lo = hi = idx[0];
    for (index_t e = 0; e < n; ++e) {
        lo = std::min(lo, idx[e]);
        hi = std::max(hi, idx[e]);
    }
    if (n == 0 || (lo >= 0 && hi < bound)) return;
    for (index_t e = 0; e < n; ++e)
        if (idx[e] < 0 || idx[e] >= bound)
            throw py::value_error(std::string(what) + " index out of range: " +
                                  std::to_string(idx[e]) + " (valid: 0.." +
                                  std::to_string(bound - 1) + ")");
}

/// The block grid's arrays (sgd_blocks.hpp) as a kernel view, checked against the factor
/// matrices' rows: block_ptr of B*B + 1 nondecreasing offsets from 0, entries of its last
/// offset's length, every user index in [0, n_users) and item index in [0, n_items).
/// This overload: a grid of entries without values (SVD++'s implicit pattern); rating null.
inline SgdBlocks checked_blocks(const carray<std::int32_t>& user, const carray<std::int32_t>& item,
                                const carray<std::int64_t>& block_ptr, index_t n_users,
                                index_t n_items) {
    if (block_ptr.ndim() != 1) throw py::value_error("block_ptr must be 1-D");
    index_t B = 0;
    while ((B + 1) * (B + 1) + 1 <= block_ptr.shape(0)) ++B;
    if (B * B + 1 != block_ptr.shape(0))
        throw py::value_error("block_ptr must have B*B + 1 entries, got " + shape_str(block_ptr));
    const std::int64_t* ptr = block_ptr.data();
    if (ptr[0] != 0) throw py::value_error("block_ptr[0] must be 0");
    for (index_t b = 0; b < B * B; ++b)
        if (ptr[b + 1] < ptr[b]) throw py::value_error("block_ptr decreases");
    const index_t nnz = ptr[B * B];
    check_shape(user, "user", {nnz});
    check_shape(item, "item", {nnz});
    check_indices(user.data(), nnz, n_users, "user");
    check_indices(item.data(), nnz, n_items, "item");
    return SgdBlocks{user.data(), item.data(), nullptr, ptr, B, n_users, n_items};
}

inline SgdBlocks checked_blocks(const carray<std::int32_t>& user, const carray<std::int32_t>& item,
                                const carray<float>& rating,
                                const carray<std::int64_t>& block_ptr, index_t n_users,
                                index_t n_items) {
    SgdBlocks g = checked_blocks(user, item, block_ptr, n_users, n_items);
    check_shape(rating, "rating", {g.block_ptr[g.n_bins * g.n_bins]});
    g.rating = rating.data();
    return g;
}

/// The (Σ e² per epoch, seconds since the start after each epoch) tuple of an epochs kernel:
/// `run(sse, seconds)` fills arrays of n_epochs with the GIL released (raw pointers only) and
/// returns the epochs it ran; both arrays are cut to that many.
template <class Run>
inline auto epochs_result(index_t n_epochs, Run&& run) {
    carray<double> sse(n_epochs), seconds(n_epochs);
    double* psse = sse.mutable_data();
    double* psec = seconds.mutable_data();
    index_t done = 0;
    {
        py::gil_scoped_release release;
        done = run(psse, psec);
    }
    sse.resize({done});
    seconds.resize({done});
    return py::make_tuple(sse, seconds);
}

/// Epoch schedules of a B × B grid (n_epochs × B × B block ids, each in [0, B²)); returns
/// n_epochs.
inline index_t checked_schedules(const carray<std::int32_t>& schedules, index_t B) {
    check_shape(schedules, "schedules", {-1, B, B});
    check_indices(schedules.data(), schedules.size(), B * B, "schedules: block id");
    return schedules.shape(0);
}

inline CsrView csr(const carray<std::int64_t>& indptr, const carray<std::int32_t>& indices,
                   const carray<float>& data, index_t n_cols) {
    if (indptr.ndim() != 1 || indptr.shape(0) < 1)
        throw py::value_error("indptr: expected a 1-D array of n_rows + 1 offsets");
    const index_t rows = indptr.shape(0) - 1;
    const index_t nnz = indptr.data()[rows];
    check_shape(indices, "indices", {nnz});
    check_shape(data, "data", {nnz});
    return CsrView{indptr.data(), indices.data(), data.data(), rows, n_cols};
}

/// A CSR sparsity pattern (no values): indptr of n_rows + 1 offsets, indices of nnz.
inline CsrView csr_pattern(const carray<std::int64_t>& indptr,
                           const carray<std::int32_t>& indices) {
    if (indptr.ndim() != 1 || indptr.shape(0) < 1)
        throw py::value_error("indptr: expected a 1-D array of n_rows + 1 offsets");
    const index_t rows = indptr.shape(0) - 1;
    check_shape(indices, "indices", {indptr.data()[rows]});
    return CsrView{indptr.data(), indices.data(), nullptr, rows, 0};
}

/// Binds a kernel's parameter struct as a Python class built from keyword arguments only:
/// `_core.AlsParams(reg=0.1, implicit=True)`; unset fields keep the C++ defaults, an unknown
/// name raises TypeError, and repr() lists every field. Usage:
///     ParamStruct<AlsParams>(m, "AlsParams", "doc").field("reg", &AlsParams::reg, "doc")...;
template <class T>
class ParamStruct {
public:
    ParamStruct(py::module_& m, const char* name, const char* doc)
        : cls_(m, name, doc), fields_(std::make_shared<Fields>()) {
        auto fields = fields_;
        cls_.def(py::init([fields](const py::kwargs& kwargs) {
                     T value{};
                     for (auto item : kwargs) {
                         const auto key = item.first.cast<std::string>();
                         auto it = fields->setters.find(key);
                         if (it == fields->setters.end())
                             throw py::type_error(std::string(py::str(py::type::of<T>().attr(
                                                      "__name__"))) +
                                                  "() got an unexpected keyword argument '" +
                                                  key + "'");
                         it->second(value, item.second);
                     }
                     return value;
                 }),
                 "Keyword arguments only; unset fields keep their defaults.");
        cls_.def("__repr__", [fields](const py::object& self) {
            std::string out = std::string(py::str(py::type::handle_of(self).attr("__name__"))) + "(";
            for (size_t j = 0; j < fields->names.size(); ++j)
                out += (j ? ", " : "") + fields->names[j] + "=" +
                       std::string(py::repr(self.attr(fields->names[j].c_str())));
            return out + ")";
        });
    }

    template <class F>
    ParamStruct& field(const char* name, F T::*member, const char* doc) {
        cls_.def_readwrite(name, member, doc);
        fields_->names.emplace_back(name);
        fields_->setters[name] = [member](T& value, py::handle v) { value.*member = v.cast<F>(); };
        return *this;
    }

private:
    struct Fields {
        std::vector<std::string> names;
        std::map<std::string, std::function<void(T&, py::handle)>> setters;
    };
    py::class_<T> cls_;
    std::shared_ptr<Fields> fields_;
};

}  // namespace mfrec::bind
