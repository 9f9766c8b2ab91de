"""Spark's ALS (pyspark, ``local[N]``) on the synthetic 10M set's positives: seconds per iteration.

The data of benchmarks/implicit_als.py and dask_als.py (200k users x 50k items, r >= 4 as
value 1, 7.37M positives), read from parquet. ``implicitPrefs=True``, the same rank,
``regParam`` and ``alpha`` as the Dask run (Spark's confidence is 1 + alpha·r as mfrec's
``confidence="linear"``; its solver is Cholesky and its regParam is scaled by each row's
count, so the models differ in detail: this times an iteration, it does not compare
accuracy). Spark has no per-iteration timer: iteration time = (fit with maxIter=11 − fit
with maxIter=1) / 10, each fit forcing both factor tables (``count()``), after one untimed
warm-up fit.

Needs Java (Debian: ``apt-get install default-jre-headless``; ``libopenblas0-pthread`` for a
native BLAS) and ``pip install pyspark`` (not part of mfrec's extras).

    python benchmarks/spark_als.py --json benchmarks/results/spark_als.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from _meta import cpu_name

CACHE = Path(os.environ.get("MFREC_BENCH_CACHE", Path.home() / ".cache" / "mfrec-bench"))


def parquet_positives(nnz: int = 10_000_000, n_users: int = 200_000, n_items: int = 50_000,
                      n_files: int = 8) -> Path:
    """The positives as parquet shards (user, item, rating) in the cache; made once."""
    out = CACHE / "implicit" / f"synthetic-{nnz}-pos.parquet"
    if (out / "_done").is_file():
        return out
    import pyarrow as pa
    import pyarrow.parquet as pq
    from implicit_als import positives

    coo = positives(n_users, n_items, nnz).tocoo()
    out.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, coo.nnz, n_files + 1).astype(int)
    for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        pq.write_table(pa.table({"user": coo.row[a:b].astype(np.int32),
                                 "item": coo.col[a:b].astype(np.int32),
                                 "rating": coo.data[a:b].astype(np.float32)}),
                       out / f"part-{j:03d}.parquet")
    (out / "_done").write_text("ok")
    return out


def run(path: Path, k: int, reg: float, alpha: float, cores: int, iters: int,
        driver_memory: str) -> dict:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(f"local[{cores}]").appName("mfrec-spark-als")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.shuffle.partitions", str(2 * cores))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(path)).cache()
    n = df.count()

    def fit(max_iter: int) -> float:
        als = ALS(rank=k, maxIter=max_iter, regParam=reg, alpha=alpha, implicitPrefs=True,
                  userCol="user", itemCol="item", ratingCol="rating", seed=0,
                  coldStartStrategy="drop")
        t = time.perf_counter()
        model = als.fit(df)
        model.userFactors.count()
        model.itemFactors.count()
        return time.perf_counter() - t

    fit(1)  # warm the JVM (untimed)
    t1 = fit(1)
    tn = fit(iters + 1)
    version = spark.version
    spark.stop()
    return {"spark": version, "cores": cores, "k": k, "reg": reg, "alpha": alpha,
            "interactions": n, "fit_1_s": t1, f"fit_{iters + 1}_s": tn,
            "s_per_iter": (tn - t1) / iters}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--reg", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=40.0)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    path = parquet_positives()
    load = os.getloadavg()
    res = run(path, args.factors, args.reg, args.alpha, args.cores, args.iters,
              args.driver_memory)
    res.update({"cpu": cpu_name(), "load_before": load, "load_after": os.getloadavg()})
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
