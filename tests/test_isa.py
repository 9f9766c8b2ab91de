"""Every ISA path the CPU supports against the generic one (MFREC_ISA / _core.set_isa_level).

The kernels are compiled for the baseline ISA, AVX2 + FMA and AVX-512 and pick one per call;
these tests run each path this machine can run and compare it with the baseline path:
within float rounding where the order of additions differs, bit-identical where the kernel
promises it (the random initial factors)."""

import numpy as np
import pytest

import mfrec
from mfrec import _core

LEVELS = [level for level in (3, 4) if level <= _core.cpu_isa_level()]


@pytest.fixture
def at_level():
    """Run a function at an ISA level; the level in use is restored afterwards."""
    before = _core.isa_level()

    def run(level, fn):
        assert _core.set_isa_level(level) == level
        try:
            return fn()
        finally:
            _core.set_isa_level(before)

    yield run
    _core.set_isa_level(before)


def test_levels_and_switch():
    cpu = _core.cpu_isa_level()
    assert cpu in (0, 3, 4) and _core.isa_level() <= cpu
    before = _core.isa_level()
    assert _core.set_isa_level(0) == 0 and _core.isa_level() == 0
    assert _core.sgd_row_floats() == 8 and _core.topk_panel_width() == 8
    assert _core.set_isa_level(99) == cpu  # capped at what the CPU has
    _core.set_isa_level(before)


def test_environment_variable_selects_the_level():
    import subprocess
    import sys

    code = "import mfrec._core as c; print(c.isa_level())"
    for value, want in (("generic", 0), ("avx2", min(3, _core.cpu_isa_level())),
                        ("nonsense", _core.cpu_isa_level())):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**__import__("os").environ, "MFREC_ISA": value})
        assert int(out.stdout) == want, value


@pytest.mark.parametrize("level", LEVELS)
def test_init_normal_is_identical_on_every_path(at_level, level):
    def draw():
        X = np.empty((500, 104), np.float32)
        _core.init_normal(X, k=101, mean=0.0, std=0.1, seed=3, n_threads=2)
        return X

    np.testing.assert_array_equal(at_level(level, draw), at_level(0, draw))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("k", [5, 16, 100, 130])
def test_funksvd_paths_agree(small, at_level, level, k):
    kw = dict(n_factors=k, n_epochs=3, n_blocks=2, n_threads=2, random_state=0)
    fit = lambda: mfrec.FunkSVD(**kw).fit(small)  # noqa: E731
    got, ref = at_level(level, fit), at_level(0, fit)
    np.testing.assert_allclose(got.user_factors_, ref.user_factors_, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(got.item_bias_, ref.item_bias_, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose([h["loss"] for h in got.history_],
                               [h["loss"] for h in ref.history_], rtol=1e-4)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("cls,kw", [(mfrec.ALS, {}), (mfrec.ALS, {"solver": "cholesky"}),
                                    (mfrec.ImplicitALS, {}),
                                    (mfrec.ImplicitALS, {"solver": "cholesky"})])
def test_als_paths_agree(small, at_level, level, cls, kw):
    fit = lambda: cls(n_factors=12, n_epochs=3, random_state=0, **kw).fit(small)  # noqa: E731
    got, ref = at_level(level, fit), at_level(0, fit)
    for attr in ("user_factors_", "item_factors_", "user_bias_"):
        np.testing.assert_allclose(getattr(got, attr), getattr(ref, attr), rtol=1e-3,
                                   atol=1e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_topn_paths_agree(small, at_level, level):
    model = mfrec.FunkSVD(n_factors=20, n_epochs=3, random_state=0).fit(small)

    def top():
        model._publish(model._fitted_state())  # fresh panels, packed for this level
        return model.recommend(n=10), model.similar_items(small.item_ids[:20], n=5)

    (ids, scores), (sids, sscores) = at_level(level, top)
    (rids, rscores), (rsids, rsscores) = at_level(0, top)
    np.testing.assert_allclose(scores, rscores, rtol=1e-5, atol=1e-5)
    assert np.mean(ids == rids) > 0.99  # equal up to near-ties in float32
    np.testing.assert_allclose(sscores, rsscores, rtol=1e-5, atol=1e-5)
