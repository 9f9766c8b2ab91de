"""The scoring seam (mfrec/_scoring.py): a model that is not a dot product supplies its own
scorer and gets predict, recommend, similar_items, save/load and the contract from the base
class; the dense path (custom scorers) and the fused kernel are peers that agree."""

import numpy as np
import pytest

import mfrec
from mfrec._scoring import DotScorer, Scorer
from mfrec._traits import ModelTraits


class PopularityScorer(Scorer):
    """score(u, i) = popularity of i + a small user-specific tilt; similarity = closeness of
    popularity. No factors: the custom path of recommend and similar_items."""

    clip = False

    def __init__(self, pop, tilt):
        self.pop, self.tilt = pop, tilt

    def predict(self, u, i, *, clip, scale, n_threads):
        out = np.where(i >= 0, self.pop[np.maximum(i, 0)], 0.0)
        out = out + np.where(u >= 0, self.tilt[np.maximum(u, 0)], 0.0) * (i % 3)
        return out.astype(np.float32)

    def score_block(self, users, cand, n_threads):
        return (self.pop[cand][None, :] + self.tilt[users][:, None] * (cand % 3)[None, :]
                ).astype(np.float32)

    def similarity_block(self, kind, query, cand, n_threads):
        x = self.pop if kind == "items" else self.tilt
        return (-np.abs(x[query][:, None] - x[cand][None, :])).astype(np.float32)


class Popular(mfrec.Recommender):
    """Most-popular items with a user tilt: a model defined outside mfrec.models."""

    def __init__(self, n_epochs: int = 1, n_threads: int | None = None) -> None:
        self.n_epochs = n_epochs
        self.n_threads = n_threads

    def _get_traits(self):
        return ModelTraits(feedback="implicit", val_metric="ndcg@10", fold_in="none",
                           deterministic=True, biased=False, scoring="custom")

    def _check_params(self):
        return {"n_epochs": self.n_epochs}

    def _make_trainer(self, data, params, engine, **fit_data):
        class Trainer:
            n_epochs = params["n_epochs"]

            def epoch(self, t):
                return 0.0

            def state(self, final):
                pop = data.item_counts().astype(np.float32)
                tilt = (np.arange(data.n_users) % 5 / 10).astype(np.float32)
                return {"user_factors_": np.zeros((data.n_users, 0), np.float32),
                        "item_factors_": np.zeros((data.n_items, 0), np.float32),
                        "user_bias_": tilt, "item_bias_": pop}

        return Trainer()

    def _make_scorer(self, state):
        return PopularityScorer(state["item_bias_"], state["user_bias_"])

    def fit(self, X, *, eval_set=None, callback=None):
        return self._fit(X, eval_set=eval_set, callback=callback)


def test_custom_scorer_recommend_against_numpy(small):
    model = Popular().fit(small)
    S = model._scoring().score_block(np.arange(small.n_users), np.arange(small.n_items), 1)
    seen = small.to_csr()
    users = np.arange(0, 300, 7)
    ids, scores = model.recommend(users, n=12)
    for row, u in enumerate(users):
        s = S[u].astype(np.float64).copy()
        s[seen.indices[seen.indptr[u]:seen.indptr[u + 1]]] = -np.inf
        order = np.argsort(-s, kind="stable")[:12]  # ties keep the earlier item
        np.testing.assert_array_equal(ids[row], order)
        np.testing.assert_allclose(scores[row], s[order], rtol=1e-6)


def test_custom_scorer_similar_items_and_filters(small):
    model = Popular().fit(small)
    pop = small.item_counts()
    ids, scores = model.similar_items([5, 9], n=6, exclude=[0, 1, 2])
    for q, row, srow in zip([5, 9], ids, scores):
        assert q not in row and not {0, 1, 2} & set(row.tolist())
        np.testing.assert_allclose(srow, -np.abs(pop[row] - pop[q]))
        assert np.all(np.diff(srow) <= 0)
    # a catalogue smaller than n: padding as in the fused kernel
    ids, scores = model.recommend([0], n=5, items=[3, 4])
    assert ids.tolist()[0][2:] == [-1, -1, -1] and np.isnan(scores[0, 2:]).all()


