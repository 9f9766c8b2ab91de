"""mfrec.plot: learning curves, item maps, the benchmark chart and exact-size PNGs."""

import json
import re
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest

import mfrec
from mfrec.plot import benchmark_chart, demo_figure, item_map, learning_curve, save_figure

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

COMPARE_JSON = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "compare.json"


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def split():
    data = mfrec.datasets.synthetic(300, 200, 6000, random_state=1)
    return mfrec.model_selection.train_test_split(data, test_size=0.2, random_state=0)


@pytest.fixture(scope="module")
def fitted(split):
    train, test = split
    return mfrec.FunkSVD(n_factors=8, n_epochs=6, random_state=0, n_threads=1).fit(
        train, eval_set=test)


@pytest.fixture(scope="module")
def model2(split):
    return mfrec.FunkSVD(n_factors=2, n_epochs=3, random_state=0, n_threads=1).fit(split[0])


def _lines(fig):
    return [line for ax in fig.axes for line in ax.get_lines()]


def _scatter(ax):
    (coll,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return coll


def _annotations(ax):
    return [t for t in ax.texts if isinstance(t, Annotation)]


def _png_size(path):
    raw = Path(path).read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", raw[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", raw[16:24])
    assert struct.unpack(">I", raw[29:33])[0] == zlib.crc32(raw[12:29])
    return width, height


# -- learning_curve ---------------------------------------------------------------------------
def test_learning_curve_of_a_model_draws_each_series(fitted):
    fig = learning_curve(fitted)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch"
    series = {line.get_label(): line for line in _lines(fig)}
    assert set(series) == {"loss", "val_rmse"}
    epochs = [h["epoch"] for h in fitted.history_]
    for name, line in series.items():
        np.testing.assert_array_equal(line.get_xdata(), epochs)
        np.testing.assert_allclose(line.get_ydata(), [h[name] for h in fitted.history_])
    ylabels = {a.get_ylabel() for a in fig.axes}
    assert "loss" in " ".join(ylabels) and "val_rmse" in " ".join(ylabels)
    legend_texts = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend_texts == {"loss", "val_rmse"}


def _history(loss, **vals):
    return [{"epoch": j + 1, "elapsed": 0.1 * j, "loss": loss[j],
             **{k: v[j] for k, v in vals.items()}} for j in range(len(loss))]


def test_different_scales_get_a_twin_axis():
    hist = _history([120.0, 80.0, 60.0, 55.0], **{"val_ndcg@10": [0.10, 0.20, 0.24, 0.25],
                                                 "val_recall@10": [0.15, 0.25, 0.30, 0.31]})
    fig = learning_curve(hist)
    assert len(fig.axes) == 2
    left, right = fig.axes
    assert left.get_ylabel() == "loss"
    assert "val_ndcg@10" in right.get_ylabel() and "val_recall@10" in right.get_ylabel()
    assert [line.get_label() for line in left.get_lines()] == ["loss"]
    assert {line.get_label() for line in right.get_lines()} == {"val_ndcg@10", "val_recall@10"}
    legend = {t.get_text() for t in left.get_legend().get_texts()}
    assert legend == {"loss", "val_ndcg@10", "val_recall@10"}


def test_similar_scales_share_one_axis():
    fig = learning_curve(_history([0.95, 0.92, 0.90], val_rmse=[0.96, 0.94, 0.93]))
    assert len(fig.axes) == 1
    assert len(fig.axes[0].get_lines()) == 2


def test_metrics_selects_series_and_nan_losses_are_left_out():
    hist = _history([float("nan")] * 3, val_rmse=[1.0, 0.9, 0.85], val_mae=[0.8, 0.7, 0.7])
    fig = learning_curve(hist)
    assert sorted(line.get_label() for line in _lines(fig)) == ["val_mae", "val_rmse"]
    fig = learning_curve(hist, metrics="val_mae", title="t")
    assert [line.get_label() for line in _lines(fig)] == ["val_mae"]
    assert fig.axes[0].get_title() == "t"
    with pytest.raises(KeyError, match="val_ndcg"):
        learning_curve(hist, metrics=["val_ndcg@10"])
    with pytest.raises(ValueError, match="no finite values"):
        learning_curve(hist, metrics="loss")


