"""Regenerate the README's benchmark results block from one compare.py run.

Usage (from the repository root, after a full run and a --quick rerun)::

    python benchmarks/compare.py --json benchmarks/results/compare.json \\
        --plot docs/benchmarks.png > full.md
    python benchmarks/compare.py --quick --json benchmarks/results/compare_quick.json
    python benchmarks/readme_results.py full.md

Everything between ``<!-- results -->`` and ``<!-- /results -->`` in README.md is replaced:
the machine line (the first line compare.py printed), one summary line per task computed
from ``compare.json`` (ratios truncated, never rounded up), the reproducibility line
comparing the two runs, and the tables as printed.
"""

import json
import math
import re
import sys

FUNK, FUNK_S = "mfrec FunkSVD", "mfrec FunkSVD (Surprise settings)"
SVD, LIBMF = "Surprise SVD", "LibMF native"
IALS, IALS_CHOL = "mfrec ImplicitALS (CG)", "mfrec ImplicitALS (Cholesky)"
PEER_CG, PEER_CHOL = "implicit ALS (CG)", "implicit ALS (Cholesky)"
SMALL = ("ml-100k", "ml-latest-small")
IMPLICIT_SETS = (("lastfm-2k", "Last.fm 2K"), ("ml-100k", "MovieLens 100K positives"),
                 ("synthetic-10m", "synthetic 10M positives"))
TOPN_SETS = ("random-20k×10k", "random-100k×50k")
# rows whose fits at 2 threads are not reproducible bit for bit (Hogwild SGD, or built on it)
HOGWILD = ("FunkSVD", "SVDpp", "BPR", "Blend")


def load(path):
    """Records of a compare.py --json file, keyed by (task, dataset, model)."""
    with open(path) as f:
        run = json.load(f)
    return run, {(r["task"], r["dataset"], r["model"]): r for r in run["records"]}


def trunc(x):
    """x with 2 decimals (1 from 10 up), truncated: a ratio is never rounded up."""
    digits = 1 if x >= 10 else 2
    scale = 10 ** digits
    return f"{math.floor(x * scale) / scale:.{digits}f}"


def faster(ratio):
    """A time ratio (reference ÷ row) in words: "N× faster" or, below 1, "N× slower"."""
    return f"{trunc(ratio)}× faster" if ratio >= 1 else f"{trunc(1 / ratio)}× slower"


class Run:
    def __init__(self, records):
        self.r = records

    def ratio(self, task, ds, model, ref, key):
        """How many times faster ``model`` is than ``ref`` (ref time / model time)."""
        return self.r[(task, ds, ref)][key] / self.r[(task, ds, model)][key]

    def fit_ratio(self, ds, model, ref):
        return trunc(self.ratio("rating", ds, model, ref, "fit_seconds"))

    def rmse(self, ds, model):
        return round(self.r[("rating", ds, model)]["rmse"], 4)

    def ndcg(self, ds, model):
        return round(self.r[("implicit", ds, model)]["ndcg@10"], 4)

    def ok(self, task, ds, *models):
        """Whether every one of ``models`` ran (status "ok") on ``ds``."""
        return all(self.r.get((task, ds, m), {}).get("status") == "ok" for m in models)


