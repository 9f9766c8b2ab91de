"""Markdown for compare.py: one table per (task, data set), ratio columns, one summary per task.

Every number comes from the records of the run (or of a JSON file written by one). Ratio
columns are speed-ups: the reference's time divided by the row's time, so "3.0×" means the
row takes a third of the reference's time; "–" when either side did not run.
"""

from __future__ import annotations

import math

OK = "ok"

# Per task: the model every row is compared with, and the headline pair of the summary.
RATING_REFS = ("Surprise SVD", "LibMF native")
RATING_HEADLINE = ("mfrec FunkSVD", "Surprise SVD")
IMPLICIT_REF = "implicit ALS (CG)"
IMPLICIT_SAME = {"mfrec ImplicitALS (CG)": "implicit ALS (CG)",
                 "mfrec ImplicitALS (Cholesky)": "implicit ALS (Cholesky)",
                 "mfrec BPR": "implicit BPR", "mfrec BPR (defaults)": "implicit BPR"}
IMPLICIT_HEADLINE = ("mfrec ImplicitALS (CG)", "implicit ALS (CG)")
TOPN_HEADLINE = ("mfrec recommend", "implicit recommend")


def _ok(r: dict | None) -> bool:
    return r is not None and r.get("status", OK) == OK


def _num(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.{max(digits - 1, 1)}f}"
    if 0 < abs(v) < 0.01:  # keep two significant figures of sub-10 ms times
        return f"{v:.2g}"
    return f"{v:.{digits}f}"


def _speedup(ref: dict | None, row: dict, key: str) -> str:
    if not (_ok(ref) and _ok(row)) or not row.get(key) or ref.get(key) is None:
        return "–"
    return _ratio(ref[key] / row[key])


def _ratio(x: float) -> str:
    """3 significant figures at most, never rounded to 0: 124×, 6.7×, 0.32×, 0.031×."""
    if round(x, 1) >= 10:
        return f"{x:.0f}×"
    if x >= 1:
        return f"{x:.1f}×"
    return f"{x:.2g}×"


def _by_model(rows: list[dict]) -> dict:
    return {r["model"]: r for r in rows}