def test_learning_curve_draws_into_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert learning_curve(_history([1.0, 0.5]), ax=ax) is fig
    assert len(ax.get_lines()) == 1


def test_learning_curve_bad_input(fitted, split):
    with pytest.raises(ValueError, match="empty"):
        learning_curve([])
    with pytest.raises(mfrec.NotFittedError):
        learning_curve(mfrec.FunkSVD())
    model = mfrec.FunkSVD(n_factors=2, n_epochs=1, random_state=0).fit(split[0])
    del model.history_
    with pytest.raises(ValueError, match="no training history"):
        learning_curve(model)
    with pytest.raises(TypeError, match="dict"):
        learning_curve([{"epoch": 1, "loss": 1.0}, 3])


# -- item_map ---------------------------------------------------------------------------------
def test_two_factors_are_drawn_as_they_are(model2, split):
    train = split[0]
    items = train.item_ids[np.flatnonzero(train.item_counts() > 0)][:12][::-1]
    fig = item_map(model2, items=items)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("factor 1", "factor 2")
    inner = model2.item_map_.to_inner(items)
    np.testing.assert_allclose(_scatter(ax).get_offsets(), model2.item_factors_[inner],
                               rtol=1e-6)
    texts = sorted(a.get_text() for a in _annotations(ax))
    assert texts == sorted(str(t) for t in train.item_titles[inner])


def test_cold_items_are_left_out():
    users = [0, 0, 1, 1, 2, 2, 3]
    items = ["a", "b", "a", "c", "b", "c", "a"]
    data = mfrec.Interactions(users, items, [5, 3, 4, 2, 1, 4, 5],
                              item_ids=["a", "b", "c", "cold"],
                              item_metadata={"title": ["A", "B", "C", "Cold"]})
    model = mfrec.FunkSVD(n_factors=3, n_epochs=3, random_state=0).fit(data)
    fig = item_map(model, items=["cold", "c", "a", "c"])
    ax = fig.axes[0]
    assert len(_scatter(ax).get_offsets()) == 2
    assert [a.get_text() for a in _annotations(ax)] == ["C", "A"]
    assert len(_scatter(item_map(model).axes[0]).get_offsets()) == 3
    with pytest.raises(ValueError, match="cold"):
        item_map(model, items=["cold"])
    with pytest.raises(ValueError, match="cold"):
        item_map(model, highlight="cold")


def test_default_draws_the_most_popular_and_labels_a_few(fitted, split):
    train = split[0]
    counts = train.item_counts()
    ax = item_map(fitted, n=50, labels=7).axes[0]
    offsets = _scatter(ax).get_offsets()
    assert len(offsets) == 50
    labelled = [a.get_text() for a in _annotations(ax)]
    assert len(labelled) == 7
    top7 = np.argsort(-counts, kind="stable")[:7]
    assert sorted(labelled) == sorted(str(t) for t in train.item_titles[top7])
    n_warm = int(np.sum(np.any(fitted.item_factors_ != 0, axis=1)))
    ax = item_map(fitted, labels=False).axes[0]
    assert len(_scatter(ax).get_offsets()) == min(200, n_warm)
    assert _annotations(ax) == []


