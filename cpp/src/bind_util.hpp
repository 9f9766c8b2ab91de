// Array checks shared by the bindings. They run with the GIL held, before any kernel.
// Inputs arrive canonical from Python (C-contiguous, exact dtype: `.noconvert()` makes a
// wrong dtype fail loudly instead of being silently copied); outputs are arrays Python
// allocated, written in place.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>

#include "mfrec/common.hpp"

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

}  // namespace mfrec::bind
