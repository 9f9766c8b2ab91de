"""``KNNBasic``, ``KNNWithMeans``, ``KNNBaseline`` with Surprise's parameters, on mfrec's
neighbourhood models.

Each fits the matching mfrec model (``mfrec.KNNBasic`` ...) on the trainset's ratings (inner
ids = Surprise's) with ``sim_options`` / ``bsl_options`` translated one to one: ``name`` →
``similarity``, ``user_based`` (Surprise's default True), ``min_support``, ``shrinkage``;
baselines by ``n_epochs`` ALS sweeps with ``reg_u``, ``reg_i``. Estimates come from mfrec's
C++ kernels (similarities stored sparsely, positive ones only: the only ones an estimate
uses), with Surprise's rules: an unknown user or item is impossible ("User and/or item is
unknown."), KNNBasic with fewer than ``min_k`` neighbours too ("Not enough neighbors."),
``details["actual_k"]`` otherwise. ``sim`` (Surprise's dense n × n similarity matrix,
negative entries included) is computed on first access by ``compute_similarities()``, so
code that reads it gets Surprise's matrix, and code that does not pays nothing for it.
"""

from __future__ import annotations

import numpy as np

from .algo_base import AlgoBase

__all__ = ["KNNBaseline", "KNNBasic", "KNNWithMeans"]

_UNKNOWN = "User and/or item is unknown."
_NOT_ENOUGH = "Not enough neighbors."


class _SymmetricAlgo(AlgoBase):
    """What the three share: options, the mfrec model, the batched estimates."""

    _mfrec_name = ""
    _min_k_impossible = False

    def __init__(self, k=40, min_k=1, sim_options={}, bsl_options={}, verbose=True,  # noqa: B006
                 **kwargs):
        AlgoBase.__init__(self, sim_options=dict(sim_options), bsl_options=dict(bsl_options),
                          **kwargs)
        self.k = k
        self.min_k = min_k
        self.verbose = verbose

    def _model(self):
        import mfrec

        name = self.sim_options.get("name", "msd").lower()
        if name not in ("cosine", "msd", "pearson", "pearson_baseline"):
            raise NameError(f"Wrong sim name {name}. Allowed values are cosine, msd, pearson, "
                            "pearson_baseline.")
        bsl = self.bsl_options
        method = bsl.get("method", "als")
        if method not in ("als", "sgd"):
            raise ValueError(f"Invalid method {method} for baseline computation. Available "
                             "methods are als and sgd.")
        if method == "sgd" and (name == "pearson_baseline" or self._mfrec_name == "KNNBaseline"):
            raise NotImplementedError("KNN baselines by SGD (bsl_options method 'sgd') are not "
                                      "supported by mfrec's neighbourhood models; use 'als'")
        return getattr(mfrec, self._mfrec_name)(
            k=int(self.k), min_k=int(self.min_k), similarity=name,
            user_based=bool(self.sim_options.get("user_based", True)),
            min_support=int(self.sim_options.get("min_support", 1)),
            shrinkage=float(self.sim_options.get("shrinkage", 100)),
            n_epochs=int(bsl.get("n_epochs", 10)), reg_user=float(bsl.get("reg_u", 15)),
            reg_item=float(bsl.get("reg_i", 10)))

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        model = self._model()
        if self.verbose:
            print(f"Computing the {model.similarity or model._default_similarity} "
                  "similarity matrix...")
        model.fit(trainset._to_interactions())
        if self.verbose:
            print("Done computing similarity matrix.")
        self._mfrec_model = model
        self._sim = None
        self._fitted_attributes(model)
        return self

    def _fitted_attributes(self, model) -> None:
        """Surprise's learned attributes besides ``sim``."""

    @property
    def sim(self) -> np.ndarray:
        """Surprise's dense similarity matrix (float64), computed on first access."""
        if getattr(self, "_sim", None) is None:
            self._sim = self.compute_similarities()
        return self._sim

    @sim.setter
    def sim(self, value) -> None:
        self._sim = value

    def _estimate_batch(self, u, i):
        known = (u >= 0) & (i >= 0)
        n = len(u)
        est = np.full(n, self.trainset.global_mean)
        impossible = ~known
        reasons = np.full(n, _UNKNOWN, dtype=object)
        actual_k = np.zeros(n, dtype=np.int64)
        if known.any():
            if getattr(self, "_mfrec_model", None) is None:  # loaded by dump.load: the
                model = self._model()                        # trainset is there, the fit
                model.fit(self.trainset._to_interactions())  # is deterministic
                self._mfrec_model = model
            scores, details = self._mfrec_model.predict_details(u[known], i[known], clip=False,
                                                                unknown="baseline")
            est[known] = scores.astype(np.float64)
            actual_k[known] = details["actual_k"]
            if self._min_k_impossible:
                short = np.zeros(n, dtype=bool)
                short[known] = np.asarray(details["was_impossible"], dtype=bool)
                impossible |= short
                reasons[short] = _NOT_ENOUGH
        ks = actual_k.tolist()
        per_pair = [{} if bad else {"actual_k": k} for bad, k in zip(impossible.tolist(), ks)]
        return est, impossible, reasons, per_pair


class KNNBasic(_SymmetricAlgo):
    """Surprise's ``KNNBasic``: r̂ = Σ s·r / Σ s over the ``k`` most similar neighbours
    (user-based by default, as in Surprise)."""

    _mfrec_name = "KNNBasic"
    _min_k_impossible = True


class KNNWithMeans(_SymmetricAlgo):
    """Surprise's ``KNNWithMeans``: r̂ = μ_x + Σ s·(r − μ_y) / Σ s; ``means`` as Surprise's."""

    _mfrec_name = "KNNWithMeans"

    def _fitted_attributes(self, model) -> None:
        self.means = np.asarray(model.means_, dtype=np.float64)


class KNNBaseline(_SymmetricAlgo):
    """Surprise's ``KNNBaseline``: r̂ = b_ui + Σ s·(r − b) / Σ s with ALS baselines
    (``bu``, ``bi`` as Surprise's); msd similarity unless ``sim_options`` says otherwise."""

    _mfrec_name = "KNNBaseline"

    def _fitted_attributes(self, model) -> None:
        self.bu = np.asarray(model.user_bias_, dtype=np.float64)
        self.bi = np.asarray(model.item_bias_, dtype=np.float64)

    def compute_baselines(self):
        return self.bu, self.bi
