"""ImplicitALS on Dask (mfrec.distributed) vs the local 2-thread fit, and Spark's ALS.

Data: the synthetic 10M-rating set's positives (200k users x 50k items, r >= 4 as value 1:
7.37M interactions; benchmarks/implicit_als.py's ``positives``). Parameters: k = 64, CG with
3 steps, reg 0.01, confidence 1 + 40·r ("linear", as Spark's), training loss computed as in
the local default (``compute_loss=True``), random_state 0.

- local: ``ImplicitALS(n_threads=2).fit`` — seconds per iteration = the median of the
  per-epoch ``history_`` elapsed differences.
- dask: ``mfrec.distributed.fit`` on a ``LocalCluster(n_workers=2, threads_per_worker=1,
  processes=True)`` — seconds per iteration both as the median of ``history_`` differences
  and as (fit with n_epochs = N+1 − fit with n_epochs = 1) / N (set-up and gathering cancel);
  bytes moved per iteration from Dask's own accounting (the workers'
  ``transfer_outgoing_bytes_total``, same difference); peak RSS per worker process
  (``ru_maxrss``) against its shards + the factor rows it needs + 300 MB; the Dask factors
  compared with the local ones bit for bit.
- a client that never holds the rating matrix: a fresh process reads the same data as
  parquet shards with ``dask.dataframe.read_parquet``, fits 2 epochs with
  ``gather_user_factors=False``, and reports its peak RSS.
- ``--spark``: benchmarks/spark_als.py in the same run (``local[2]``, same rank, reg, alpha,
  iteration = (maxIter 11 − maxIter 1) / 10).
- the projection of one iteration at 1B interactions, 100M users, 10M items, k = 128, 32
  workers, from the measured per-unit compute and the measured bytes per iteration.

    python benchmarks/dask_als.py --spark --json benchmarks/results/dask_als.json
    python benchmarks/dask_als.py --quick          # 1M ratings, k = 32
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _meta import cpu_name  # noqa: E402
from implicit_als import positives  # noqa: E402
from spark_als import parquet_positives  # noqa: E402

HERE = Path(__file__).parent


def params(k, epochs, **kw):
    return dict(n_factors=k, n_epochs=epochs, reg=0.01, alpha=40.0, confidence="linear",
                solver="cg", cg_steps=3, compute_loss=True, random_state=0, **kw)


def per_iter(history) -> float:
    t = np.array([0.0] + [h["elapsed"] for h in history])
    return float(np.median(np.diff(t)[1:] if len(t) > 2 else np.diff(t)))


def _worker_bytes(dask_worker):
    return dask_worker.transfer_outgoing_bytes_total


def _worker_rss(dask_worker):
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def solve_units(nnz, n_rows, k, cg=3):
    """The work model of LocalEngine.solve_rows (units ∝ one-thread time) plus the Gramian."""
    return nnz * 2 * k * (1 + cg) + n_rows * k * k * (1 + cg) + n_rows * k * k


def needed_bytes(R, k, n_blocks) -> float:
    """Bytes of factor rows (k floats and a bias) one iteration moves between workers when
    each block gets only the rows it needs from the other worker's blocks (block b on
    worker b; n_blocks = workers)."""
    from mfrec.distributed._layout import _row_cost, block_bounds

    total = 0
    for M in (R.tocsr(), R.T.tocsr()):
        rows_b = block_bounds(M.shape[0], n_blocks, _row_cost(np.diff(M.indptr)))
        cols_b = block_bounds(M.shape[1], n_blocks, _row_cost(
            np.bincount(M.indices, minlength=M.shape[1])))
        for b, (lo, hi) in enumerate(rows_b):
            cols = np.unique(M[lo:hi].indices)
            for j, (a, z) in enumerate(cols_b):
                if j != b:
                    total += int(((cols >= a) & (cols < z)).sum())
    return float(total * (k * 4 + 4))


CLIENT_CODE = """
import resource, sys, time, json
import dask.dataframe as dd
from distributed import Client
import mfrec, mfrec.distributed as md
c = Client(sys.argv[1])
ddf = dd.read_parquet(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
m = md.fit(mfrec.ImplicitALS(**json.loads(sys.argv[3])), ddf, c, gather_user_factors=False)
print(json.dumps({"fit_s": time.perf_counter() - t, "n_users": m.n_users,
                  "user_factors": type(m.user_factors_).__module__,
                  "client_rss_before_fit": before,
                  "client_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1M ratings, k = 32")
    ap.add_argument("--factors", type=int)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=1,
                    help="then R more local / Dask pairs, alternating (against load drift)")
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    import dask
    import distributed

    import mfrec
    import mfrec.distributed as md

    nnz_set = 1_000_000 if args.quick else 10_000_000
    nu, ni = (20_000, 5_000) if args.quick else (200_000, 50_000)
    k = args.factors or (32 if args.quick else 64)
    R = positives(nu, ni, nnz_set)
    E = args.iters
    out = {"cpu": cpu_name(), "data": f"synthetic-{nnz_set}-pos", "n_users": R.shape[0],
           "n_items": R.shape[1], "nnz": int(R.nnz), "k": k, "cg_steps": 3,
           "epochs_timed": E, "load_before": os.getloadavg(), "dask": dask.__version__,
           "mfrec": mfrec.__version__}

    local = mfrec.ImplicitALS(**params(k, E + 1, n_threads=2)).fit(R)
    out["local_2threads_s_per_iter"] = per_iter(local.history_)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit=0,
                                  silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        def timed(epochs):
            b0 = sum(c.run(_worker_bytes).values())
            t = time.perf_counter()
            m = md.fit(mfrec.ImplicitALS(**params(k, epochs)), R, c)
            return m, time.perf_counter() - t, sum(c.run(_worker_bytes).values()) - b0

        timed(1)  # warm the workers (imports, first connections), untimed
        _, t1, b1 = timed(1)
        m, tn, bn = timed(E + 1)
        out["dask_2x1_s_per_iter_history"] = per_iter(m.history_)
        out["dask_2x1_s_per_iter_wall"] = (tn - t1) / E
        out["dask_fit_1_s"], out[f"dask_fit_{E + 1}_s"] = t1, tn
        out["dask_bytes_per_iter"] = (bn - b1) / E
        out["dask_setup_bytes"] = b1
        out["bit_identical_to_local"] = bool(
            np.array_equal(m.user_factors_, local.user_factors_)
            and np.array_equal(m.item_factors_, local.item_factors_))
        out["loss_local"] = local.history_[-1]["loss"]
        out["loss_dask"] = m.history_[-1]["loss"]
        rss = c.run(_worker_rss)
        out["worker_peak_rss"] = sorted(rss.values())
        # what a worker holds: its half of both orientations (indices, ratings, confidences,
        # renumbered indices,
        # indptr) and every factor row of both sides, old and new blocks (at most)
        shards = (R.nnz * (4 + 4 + 4 + 4) * 2 + (nu + ni) * 8) / 2
        factors = (nu + ni) * k * 4 * 2
        out["worker_budget_bytes"] = shards + factors + 300e6
        out["worker_shards_bytes"] = shards
        out["worker_factor_bytes"] = factors
        # a client that never holds the rating matrix: a fresh process, parquet shards
        if not args.quick:
            path = parquet_positives()
            p = subprocess.run([sys.executable, "-c", CLIENT_CODE, c.scheduler.address,
                                str(path), json.dumps(params(k, 2))],
                               capture_output=True, text=True, check=True)
            out["parquet_client"] = json.loads(p.stdout.strip().splitlines()[-1])
            out["rating_matrix_csr_bytes"] = R.nnz * 8 + (nu + 1) * 8
        # alternating pairs: each ratio from a local fit and a Dask fit run back to back
        pairs = []
        for _ in range(args.repeat - 1):
            lo = per_iter(mfrec.ImplicitALS(**params(k, E + 1, n_threads=2)).fit(R).history_)
            _, a, _ = timed(1)
            _, b, _ = timed(E + 1)
            pairs.append({"local": lo, "dask": (b - a) / E, "ratio": (b - a) / E / lo,
                          "load": os.getloadavg()[0]})
        out["alternating_pairs"] = pairs
    out["load_after_dask"] = os.getloadavg()
    out["dask_over_local"] = out["dask_2x1_s_per_iter_wall"] / out["local_2threads_s_per_iter"]
    # every pair's ratio (the first pair, then the alternating ones) and their median
    ratios = [out["dask_over_local"]] + [p["ratio"] for p in pairs]
    out["dask_over_local_all_pairs"] = ratios
    out["dask_over_local_median"] = float(np.median(ratios))

    if args.spark:
        sp_json = HERE / "results" / "spark_als.json"
        subprocess.run([sys.executable, str(HERE / "spark_als.py"), "--factors", str(k),
                        "--json", str(sp_json)], check=True, capture_output=True)
        out["spark"] = json.loads(sp_json.read_text())
        out["spark_over_dask"] = out["spark"]["s_per_iter"] / out["dask_2x1_s_per_iter_wall"]

    # projection: compute scales with the work model per worker; traffic with the other
    # side's rows each block needs (uniformly spread interactions: a block of m interactions
    # over N rows touches N (1 - exp(-m/N)) of them), all but the worker's own block
    W, K, NNZ, NU, NI = 32, 128, 1e9, 100e6, 10e6
    units_here = solve_units(R.nnz, nu, k) + solve_units(R.nnz, ni, k)
    sec_per_unit = out["dask_2x1_s_per_iter_history"] * 2 / units_here  # 2 workers
    compute = (solve_units(NNZ, NU, K) + solve_units(NNZ, NI, K)) * sec_per_unit / W
    model_bytes_here = needed_bytes(R, k, 2)
    per_block = NNZ / W
    rows_in = (NI * (1 - np.exp(-per_block / NI)) + NU * (1 - np.exp(-per_block / NU))) \
        * (W - 1) / W
    inbound = rows_in * (K * 4 + 4)
    shards = (NNZ * 12 * 2 + (NU + NI) * 8) / W
    own = (NU + NI) / W * (K * 4 + 4) * 2
    out["projection"] = {
        "workers": W, "k": K, "nnz": NNZ, "n_users": NU, "n_items": NI,
        "sec_per_unit_measured": sec_per_unit,
        "compute_s_per_iter": compute,
        "traffic_model_bytes_here": model_bytes_here,
        "traffic_measured_over_model": out["dask_bytes_per_iter"] / model_bytes_here,
        "inbound_bytes_per_worker_per_iter": inbound,
        "transfer_s_at_10Gbit": inbound / 1.25e9,
        "transfer_s_at_25Gbit": inbound / 3.125e9,
        "worker_memory_bytes": shards + own + rows_in / 2 * (K * 4 + 4),
    }
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
        args.json.with_suffix(".md").write_text(report(out))
    return out


def report(o: dict) -> str:
    """The run as a short markdown page."""
    mb = 1e6
    lines = [
        f"# ImplicitALS on Dask vs local vs Spark ({o['data']})",
        "",
        f"{o['n_users']:,} users x {o['n_items']:,} items, {o['nnz']:,} interactions; "
        f"k = {o['k']}, CG 3 steps, training loss on; {o['epochs_timed']} timed iterations; "
        f"CPU {o['cpu']}; load {o['load_before'][0]:.1f} before, "
        f"{o['load_after_dask'][0]:.1f} after the Dask runs; dask {o['dask']}.",
        "",
        "| engine | s / iteration | vs local 2 threads |",
        "|---|---|---|",
        f"| local, 2 threads | {o['local_2threads_s_per_iter']:.3f} | 1.00 |",
        f"| Dask, 2 workers x 1 thread (fit N+1 − fit 1) / N | "
        f"{o['dask_2x1_s_per_iter_wall']:.3f} | {o['dask_over_local']:.2f} |",
        f"| Dask, median of history_ | {o['dask_2x1_s_per_iter_history']:.3f} | "
        f"{o['dask_2x1_s_per_iter_history'] / o['local_2threads_s_per_iter']:.2f} |",
    ]
    for j, p in enumerate(o.get("alternating_pairs", [])):
        lines.append(f"| pair {j + 2}: local / Dask (fit N+1 − fit 1) / N, load "
                     f"{p['load']:.1f} | {p['local']:.3f} / {p['dask']:.3f} | "
                     f"{p['ratio']:.2f} |")
    if "dask_over_local_median" in o and len(o["dask_over_local_all_pairs"]) > 1:
        lines.append(f"| median of the {len(o['dask_over_local_all_pairs'])} pairs' Dask / "
                     f"local | | {o['dask_over_local_median']:.2f} |")
    if "spark" in o:
        lines.append(f"| Spark {o['spark']['spark']} ALS, local[2] (fit 11 − fit 1) / 10 | "
                     f"{o['spark']['s_per_iter']:.3f} | "
                     f"{o['spark']['s_per_iter'] / o['local_2threads_s_per_iter']:.2f} |")
        lines += ["", f"Spark / Dask per iteration: **{o['spark_over_dask']:.1f}x** "
                  f"(Spark load {o['spark']['load_before'][0]:.1f} before, "
                  f"{o['spark']['load_after'][0]:.1f} after)."]
    lines += [
        "",
        f"Dask factors equal the local fit's bit for bit: {o['bit_identical_to_local']}; "
        f"final loss local {o['loss_local']:.9g}, Dask {o['loss_dask']:.9g}.",
        "",
        f"Bytes between workers per iteration (Dask's transfer_outgoing_bytes_total): "
        f"{o['dask_bytes_per_iter'] / mb:.1f} MB (model of the rows each block needs: "
        f"{o['projection']['traffic_model_bytes_here'] / mb:.1f} MB); set-up: "
        f"{o['dask_setup_bytes'] / mb:.1f} MB.",
        "",
        f"Peak RSS per worker: {', '.join(f'{r / mb:.0f} MB' for r in o['worker_peak_rss'])}; "
        f"budget (its shards {o['worker_shards_bytes'] / mb:.0f} MB + factor rows "
        f"{o['worker_factor_bytes'] / mb:.0f} MB + 300 MB) = "
        f"{o['worker_budget_bytes'] / mb:.0f} MB.",
    ]
    if "parquet_client" in o:
        pc = o["parquet_client"]
        lines += ["", f"A client fitting from parquet shards (dask.dataframe.read_parquet, "
                  f"gather_user_factors=False, 2 epochs, {pc['fit_s']:.1f} s): peak RSS "
                  f"{pc['client_peak_rss'] / mb:.0f} MB, the whole process, "
                  f"{pc['client_rss_before_fit'] / mb:.0f} MB before the fit (the rating "
                  f"matrix as CSR is {o['rating_matrix_csr_bytes'] / mb:.0f} MB)."]
    p = o["projection"]
    lines += [
        "",
        f"## Projection: {p['nnz']:.0e} interactions, {p['n_users']:.0e} users, "
        f"{p['n_items']:.0e} items, k = {p['k']}, {p['workers']} workers",
        "",
        f"- compute: {p['compute_s_per_iter']:.1f} s per iteration (the measured "
        f"{p['sec_per_unit_measured'] * 1e9:.3f} ns per work unit of the row solver's cost "
        "model, nnz·2k(1+cg) + rows·k²(2+cg) per half-sweep, spread evenly on the workers)",
        f"- traffic: {p['inbound_bytes_per_worker_per_iter'] / 1e9:.1f} GB into each worker "
        f"per iteration (the other side's rows its blocks need, interactions spread "
        f"uniformly; measured/model here: {p['traffic_measured_over_model']:.2f}; whole "
        f"blocks where a block needs >= 80% of their rows and the Gramian parts riding with "
        f"them add up to 1/0.8 and k/2048 of that): "
        f"{p['transfer_s_at_10Gbit']:.1f} s at 10 Gbit/s, "
        f"{p['transfer_s_at_25Gbit']:.1f} s at 25 Gbit/s",
        f"- memory per worker: {p['worker_memory_bytes'] / 1e9:.1f} GB (shards, own factor "
        "blocks old and new, half the needed rows of the other side at a time)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