def _table(head: list[str], align: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def _library(r: dict) -> str:
    # records of files written before the "library" key: the model's first word
    return r.get("library") or r["model"].split()[0].lower()


def _status_row(r: dict, n_cols: int) -> list[str]:
    """A row that did not run: its status where the first number would be, blanks after."""
    return [r["model"], _library(r), str(r.get("threads", "?")), r["status"]] + [""] * (
        n_cols - 4)


def _rss(r: dict) -> str:
    return "–" if r.get("peak_rss_mb") is None else f"{r['peak_rss_mb']:,.0f}"


def rating_table(rows: list[dict]) -> str:
    """Fit/predict time, speed-ups vs Surprise SVD and LibMF native, RMSE, MAE, peak RSS.

    Parameters
    ----------
    rows : list of dict
        The rating records of one data set.

    Returns
    -------
    str
        A markdown table.
    """
    by = _by_model(rows)
    head = ["model", "library", "threads", "fit s", *(f"fit: × vs {m}" for m in RATING_REFS),
            "predict s", "RMSE", "MAE", "peak RSS MB"]
    body = []
    for r in rows:
        if not _ok(r):
            body.append(_status_row(r, len(head)))
            continue
        body.append([r["model"], _library(r), str(r["threads"]), _num(r["fit_seconds"]),
                     *(_speedup(by.get(m), r, "fit_seconds") for m in RATING_REFS),
                     _num(r["predict_seconds"]), f"{r['rmse']:.4f}", f"{r['mae']:.4f}",
                     _rss(r)])
    return _table(head, ["---", "---", "---:"] + ["---:"] * (len(head) - 3), body)


def implicit_table(rows: list[dict]) -> str:
    """Seconds per iteration, speed-ups vs implicit, NDCG/recall/MAP@10, fit time, peak RSS.

    Parameters
    ----------
    rows : list of dict
        The implicit-feedback records of one data set.

    Returns
    -------
    str
        A markdown table.
    """
    by = _by_model(rows)
    head = ["model", "library", "threads", "s / iteration", f"× vs {IMPLICIT_REF}",
            "× vs implicit, same solver", "NDCG@10", "recall@10", "MAP@10", "fit s",
            "peak RSS MB"]
    body = []
    for r in rows:
        if not _ok(r):
            body.append(_status_row(r, len(head)))
            continue
        same = IMPLICIT_SAME.get(r["model"])
        body.append([r["model"], _library(r), str(r["threads"]), _num(r["seconds_per_iter"]),
                     # an iteration of BPR (one SGD pass) is not an ALS sweep: no ratio
                     _speedup(by.get(IMPLICIT_REF), r, "seconds_per_iter")
                     if "ALS" in r["model"] else "–",
                     _speedup(by.get(same), r, "seconds_per_iter") if same else "–",
                     f"{r['ndcg@10']:.4f}", f"{r['recall@10']:.4f}", f"{r['map@10']:.4f}",
                     _num(r["fit_seconds"]), _rss(r)])
    return _table(head, ["---", "---", "---:"] + ["---:"] * (len(head) - 3), body)


def topn_table(rows: list[dict]) -> str:
    """Seconds for top-10 of every user, speed-up vs implicit, peak RSS.

    Parameters
    ----------
    rows : list of dict
        The top-N records of one problem.

    Returns
    -------
    str
        A markdown table.
    """
    by = _by_model(rows)
    head = ["model", "library", "threads", "seconds", f"× vs {TOPN_HEADLINE[1]}",
            "peak RSS MB"]
    body = []
    for r in rows:
        if not _ok(r):
            body.append(_status_row(r, len(head)))
            continue
        body.append([r["model"], _library(r), str(r["threads"]), _num(r["seconds"]),
                     _speedup(by.get(TOPN_HEADLINE[1]), r, "seconds"), _rss(r)])
    return _table(head, ["---", "---", "---:"] + ["---:"] * (len(head) - 3), body)


TABLES = {"rating": rating_table, "implicit": implicit_table, "topn": topn_table}


def _groups(records: list[dict], task: str) -> dict:
    out: dict = {}
    for r in records:
        if r.get("task", "rating") == task:
            out.setdefault(r["dataset"], []).append(r)
    return out


def _why(r: dict | None) -> str:
    return "not run" if r is None else r.get("status", OK)


def summary(records: list[dict], task: str) -> str:
    """One line: the headline mfrec model vs its peer on every data set of the task.

    Parameters
    ----------
    records : list of dict
    task : {"rating", "implicit", "topn"}

    Returns
    -------
    str
        Empty when the task has no records of either model.
    """
    groups = _groups(records, task)
    if not groups:
        return ""
    ours, peer = {"rating": RATING_HEADLINE, "implicit": IMPLICIT_HEADLINE,
                  "topn": TOPN_HEADLINE}[task]
    key, acc = {"rating": ("fit_seconds", "rmse"), "implicit": ("seconds_per_iter", "ndcg@10"),
                "topn": ("seconds", None)}[task]
    parts = []
    for ds, rows in groups.items():
        by = _by_model(rows)
        a, b = by.get(ours), by.get(peer)
        if a is None and b is None:  # neither was selected (--models)
            continue
        if not (_ok(a) and _ok(b)):
            parts.append(f"{ds}: no comparison ({ours}: {_why(a)}; {peer}: {_why(b)})")
            continue
        x = b[key] / a[key]
        text = (f"{_ratio(x)} faster" if x >= 1 else f"{_ratio(1 / x)} slower") + f" on {ds}"
        if acc:
            label = "RMSE" if acc == "rmse" else "NDCG@10"
            text += f" ({label} {a[acc]:.4f} vs {b[acc]:.4f})"
        parts.append(text)
    if not parts:
        return ""
    verb = {"rating": f"{ours} vs {peer}, fit time",
            "implicit": f"{ours} vs {peer}, time per iteration",
            "topn": "mfrec's top-10 for every user vs implicit's recommend"}[task]
    return f"**Summary:** {verb}: " + "; ".join(parts) + "."


def render(records: list[dict], task: str, notes: dict | None = None, *,
           with_summary: bool = True) -> str:
    """All tables of one task (one per data set, with its note) and its summary line.

    Parameters
    ----------
    records : list of dict
    task : {"rating", "implicit", "topn"}
    notes : dict of str -> str, optional
        A line printed under each data set's heading (e.g. the settings it used).
    with_summary : bool, default True
        End with :func:`summary`'s line.

    Returns
    -------
    str
    """
    out = []
    for ds, rows in _groups(records, task).items():
        out.append(f"\n### {ds}\n")
        if notes and notes.get(ds):
            out.append(notes[ds] + "\n")
        out.append(TABLES[task](rows))
    line = summary(records, task) if with_summary else ""
    if line:
        out.append("\n" + line)
    return "\n".join(out)


def header(meta: dict) -> str:
    """One paragraph: machine, date, threads and library versions from ``meta``.

    Parameters
    ----------
    meta : dict

    Returns
    -------
    str
    """
    v = meta.get("versions", {})
    libs = ", ".join(f"{k} {v[k] or 'not installed'}" for k in
                     ("mfrec", "python", "numpy", "surprise", "implicit", "libmf") if k in v)
    return (f"{meta.get('cpu', '?')} ({meta.get('machine', '?')}, {meta.get('cores', '?')} "
            f"cores), {meta.get('threads', '?')} threads for every library that has a thread "
            f"setting, {meta.get('date', '?')}; {libs}; mfrec OpenMP: "
            f"{meta.get('openmp', '?')}, ISA dispatch: {meta.get('isa_dispatch', '?')}.")
