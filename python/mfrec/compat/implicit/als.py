"""``implicit.als``: ``AlternatingLeastSquares`` on mfrec's ALS kernel.

implicit's model exactly: confidence c = alpha·r for a stored value r (no "+1": the stored
value *is* the confidence at alpha=1), preference 1 where a value is stored, weight 1 and
preference 0 elsewhere, penalty regularization·(‖X‖² + ‖Y‖²), factors initialised uniform in
[0, 0.01) from ``random_state``, users solved first, then items, each half-sweep by conjugate
gradient warm-started at the current factors (``cg_steps`` = 3) or by Cholesky
(``use_cg=False``). The row solves are mfrec's (``_core.als_half_sweep``, parallel, AVX2 /
AVX-512); see docs/compat.md for the differences.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ... import _core
from ..._cores import work_ns
from ..._engine import Csr
from ..._validation import check_float, check_int
from .cpu.matrix_factorization_base import (
    NO_GPU,
    MatrixFactorizationBase,
    check_ids,
    engine_for,
    reject_gpu,
)
from .gpu import HAS_CUDA
from .utils import check_csr, check_random_state, nonzeros

__all__ = ["AlternatingLeastSquares"]


def _confidences(m: sp.csr_matrix, alpha: float) -> Csr:
    """The CSR of c = alpha·r as the kernel takes it (sorted, float32)."""
    m = sp.csr_matrix(m, copy=True)
    m.sum_duplicates()
    if m.data.size and not np.all(np.isfinite(m.data)):
        raise ValueError("user_items has NaN or infinite values")
    if m.data.size and m.data.min() < 0:
        raise ValueError("user_items has negative values: implicit reads them as negative "
                         "preferences with weight |alpha·r|; mfrec's kernel does not support "
                         "that (docs/compat.md)")
    return Csr(m.indptr.astype(np.int64), m.indices.astype(np.int32),
               np.ascontiguousarray(m.data * np.float32(alpha), dtype=np.float32))


class AlternatingLeastSquares(MatrixFactorizationBase):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with implicit 0.7.3's API.

    Parameters
    ----------
    factors : int, default 100
    regularization : float, default 0.01
    alpha : float, default 1.0
        Confidence c = alpha·r of each stored value r.
    dtype : numpy dtype, default float32
        The dtype of ``user_factors`` / ``item_factors`` (the kernel computes in float32).
    use_native : bool, default True
        Accepted; mfrec always runs its native kernel.
    use_cg : bool, default True
        Conjugate gradient (``cg_steps`` steps per row) instead of Cholesky.
    iterations : int, default 15
    calculate_training_loss : bool, default False
        Compute implicit's loss (the objective over the total confidence) after every
        iteration; passed to ``callback``.
    num_threads : int, default 0
        0 = all cores (fewer when the work is small or the machine busy, see mfrec's
        ``_cores.py``).
    random_state : int, Generator, RandomState or None
    use_gpu : bool, default False
        Must be False: mfrec has no GPU kernels.
    """

    def __init__(self, factors=100, regularization=0.01, alpha=1.0, dtype=np.float32,
                 use_native=True, use_cg=True, iterations=15, calculate_training_loss=False,
                 num_threads=0, random_state=None, use_gpu=HAS_CUDA):
        reject_gpu(use_gpu)
        super().__init__(num_threads=num_threads)
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.dtype = np.dtype(dtype)
        self.use_native = use_native
        self.use_cg = use_cg
        self.iterations = iterations
        self.calculate_training_loss = calculate_training_loss
        self.fit_callback = None
        self.cg_steps = 3
        self.random_state = random_state
        self._YtY = None
        self._XtX = None

    # -- training ----------------------------------------------------------------------------
    def _params(self, cholesky: bool = False) -> _core.AlsParams:
        reg = check_float(self.regularization, "regularization", nonneg=True)
        steps = 0 if (cholesky or not self.use_cg) else check_int(self.cg_steps, "cg_steps",
                                                                  min_value=1)
        return _core.AlsParams(reg=reg, implicit=True, cg_steps=steps)

    def fit(self, user_items, show_progress=True, callback=None):
        """Fit the factors to a users x items matrix of interaction strengths (CSR; other
        sparse formats are converted with a ParameterWarning). Factors already present (a
        model fitted before, or set by hand) are the starting point, as in implicit."""
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        k = check_int(self.factors, "factors", min_value=1)
        iterations = check_int(self.iterations, "iterations", min_value=0)
        alpha = check_float(self.alpha, "alpha", nonneg=True)
        params = self._params()
        Cui = check_csr(user_items)
        n_users, n_items = Cui.shape
        by_user = _confidences(Cui, alpha)
        by_item = by_user.transpose(n_items)
        rng = check_random_state(self.random_state)
        if self.user_factors is None or self.user_factors.shape != (n_users, k):
            self.user_factors = rng.random((n_users, k), dtype=self.dtype) * 0.01
        if self.item_factors is None or self.item_factors.shape != (n_items, k):
            self.item_factors = rng.random((n_items, k), dtype=self.dtype) * 0.01
        X = np.ascontiguousarray(self.user_factors, dtype=np.float32)
        Y = np.ascontiguousarray(self.item_factors, dtype=np.float32)
        engine = engine_for(self.num_threads)
        callback = callback or self.fit_callback
        loss = None
        total_conf = float(np.sum(by_user.values, dtype=np.float64))
        scale = total_conf + float(n_users) * n_items - len(by_user.values)
        for iteration in range(iterations):
            start = time.time()
            engine.solve_rows(by_user, X, Y, params, gram=engine.gram(Y))
            engine.solve_rows(by_item, Y, X, params, gram=engine.gram(X))
            if self.calculate_training_loss:
                nt = engine.threads(work_ns("gram", n_items * k * k))
                loss = _core.implicit_loss(*by_user, X, Y, gram=engine.gram(Y),
                                           reg=params.reg, n_threads=nt) / scale
            if callback:
                callback(iteration, time.time() - start, loss)
        self.user_factors = X.astype(self.dtype, copy=False)
        self.item_factors = Y.astype(self.dtype, copy=False)
        self._YtY = self._XtX = None
        self._factors_changed()
        self._check_factors(self.user_factors, self.item_factors)
        return self

    # -- fold-in -----------------------------------------------------------------------------
    @property
    def YtY(self) -> np.ndarray:
        if self._YtY is None:
            self._YtY = self.item_factors.T.dot(self.item_factors)
        return self._YtY

    @property
    def XtX(self) -> np.ndarray:
        if self._XtX is None:
            self._XtX = self.user_factors.T.dot(self.user_factors)
        return self._XtX

    def _solve(self, ids, rows, fixed: np.ndarray, n_other: int, what: str) -> np.ndarray:
        """Exact (Cholesky) solves of ``rows`` (CSR, one per id) against ``fixed``."""
        self._fitted()
        scalar = np.isscalar(ids)
        rows = check_csr(rows)
        n = 1 if scalar else len(np.asarray(ids).reshape(-1))
        if rows.shape[0] != n:
            raise ValueError(f"{what} should have one row for every id requested ({n}), got "
                             f"{rows.shape[0]}")
        if rows.shape[1] > n_other:
            raise IndexError(f"{what} has {rows.shape[1]} columns; the model knows {n_other}")
        R = _confidences(rows, check_float(self.alpha, "alpha", nonneg=True))
        F = np.ascontiguousarray(fixed, dtype=np.float32)
        out = np.zeros((n, F.shape[1]), dtype=np.float32)
        engine = engine_for(self.num_threads)
        engine.solve_rows(R, out, F, self._params(cholesky=True), gram=engine.gram(F))
        out = out.astype(self.dtype, copy=False)
        return out[0] if scalar else out

    def recalculate_user(self, userid, user_items):
        """The factors of ``userid`` solved exactly from ``user_items`` (one CSR row per id)
        with the item factors fixed; the model is not changed."""
        self._fitted()
        return self._solve(userid, user_items, self.item_factors, self.item_factors.shape[0],
                           "user_items")

    def recalculate_item(self, itemid, item_users):
        """The factors of ``itemid`` solved exactly from ``item_users`` (one CSR row per id,
        columns = users) with the user factors fixed."""
        self._fitted()
        return self._solve(itemid, item_users, self.user_factors, self.user_factors.shape[0],
                           "item_users")

    def partial_fit_users(self, userids, user_items):
        """Solve (and store) the factors of ``userids`` from ``user_items``; ids past the end
        grow ``user_factors`` (rows in between are zeros)."""
        self._fitted()
        ids = np.asarray(userids, dtype=np.int64).reshape(-1)
        if len(ids) != user_items.shape[0]:
            raise ValueError("user_items must contain 1 row for every user in userids")
        if ids.size and ids.min() < 0:
            raise IndexError("userids must be >= 0")
        solved = self.recalculate_user(ids, user_items)
        self.user_factors = _grown(self.user_factors, int(ids.max()) + 1 if ids.size else 0)
        self.user_factors[ids] = solved
        self._XtX = None
        self._factors_changed()

    def partial_fit_items(self, itemids, item_users):
        """Solve (and store) the factors of ``itemids`` from ``item_users``; ids past the end
        grow ``item_factors``."""
        self._fitted()
        ids = np.asarray(itemids, dtype=np.int64).reshape(-1)
        if len(ids) != item_users.shape[0]:
            raise ValueError("item_users must contain 1 row for every item in itemids")
        if ids.size and ids.min() < 0:
            raise IndexError("itemids must be >= 0")
        solved = self.recalculate_item(ids, item_users)
        self.item_factors = _grown(self.item_factors, int(ids.max()) + 1 if ids.size else 0)
        self.item_factors[ids] = solved
        self._YtY = None
        self._factors_changed()

    def explain(self, userid, user_items, itemid, user_weights=None, N=10):
        """How much each item the user liked contributes to the score of ``itemid`` (the
        user's factors solved exactly from ``user_items``, as ``recalculate_user``): returns
        (total score, the top N (itemid, contribution) pairs, the Cholesky factor of the
        user's system, to pass back as ``user_weights`` for the same user)."""
        self._fitted()
        user_items = check_csr(user_items)
        userid = int(check_ids(userid, user_items.shape[0], "userid")[0])
        itemid = int(check_ids(itemid, self.item_factors.shape[0], "itemid")[0])
        alpha = float(self.alpha)
        Y = self.item_factors.astype(np.float64)
        liked = [(int(j), alpha * float(c)) for j, c in nonzeros(user_items, userid)]
        if user_weights is None:
            A = self.YtY.astype(np.float64) + float(self.regularization) * np.eye(Y.shape[1])
            for j, c in liked:
                A += (c - 1.0) * np.outer(Y[j], Y[j])
            user_weights = scipy.linalg.cho_factor(A)
        weighted = scipy.linalg.cho_solve(user_weights, Y[itemid])
        contributions = [(j, float(weighted.dot(Y[j]) * c)) for j, c in liked if c >= 0]
        total = float(sum(s for _, s in contributions))
        top = sorted(contributions, key=lambda t: t[1], reverse=True)[:N]
        return total, top, user_weights

    # -- files -------------------------------------------------------------------------------
    def save(self, fileobj_or_path):
        """An .npz of the factors and parameters (implicit's layout; no pickle)."""
        args = {"user_factors": self.user_factors, "item_factors": self.item_factors,
                "regularization": self.regularization, "factors": self.factors,
                "num_threads": self.num_threads, "iterations": self.iterations,
                "use_native": self.use_native, "use_cg": self.use_cg,
                "cg_steps": self.cg_steps,
                "calculate_training_loss": self.calculate_training_loss,
                "dtype": self.dtype.name, "random_state": self.random_state,
                "alpha": self.alpha}
        args = {k: v for k, v in args.items() if v is not None and not _is_rng(v)}
        np.savez(fileobj_or_path, **args)

    def to_gpu(self):
        raise ValueError(NO_GPU)

    def to_cpu(self):
        return self


def _is_rng(v) -> bool:
    return isinstance(v, (np.random.Generator, np.random.RandomState))


def _grown(F: np.ndarray, n: int) -> np.ndarray:
    if n <= F.shape[0]:
        return F
    return np.concatenate([F, np.zeros((n - F.shape[0], F.shape[1]), dtype=F.dtype)])