def test_pca_map_keeps_cosine_neighbours_close(split):
    model = mfrec.FunkSVD(n_factors=8, n_epochs=15, random_state=0, n_threads=1).fit(split[0])
    warm = np.flatnonzero(np.any(model.item_factors_ != 0, axis=1))
    ids = model.item_map_.ids[warm]
    ax = item_map(model, items=ids, labels=False).axes[0]
    assert re.fullmatch(r"PC 1 \(\d+% of variance\)", ax.get_xlabel())
    assert re.fullmatch(r"PC 2 \(\d+% of variance\)", ax.get_ylabel())
    xy = np.asarray(_scatter(ax).get_offsets())
    pos = {int(i): xy[j] for j, i in enumerate(ids)}
    nn, _ = model.similar_items(ids, n=1)
    nn = {int(a): int(b) for a, b in zip(ids, nn[:, 0])}
    mutual = [(a, b) for a, b in nn.items() if a < b and nn.get(b) == a]
    assert len(mutual) >= 5
    d_mutual = np.mean([np.linalg.norm(pos[a] - pos[b]) for a, b in mutual])
    rng = np.random.default_rng(0)
    pairs = rng.choice(ids, size=(500, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    d_random = np.mean([np.linalg.norm(pos[int(a)] - pos[int(b)]) for a, b in pairs])
    assert d_mutual < 0.5 * d_random


def test_random_projection_is_seeded(fitted):
    a = _scatter(item_map(fitted, method="random", random_state=3).axes[0]).get_offsets()
    b = _scatter(item_map(fitted, method="random", random_state=3).axes[0]).get_offsets()
    c = _scatter(item_map(fitted, method="random", random_state=4).axes[0]).get_offsets()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    ax = item_map(fitted, method="random").axes[0]
    assert ax.get_xlabel() == "random direction 1"


def test_highlight_and_titles(fitted, split):
    train = split[0]
    order = np.argsort(-train.item_counts(), kind="stable")
    rare = train.item_ids[order[150]]  # not among the 20 most popular
    ax = item_map(fitted, n=20, labels=0, highlight=[rare],
                  titles={rare: "my item"}).axes[0]
    assert len(_scatter(ax).get_offsets()) == 21
    (note,) = _annotations(ax)
    assert note.get_text() == "my item" and note.get_fontweight() == "bold"
    with pytest.raises(ValueError, match="titles must have shape"):
        item_map(fitted, titles=["x", "y"])


def test_item_map_bad_input(fitted, split):
    with pytest.raises(KeyError, match="12345"):
        item_map(fitted, items=[0, 12345])
    with pytest.raises(KeyError, match="9999"):
        item_map(fitted, highlight=9999)
    with pytest.raises(mfrec.NotFittedError):
        item_map(mfrec.FunkSVD())
    with pytest.raises(ValueError, match="method"):
        item_map(fitted, method="tsne")
    with pytest.raises(ValueError, match="empty"):
        item_map(fitted, items=[])
    one = mfrec.FunkSVD(n_factors=1, n_epochs=1, random_state=0).fit(split[0])
    with pytest.raises(ValueError, match="at least 2 factors"):
        item_map(one)
    with pytest.raises(TypeError, match="recommender"):
        item_map(np.zeros((3, 2)))


# -- benchmark_chart --------------------------------------------------------------------------
def _bars(ax):
    return [p for c in ax.containers for p in c.patches]


def test_chart_of_the_current_compare_json():
    """The recorded full run ({"meta", "records"}): one panel per task; the rating panel has
    one bar per record, bars end at the fit times, skipped rows are labelled gaps."""
    data = json.loads(COMPARE_JSON.read_text())
    records = data["records"] if isinstance(data, dict) else data
    tasks = list(dict.fromkeys(r.get("task", "rating") for r in records))
    fig = benchmark_chart(COMPARE_JSON)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(tasks)
    ax = next(a for a in fig.axes if "fit time" in a.get_xlabel())
    assert ax.get_xscale() == "log"
    rating = [r for r in records if r.get("task", "rating") == "rating"]
    ok = [r for r in rating if r.get("status", "ok") == "ok"]
    bars = _bars(ax)
    assert len(bars) == len(rating)
    drawn = [b for b in bars if b.get_width() > 0]
    right_edges = sorted(b.get_x() + b.get_width() for b in drawn)
    np.testing.assert_allclose(right_edges, sorted(r["fit_seconds"] for r in ok))
    datasets = list(dict.fromkeys(r["dataset"] for r in rating))
    assert [t.get_text() for t in ax.get_yticklabels()] == datasets
    texts = " ".join(a.get_text() for a in _annotations(ax))
    for r in ok:
        assert f"RMSE {r['rmse']:.4f}" in texts
    assert texts.count("skipped") + texts.count("failed") == len(rating) - len(ok)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(dict.fromkeys(r["model"] for r in rating))



def test_many_models_get_distinct_colours_and_their_names_on_the_bars():
    """Past 10 models, colours come from tab20 (distinct up to 20) and every bar's label
    starts with its model's name, so that a bar can be read without matching colours."""
    def rec(j, status="ok"):
        r = {"task": "rating", "dataset": "d", "model": f"model {j}", "status": status,
             "threads": 1}
        if status == "ok":
            r.update(fit_seconds=0.01 * (j + 1), rmse=0.9)
        return r

    few = benchmark_chart([rec(j) for j in range(10)])
    texts = [a.get_text() for a in _annotations(few.axes[0])]
    assert not any(t.startswith("model") for t in texts)
    many = [rec(j) for j in range(15)] + [rec(15, "failed: killed by signal 9")]
    ax = benchmark_chart(many).axes[0]
    texts = [a.get_text() for a in _annotations(ax)]
    assert [t.split(":")[0] for t in texts] == [r["model"] for r in many]
    assert texts[-1] == "model 15: failed: killed by signal 9"
    colours = {tuple(b.get_facecolor()) for b in _bars(ax)}
    assert len(colours) == len(many)

MIXED = [
    {"task": "rating", "dataset": "ml-100k", "model": "mfrec FunkSVD", "status": "ok",
     "fit_seconds": 0.03, "predict_seconds": 0.001, "rmse": 0.91, "mae": 0.72, "threads": 2},
    {"task": "rating", "dataset": "ml-100k", "model": "Surprise SVD",
     "status": "skipped (scikit-surprise not installed)", "threads": 1},
    {"task": "implicit", "dataset": "lastfm-2k", "model": "mfrec ImplicitALS", "status": "ok",
     "seconds_per_iter": 0.02, "ndcg@10": 0.3125, "recall@10": 0.2, "map@10": 0.1},
    {"task": "implicit", "dataset": "lastfm-2k", "model": "implicit ALS", "status": "ok",
     "seconds_per_iter": 0.05, "ndcg@10": 0.3011, "recall@10": 0.2, "map@10": 0.1},
    {"task": "implicit", "dataset": "synthetic", "model": "implicit ALS",
     "status": "failed: MemoryError"},
    {"task": "topn", "dataset": "synthetic", "model": "mfrec", "status": "ok", "seconds": 3.4},
]


def test_one_panel_per_task_with_labelled_gaps():
    fig = benchmark_chart({"records": MIXED}, title="mfrec vs peers")
    assert len(fig.axes) == 3
    assert fig.get_suptitle() == "mfrec vs peers"
    for ax, task in zip(fig.axes, ["rating", "implicit", "topn"]):
        recs = [r for r in MIXED if r["task"] == task]
        bars = _bars(ax)
        assert len(bars) == len(recs)
        texts = [a.get_text() for a in _annotations(ax)]
        for bar, rec in zip(bars, recs):
            if rec["status"] == "ok":
                assert bar.get_width() > 0
            else:
                assert bar.get_width() == 0
                assert rec["status"] in texts
    implicit_texts = " ".join(a.get_text() for a in _annotations(fig.axes[1]))
    assert "NDCG@10 0.3125" in implicit_texts and "NDCG@10 0.3011" in implicit_texts
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["lastfm-2k", "synthetic"]


def test_task_selects_one_panel_and_ax_is_used():
    fig = Figure()
    ax = fig.add_subplot()
    assert benchmark_chart(MIXED, task="implicit", ax=ax, title="ALS") is fig
    assert len(_bars(ax)) == 3
    assert ax.get_title() == "ALS"
    assert "per ALS iteration" in ax.get_xlabel()


def test_benchmark_chart_bad_input(tmp_path):
    with pytest.raises(ValueError, match="no benchmark records"):
        benchmark_chart([])
    with pytest.raises(ValueError, match="no 'topn' records"):
        benchmark_chart(MIXED[:2], task="topn")
    with pytest.raises(ValueError, match="task must be one of"):
        benchmark_chart(MIXED, task="speed")
    with pytest.raises(ValueError, match="unknown task"):
        benchmark_chart([{**MIXED[0], "task": "ranking"}])
    with pytest.raises(ValueError, match="fit_seconds"):
        benchmark_chart([{k: v for k, v in MIXED[0].items() if k != "fit_seconds"}])
    with pytest.raises(ValueError, match="model"):
        benchmark_chart([{"dataset": "ml-100k", "fit_seconds": 1.0}])
    with pytest.raises(TypeError, match="record 0"):
        benchmark_chart([1.0])
    with pytest.raises(ValueError, match="ax given"):
        benchmark_chart(MIXED, ax=Figure().add_subplot())
    with pytest.raises(OSError):
        benchmark_chart(tmp_path / "missing.json")


# -- save_figure ------------------------------------------------------------------------------
def test_save_figure_writes_a_png_of_the_requested_size(tmp_path):
    fig = learning_curve(_history([1.0, 0.8, 0.7]))
    size = tuple(fig.get_size_inches())
    out = save_figure(fig, tmp_path / "curve.png", width=333, height=217, dpi=72)
    assert out == tmp_path / "curve.png"
    assert _png_size(out) == (333, 217)
    assert tuple(fig.get_size_inches()) == size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.png"]  # no temp file left
    save_figure(fig, out, dpi=50)  # replaces it; default size = the figure's own
    assert _png_size(out) == (round(size[0] * 50), round(size[1] * 50))


def test_save_figure_bad_input(tmp_path):
    fig = Figure()
    with pytest.raises(ValueError, match=r"\.png"):
        save_figure(fig, tmp_path / "curve.svg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_figure(fig, tmp_path / "nowhere" / "curve.png")
    with pytest.raises(TypeError, match="Figure"):
        save_figure("figure", tmp_path / "curve.png")
    with pytest.raises(ValueError, match="width"):
        save_figure(fig, tmp_path / "curve.png", width=0)
    with pytest.raises(ValueError, match="dpi"):
        save_figure(fig, tmp_path / "curve.png", dpi=-1)
    assert list(tmp_path.iterdir()) == []


def test_figures_are_built_and_saved_from_threads(tmp_path, fitted):
    errors, sizes = [], {}

    def work(j):
        try:
            path = save_figure(item_map(fitted, n=30), tmp_path / f"m{j}.png",
                               width=300 + j, height=200 + j)
            sizes[j] = _png_size(path)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(j,)) for j in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sizes == {j: (300 + j, 200 + j) for j in range(3)}


# -- demo figure and the optional dependency ----------------------------------------------------
def test_demo_figure_has_curve_and_map(fitted):
    fig = demo_figure(fitted, n=40, labels=5)
    assert isinstance(fig, Figure)
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert xlabels[0] == "epoch" and any(x.startswith("PC 1") for x in xlabels)
    assert len(_lines(fig)) == 2
    (map_ax,) = [ax for ax in fig.axes if ax.get_xlabel().startswith("PC 1")]
    assert len(_scatter(map_ax).get_offsets()) == 40
    assert len(_annotations(map_ax)) == 5


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=re.escape('pip install "mfrec[plot]"')):
        learning_curve(_history([1.0, 0.5]))


def test_mfrec_imports_without_matplotlib():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import mfrec, mfrec.plot\n"
            "assert 'matplotlib.figure' not in sys.modules\n"
            "try:\n"
            "    mfrec.plot.benchmark_chart([{'model': 'm', 'dataset': 'd', 'fit_seconds': 1}])\n"
            "except ImportError as exc:\n"
            "    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert 'pip install "mfrec[plot]"' in out.stdout