def rating_vs_surprise(run):
    def faster_and_lower(ds):
        return (f"{run.fit_ratio(ds, FUNK, SVD)}× faster and "
                f"{run.rmse(ds, SVD) - run.rmse(ds, FUNK):.4f} lower")

    def pair(ds, a, b):
        return f"{run.rmse(ds, a):.4f} vs {run.rmse(ds, b):.4f}"

    k = "ml-100k"
    return (f"- **Rating prediction vs Surprise:** mfrec FunkSVD (defaults) fits "
            f"{run.fit_ratio(k, FUNK, SVD)}× faster than Surprise SVD on MovieLens 100K with "
            f"RMSE {run.rmse(k, SVD) - run.rmse(k, FUNK):.4f} lower ({pair(k, FUNK, SVD)}); "
            f"{faster_and_lower('ml-latest-small')} on latest-small "
            f"({pair('ml-latest-small', FUNK, SVD)}); {faster_and_lower('synthetic-10m')} on "
            f"synthetic 10M ({pair('synthetic-10m', FUNK, SVD)}). With Surprise's own SVD "
            f"settings: {run.fit_ratio(k, FUNK_S, SVD)}× faster at RMSE {pair(k, FUNK_S, SVD)}."
            f" On 100K mfrec FunkSVD is also more accurate than Surprise's SVDpp "
            f"({run.rmse(k, 'Surprise SVDpp'):.4f}) and KNNBaseline "
            f"({run.rmse(k, 'Surprise KNNBaseline'):.4f}), fitting in "
            f"1/{run.fit_ratio(k, FUNK, 'Surprise SVDpp')} and "
            f"1/{run.fit_ratio(k, FUNK, 'Surprise KNNBaseline')} of their time. Baseline "
            f"matches BaselineOnly's RMSE ({pair(k, 'mfrec Baseline', 'Surprise BaselineOnly')})"
            f", {run.fit_ratio(k, 'mfrec Baseline', 'Surprise BaselineOnly')}× faster on 100K.")


def rating_vs_libmf(run):
    def one(ds):
        d = run.rmse(ds, FUNK) - run.rmse(ds, LIBMF)
        who = (f"LibMF {d:.4f} better" if d > 0 else f"mfrec {-d:.4f} better" if d < 0
               else "equal")
        return (f"{run.fit_ratio(ds, FUNK, LIBMF)}× faster on {ds} at RMSE "
                f"{run.rmse(ds, FUNK):.4f} vs {run.rmse(ds, LIBMF):.4f} ({who})")

    sets = "; ".join(one(ds) for ds in (*SMALL, "synthetic-10m"))
    return (f"- **Rating prediction vs LibMF (native build):** mfrec FunkSVD fits {sets}; "
            f"{run.fit_ratio('synthetic-10m', FUNK, 'LibMF pip')}× faster than the pip build "
            f"on synthetic-10m.")


def implicit_vs_implicit(run):
    parts = [f"1/{trunc(run.ratio('implicit', ds, IALS, PEER_CG, 'seconds_per_iter'))} of "
             f"implicit's on {label} (NDCG@10 {run.ndcg(ds, IALS):.4f} vs "
             f"{run.ndcg(ds, PEER_CG):.4f})" for ds, label in IMPLICIT_SETS]
    chol = [run.ratio("implicit", ds, IALS_CHOL, PEER_CHOL, "seconds_per_iter")
            for ds, _ in IMPLICIT_SETS]
    return ("- **Implicit feedback vs implicit:** with the same settings, an ImplicitALS CG "
            "iteration takes " + "; ".join(parts) + f". Cholesky iterations: "
            f"{trunc(min(chol))}–{trunc(max(chol))}× faster than implicit's.")


# The rating rows compare.py runs through mfrec.compat.surprise (_tasks_rating.COMPAT).
COMPAT_ROWS = ("mfrec SVDpp (Surprise settings)", "mfrec NMF (Surprise settings)")


