"""ALS and ImplicitALS beyond one machine: fit and batch top-N on a Dask cluster.

Plain functions, so the estimators stay scikit-learn clean::

    from dask.distributed import Client, LocalCluster
    import mfrec, mfrec.distributed as md

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    model = md.fit(mfrec.ImplicitALS(n_factors=64), ddf)   # ddf: user, item[, rating]
    top = md.recommend(model, n=10)                        # dask DataFrame user, rank, item, score
    top.to_parquet("top10/")

The ratings live on the workers in row blocks: CSR shards by user block and, transposed, by
item block (Spark's blocked ALS layout). A half-sweep sends every block the other side's
factor blocks and the k × k Gramian, and each worker solves its rows with the same C++ row
solver as the local engine (``_core.als_half_sweep``). Blocks start at multiples of 2048
rows, the chunk of the Gramian kernel, and the blocks' Gramian parts are accumulated block
after block in a fixed order: a Dask fit gives the local fit's factors bit for bit.

Nothing here imports Dask until it is used (``import mfrec`` never does); without it every
function raises an ImportError naming the extra (``pip install "mfrec[dask]"``).
See docs/distributed.md.

The package, from the bottom: ``_client`` (Dask imported on use), ``_layout`` (the blocks and
their CSR shards on the workers, ``DistData``), ``_tasks`` (what the workers run for a fit
and a batch top-N), ``_engine`` (``DaskEngine``, ``DaskAls``), ``_api`` (the public
functions).
"""

# __all__, and (``X as X``) the other public names mfrec.distributed had as one module
from ._api import evaluate, fit, fold_in, recommend
from ._engine import DaskAls as DaskAls
from ._engine import DaskEngine
from ._layout import BLOCK_ALIGN as BLOCK_ALIGN
from ._layout import DistData as DistData
from ._layout import block_bounds as block_bounds

__all__ = ["DaskEngine", "evaluate", "fit", "fold_in", "recommend"]