def test_custom_model_predicts_saves_and_loads(small, tmp_path):
    model = Popular().fit(small)
    p = model.predict([0, 1], [2, 3])
    np.testing.assert_allclose(p, model._scoring().predict(np.array([0, 1]), np.array([2, 3]),
                                                           clip=False, scale=(1, 5),
                                                           n_threads=1))
    model.save(tmp_path / "pop.npz")
    loaded = mfrec.load(tmp_path / "pop.npz")  # found through the registry
    assert type(loaded) is Popular
    np.testing.assert_array_equal(loaded.recommend([0, 1], n=5)[0], model.recommend([0, 1], n=5)[0])
    with pytest.raises(NotImplementedError, match="fold-in"):
        model.fold_in(small.to_csr()[:2])


@pytest.mark.parametrize("cls", [mfrec.FunkSVD, mfrec.ImplicitALS])
def test_dense_path_is_a_peer_of_the_fused_kernel(small, cls, monkeypatch):
    """The same DotScorer through the dense selection kernel and through the fused one."""
    model = cls(n_factors=8, n_epochs=3, random_state=0).fit(small)
    fused_ids, fused_scores = model.recommend(n=10)
    scorer = model._scoring()

    class Dense(Scorer):  # a DotScorer seen only through the custom interface
        clip = scorer.clip
        predict = scorer.predict
        score_block = scorer.score_block
        similarity_block = scorer.similarity_block

    monkeypatch.setattr(model, "_scoring", lambda: Dense())
    dense_ids, dense_scores = model.recommend(n=10)
    np.testing.assert_allclose(dense_scores, fused_scores, rtol=1e-4, atol=1e-5)
    assert np.mean(dense_ids == fused_ids) > 0.99  # equal up to near-ties in float32
    sim_fused = mfrec.Recommender.similar_items  # through Dense as well
    ids, scores = sim_fused(model, [0, 1], n=5)
    monkeypatch.undo()
    ref_ids, ref_scores = model.similar_items([0, 1], n=5)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-5)


def test_scorer_is_rebuilt_when_the_state_changes(small):
    model = mfrec.FunkSVD(n_factors=8, n_epochs=2, random_state=0).fit(small)
    first = model._scoring()
    assert isinstance(first, DotScorer) and model._scoring() is first
    model.recommend(n=3)
    assert first.cache  # panels packed and kept with this state
    model.add_users(small.to_csr()[:2])
    assert model._scoring() is not first
    model.fit(small)
    assert model._scoring() is not first


def test_fitted_scoring_ignores_later_set_params(small):
    """Traits that depend on a parameter are fixed at fit: set_params cannot change how a
    fitted model scores."""
    model = mfrec.FunkSVD(n_factors=8, n_epochs=2, random_state=0).fit(small)
    before = model.predict(small.users[:20], small.items[:20])
    model.set_params(biased=False)
    np.testing.assert_array_equal(model.predict(small.users[:20], small.items[:20]), before)


def test_query_offsets_are_one_per_query_with_or_without_user_biases():
    U, V = np.ones((5, 2), np.float32), np.ones((4, 2), np.float32)
    users = np.array([0, 3, 4], dtype=np.int64)
    plain = DotScorer(U, V, None, None, 2.5, None, False)
    np.testing.assert_array_equal(plain.query_offsets(users), [2.5, 2.5, 2.5])
    biased = DotScorer(U, V, np.arange(5, dtype=np.float32), None, 1.0, None, False)
    np.testing.assert_array_equal(biased.query_offsets(users), [1.0, 4.0, 5.0])
    assert DotScorer(U, V, None, None, 0.0, None, False).query_offsets(users) is None