def new_models_vs_peers(run):
    """SVDpp, NMF and KNNBaseline against Surprise's, BPR against implicit's (the rows the
    run has; a row that did not run is left out of the sentence)."""
    k, s = "ml-100k", "ml-latest-small"
    parts = []
    for model, peer, label in (("mfrec SVDpp (Surprise settings)", "Surprise SVDpp", "SVDpp"),
                               ("mfrec NMF (Surprise settings)", "Surprise NMF", "NMF"),
                               ("mfrec KNNBaseline", "Surprise KNNBaseline", "KNNBaseline")):
        sets = [f"{run.fit_ratio(ds, model, peer)}× faster on {name} at RMSE "
                f"{run.rmse(ds, model):.4f} vs {run.rmse(ds, peer):.4f}"
                for ds, name in ((k, "100K"), (s, "latest-small"))
                if run.ok("rating", ds, model, peer)]
        if sets:
            how = ("Surprise's code on mfrec.compat.surprise, from the same initial factors"
                   if model in COMPAT_ROWS else "Surprise's settings")
            parts.append(f"{label} ({how}) fits " + " and ".join(sets))
    line = ("- **SVD++, NMF and neighbours vs Surprise:** " + "; ".join(parts) + "."
            if parts else "")
    bpr = [f"{faster(run.ratio('implicit', ds, 'mfrec BPR', 'implicit BPR', 'seconds_per_iter'))}"
           f" per iteration on {label} (NDCG@10 {run.ndcg(ds, 'mfrec BPR'):.4f} vs "
           f"{run.ndcg(ds, 'implicit BPR'):.4f}; mfrec's defaults "
           f"{run.ndcg(ds, 'mfrec BPR (defaults)'):.4f}"
           + (f" vs implicit's at its tuned lr and λ {run.ndcg(ds, 'implicit BPR (tuned)'):.4f}"
              if run.ok("implicit", ds, "implicit BPR (tuned)") else "") + ")"
           for ds, label in IMPLICIT_SETS
           if run.ok("implicit", ds, "mfrec BPR", "implicit BPR", "mfrec BPR (defaults)")]
    if bpr:
        line += ("\n- **BPR vs implicit's BPR:** with implicit's settings mapped, "
                 + "; ".join(bpr) + ".")
    return line.strip()


def best_choices(run):
    """Which mfrec model is the most accurate on each set of this run, and where SVDpp, NMF
    and BPR stand against the models one would use otherwise."""
    out = []
    for ds, name in (("ml-100k", "MovieLens 100K"), ("ml-latest-small", "latest-small")):
        rows = sorted((rec["rmse"], m) for (task, d, m), rec in run.r.items()
                      if task == "rating" and d == ds and m.startswith("mfrec")
                      and rec.get("status") == "ok" and "Surprise settings" not in m)
        if rows:
            out.append(f"{name}: " + ", ".join(f"{m[6:]} {r:.4f}" for r, m in rows[:4]))
    line = ("- **The most accurate mfrec models (test RMSE, lowest first, defaults):** "
            + "; ".join(out) + ".") if out else ""
    per = []
    for ds, label in IMPLICIT_SETS:
        models = ("mfrec BPR (defaults)", IALS)
        if run.ok("implicit", ds, *models):
            per.append(f"{label} {run.ndcg(ds, models[0]):.4f} vs "
                       f"{run.ndcg(ds, models[1]):.4f}")
    if per:
        line += (" Implicit feedback, NDCG@10 of BPR's defaults vs ImplicitALS (CG): "
                 + "; ".join(per) + ".")
    return line


def topn_vs_implicit(run):
    small, big = (trunc(run.ratio("topn", ds, "mfrec recommend", "implicit recommend",
                                  "seconds")) for ds in TOPN_SETS)
    return (f"- **Top-10 for every user vs implicit's recommend:** {small}× faster on 20k users "
            f"× 10k items, {big}× faster on 100k × 50k.")


