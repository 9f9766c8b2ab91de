"""LibMF as a rating-prediction peer for the mfrec benchmarks, in two builds.

Why this module exists (facts from shared/PEERS.md, re-checked on libmf 0.9.2):

* ``pip install libmf`` compiles LIBMF's C++ with Python's default flags only
  (``-std=c++11``: no AVX, no OpenMP).  LIBMF's own Makefile uses
  ``-O3 -march=native -DUSEAVX -DUSEOMP -fopenmp``.  :func:`build_native_libmf`
  compiles the sdist's ``src_cpp/mf.cpp`` + ``src_cpp/libmf_interface.cpp``
  that way into a cached shared library; ``build="native"`` swaps it in for the
  binding's library (the binding's methods call the module global
  ``libmf.mf.mf``, a ``ctypes.CDLL``).  The native build is the one to beat.
* The binding's defaults differ from LIBMF's ``mf_get_default_param()``
  (binding: L1 0.04, L2 0, 12 threads, 26 bins, verbose), and ``MF(**kw)`` only
  *prints* unknown keywords, so every parameter is passed here and read back
  from the ``MFParam`` struct.  ``copy_data=False`` as in LIBMF's ``mf-train``:
  the binding's ``fit_interface`` already hands LIBMF a private copy.
* ``MF.predict(X)`` reads its (n, 2) float32 input column-major
  (``pred_model_interface`` uses ``X[i], X[i + n]``): a C-ordered array gives
  wrong predictions.  We pass ``np.asfortranarray`` (the binding's ``astype``
  keeps the Fortran order) and, on a sample of the test set, assert agreement
  with predictions from the factor matrices (P[u]·Q[v]; LIBMF gives the
  training mean ``b`` for ids it never saw or whose factors are NaN).
  ``MF.fit(X)`` on the other hand needs a C-ordered (n, 3) array.
* Memory: the binding never frees the model (we call LIBMF's
  ``mf_destroy_model`` ourselves) and ``fit_interface`` leaks its 12-byte-per-
  rating ``mf_node`` copy on every fit (unreachable from Python).  Run big
  repeated fits in fresh processes.  Ids travel as float32: must be < 2**24.
* LIBMF has no user/item biases; only the global mean for unseen ids.

Run ``python benchmarks/peers/libmf_peer.py`` for a self-check of both builds.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

LIBMF_VERSION = "0.9.2"
NATIVE_FLAGS = ["-O3", "-march=native", "-DUSEAVX", "-DUSEOMP", "-fopenmp",
                "-std=c++11", "-shared", "-fPIC"]
DEFAULT_CACHE = pathlib.Path.home() / ".cache" / "mfrec-bench" / "libmf-native"
_LIBS: dict = {}  # build name -> ctypes.CDLL


def build_native_libmf(cache_dir=None, march: str = "native") -> pathlib.Path:
    """Compile libmf==0.9.2's C++ with LIBMF's Makefile flags; cached .so path.

    ``march="native"`` (LIBMF's own) is built for this CPU, so a cache dir must not be
    shared between machines with different CPUs; ``march="haswell"`` is the AVX2 + FMA
    build, to compare with mfrec's AVX2 path on any machine (``MFREC_ISA=avx2``).
    """
    cache = pathlib.Path(cache_dir) if cache_dir else DEFAULT_CACHE
    so = cache / f"libmf-{LIBMF_VERSION}-{march}.so"
    if so.exists():
        return so
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", f"libmf=={LIBMF_VERSION}", "-d", tmp],
                       check=True)
        sdist = next(pathlib.Path(tmp).glob("libmf-*.tar.gz"))
        with tarfile.open(sdist) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tmp, filter="data")
            else:
                tf.extractall(tmp)
        srcs = [str(next(pathlib.Path(tmp).rglob(f"src_cpp/{n}")))
                for n in ("mf.cpp", "libmf_interface.cpp")]
        out = pathlib.Path(tmp) / "libmf.so"
        flags = [f"-march={march}" if f == "-march=native" else f for f in NATIVE_FLAGS]
        subprocess.run([os.environ.get("CXX", "g++"), *flags, *srcs, "-o", str(out)],
                       check=True)
        os.replace(out, so)  # atomic: a half-written .so is never cached
    return so


def _binding(build):
    """The ``libmf.mf`` module (its import prints; we silence it) and the CDLL."""
    with contextlib.redirect_stdout(io.StringIO()):
        from libmf import mf as binding
    _LIBS.setdefault("pip", binding.mf)
    if build in ("native", "haswell") and build not in _LIBS:
        _LIBS[build] = ctypes.CDLL(str(build_native_libmf(march=build)))
    if build not in _LIBS:
        raise ValueError(f"build must be 'native', 'haswell' or 'pip', not {build!r}")
    return binding, _LIBS[build]


@contextlib.contextmanager
def _fitted(X, options, build):
    """Fit ``binding.MF`` on C-ordered (n, 3) float32 ``X`` with the chosen
    library; yields (model, fit_seconds); frees LIBMF's model on exit."""
    binding, lib = _binding(build)
    saved, binding.mf = binding.mf, lib  # the binding looks ``mf`` up per call
    model = None
    try:
        model = binding.MF(**options)
        for name, value in options.items():  # catch typos / silent defaults
            got = getattr(model._options, name)
            if not np.isclose(got, value, rtol=1e-6, atol=0):
                raise RuntimeError(f"libmf option {name}={got}, wanted {value}")
        t0 = time.perf_counter()
        try:
            model.fit(X)
        except ValueError as e:  # NULL model: LIBMF rejected a parameter
            raise RuntimeError(f"LIBMF refused the parameters {options}") from e
        yield model, time.perf_counter() - t0
    finally:
        if model is not None and model.model is not None:
            ptr = ctypes.cast(ctypes.addressof(model.model),
                              ctypes.POINTER(binding.MFModel))
            lib.mf_destroy_model(ctypes.byref(ptr))
            model.model = None
        binding.mf = saved


def _predict_from_factors(model, u, v):
    """P[u]·Q[v], with LIBMF's fallback to b for unknown ids / NaN factors."""
    P, Q, m = model.p_factors(), model.q_factors(), model.model
    ok = (u >= 0) & (u < m.m) & (v >= 0) & (v < m.n)
    out = np.full(len(u), m.b, dtype=np.float32)
    out[ok] = np.einsum("ij,ij->i", P[u[ok]], Q[v[ok]])
    out[np.isnan(out)] = m.b
    return out


def _pairs(u, v):
    return np.column_stack([u, v]).astype(np.float32)


def _as_triples(data, name):
    u, v, r = (np.asarray(a) for a in data)
    if not (len(u) == len(v) == len(r)):
        raise ValueError(f"{name}: users, items, ratings differ in length")
    for ids in (u, v):
        if len(ids) and (ids.min() < 0 or ids.max() >= 2 ** 24):
            raise ValueError(f"{name}: ids must be in [0, 2**24) (float32 transport)")
    return u.astype(np.int64), v.astype(np.int64), r.astype(np.float32)


def fit_libmf(train, test, *, k=100, n_iters=20, eta=0.1, lambda_p2=0.1,
              lambda_q2=0.1, lambda_p1=0.0, lambda_q1=0.0, nr_bins=20,
              n_threads=2, build="native", do_nmf=False) -> dict:
    """Fit LibMF (squared loss, P_L2_MFR) on ``train``, score RMSE/MAE on ``test``.

    ``do_nmf`` is LIBMF's ``--nmf`` (the binding's ``do_nmf`` option): every factor is
    clamped at 0 after each SGD update.

    ``train``/``test`` are (users int32, items int32, ratings float32) tuples
    of 0-based ids.  Only ``MF.fit`` is timed (it includes the binding's own
    array copy and conversion).  Predictions are clipped to the train ratings'
    [min, max]; they are returned as ``predictions`` (float64, shape (n_test,)).
    """
    tu, tv, tr = _as_triples(train, "train")
    su, sv, sr = _as_triples(test, "test")
    options = dict(fun=0, k=k, nr_threads=n_threads, nr_bins=nr_bins,
                   nr_iters=n_iters, lambda_p1=lambda_p1, lambda_p2=lambda_p2,
                   lambda_q1=lambda_q1, lambda_q2=lambda_q2, eta=eta,
                   do_nmf=bool(do_nmf), quiet=True, copy_data=False)
    X = np.empty((len(tr), 3), dtype=np.float32)  # C order: fit reads rows
    X[:, 0], X[:, 1], X[:, 2] = tu, tv, tr
    with _fitted(X, options, build) as (model, fit_seconds):
        t0 = time.perf_counter()
        pred = model.predict(np.asfortranarray(_pairs(su, sv)))
        predict_seconds = time.perf_counter() - t0
        n_chk = min(len(su), 2000)
        ref = _predict_from_factors(model, su[:n_chk], sv[:n_chk])
        if not np.allclose(pred[:n_chk], ref, rtol=1e-4, atol=1e-4):
            raise RuntimeError("MF.predict disagrees with P·Q (column-major input?)")
    pred = np.clip(pred, tr.min(), tr.max()).astype(np.float64)
    err = pred - sr
    return dict(fit_seconds=fit_seconds, predict_seconds=predict_seconds, predictions=pred,
                rmse=float(np.sqrt(np.mean(err ** 2))),
                mae=float(np.mean(np.abs(err))), n_threads=n_threads,
                build=build, params=dict(options))


def synthetic(n_users=2000, n_items=1000, nnz=100_000, rank=5, seed=0):
    """Low-rank ratings on a 1..5 scale, split 90/10 into (train, test)."""
    rng = np.random.default_rng(seed)
    flat = rng.choice(n_users * n_items, size=nnz, replace=False)
    u, v = (flat // n_items).astype(np.int32), (flat % n_items).astype(np.int32)
    P = rng.normal(size=(n_users, rank)) / np.sqrt(rank)
    Q = rng.normal(size=(n_items, rank))
    r = 3 + np.einsum("ij,ij->i", P[u], Q[v]) + 0.3 * rng.normal(size=nnz)
    r = np.clip(np.round(r), 1, 5).astype(np.float32)
    cut = int(0.9 * nnz)
    return (u[:cut], v[:cut], r[:cut]), (u[cut:], v[cut:], r[cut:])


def _self_check():
    train, test = synthetic()
    # column-major pitfall on a small case: F order matches P·Q, C order not
    X = np.column_stack(train).astype(np.float32)
    opts = dict(fun=0, k=8, nr_threads=2, nr_bins=20, nr_iters=5, lambda_p1=0.0,
                lambda_p2=0.1, lambda_q1=0.0, lambda_q2=0.1, eta=0.1,
                do_nmf=False, quiet=True, copy_data=False)
    with _fitted(X, opts, "pip") as (model, _):
        pairs = _pairs(test[0][:5], test[1][:5])
        print("P.Q        :", _predict_from_factors(model, test[0][:5], test[1][:5]))
        print("F-ordered  :", model.predict(np.asfortranarray(pairs)))
        print("C-ordered  :", model.predict(np.ascontiguousarray(pairs)), "(wrong)")
    print("mean-only RMSE:", float(np.sqrt(np.mean((test[2] - train[2].mean()) ** 2))))
    for build in ("pip", "native"):
        res = fit_libmf(train, test, k=16, build=build)
        print({k: v for k, v in res.items() if k not in ("params", "predictions")})
    print("native .so:", build_native_libmf())


if __name__ == "__main__":
    _self_check()