def reproducibility(full, quick):
    """The quick rerun's small-set speed ratios against the full run's, and mfrec's accuracy."""
    pairs = [("rating", ds, m, ref, "fit_seconds") for ds in SMALL
             for m, ref in ((FUNK, SVD), (FUNK_S, SVD), (FUNK, LIBMF),
                            ("mfrec Baseline", "Surprise BaselineOnly"), ("mfrec ALS", SVD))]
    pairs += [("implicit", ds, m, ref, "seconds_per_iter") for ds in ("lastfm-2k", "ml-100k")
              for m, ref in ((IALS, PEER_CG), (IALS_CHOL, PEER_CHOL))]
    pairs += [("topn", TOPN_SETS[0], "mfrec recommend", "implicit recommend", "seconds")]
    diffs = [100 * (quick.ratio(*p) / full.ratio(*p) - 1) for p in pairs]
    deterministic_ok, hogwild = True, {"rmse": [0.0], "ndcg@10": [0.0]}
    for key, rec in quick.r.items():
        acc = {"rating": "rmse", "implicit": "ndcg@10"}.get(key[0])
        if not acc or not key[2].startswith("mfrec") or rec.get("status") != "ok" \
                or full.r.get(key, {}).get("status") != "ok":
            continue
        if any(h in key[2] for h in HOGWILD):
            hogwild[acc].append(abs(full.r[key][acc] - rec[acc]))
        elif round(full.r[key][acc], 4) != round(rec[acc], 4):
            deterministic_ok = False
    worst_rmse, worst_ndcg = max(hogwild["rmse"]), max(hogwild["ndcg@10"])
    if deterministic_ok and worst_rmse < 5e-5 and worst_ndcg < 5e-5:
        accuracy = "were identical to 4 decimals for every mfrec model"
    else:
        det = ("identical to 4 decimals for the deterministic models" if deterministic_ok
               else "NOT identical for the deterministic models")
        accuracy = (f"{det}; for the Hogwild SGD models ({', '.join(HOGWILD)}, whose threads' "
                    f"update order varies from run to run) within {worst_rmse:.4f} RMSE and "
                    f"{worst_ndcg:.4f} NDCG@10")
    return (f"Reproducibility: a `--quick` rerun right after the full run "
            f"(`benchmarks/results/compare_quick.json`) gave the small-set speed ratios above "
            f"within {min(diffs):+.1f} % to {max(diffs):+.1f} %; mfrec's accuracy figures "
            f"{accuracy}.")


def main(printed_path):
    meta, full = load("benchmarks/results/compare.json")
    _, quick = load("benchmarks/results/compare_quick.json")
    full, quick = Run(full), Run(quick)
    with open(printed_path) as f:
        printed = f.read()
    body = printed[printed.index("## Rating prediction"):]
    body = body.replace("\nchart: docs/benchmarks.png", "").rstrip()
    body = re.sub(r"^### ", "##### ", body, flags=re.M)
    body = re.sub(r"^## ", "#### ", body, flags=re.M)
    machine = printed.splitlines()[0]
    lines = "\n".join(line for f in (rating_vs_surprise, rating_vs_libmf,
                                        new_models_vs_peers, implicit_vs_implicit,
                                        topn_vs_implicit, best_choices)
                       if (line := f(full)))
    block = f"""<!-- results -->
Measured on this project's CI machine: {machine} Full run: {meta['meta']['wall_seconds']:.0f} s. \
Raw numbers:
`benchmarks/results/compare.json`; chart: `docs/benchmarks.png`. Fit = median of 5 fits on the
MovieLens sets, 3 on synthetic-1m, 1 on synthetic-10m, every one with `random_state=0`; "× vs"
columns are time ratios from this run (reference time ÷ row time: above 1 = faster than the
reference).

In one line per task (ratios computed from `compare.json`, truncated, never rounded up):

{lines}

{reproducibility(full, quick)}

![benchmark chart](docs/benchmarks.png)

{body}
<!-- /results -->"""
    with open("README.md") as f:
        readme = f.read()
    readme = re.sub(r"<!-- results -->.*<!-- /results -->", lambda m: block, readme,
                    flags=re.S)
    minutes = meta["meta"]["wall_seconds"] / 60
    readme = re.sub(r"# full run: \d+ min here", f"# full run: {minutes:.0f} min here", readme)
    with open("README.md", "w") as f:
        f.write(readme)


if __name__ == "__main__":
    main(sys.argv[1])
