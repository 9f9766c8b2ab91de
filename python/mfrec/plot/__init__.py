"""Plots for mfrec models and benchmarks (needs matplotlib: ``pip install "mfrec[plot]"``).

matplotlib is imported only when a function is called, so ``import mfrec.plot`` works
without it. Every function builds a ``matplotlib.figure.Figure`` through the object-oriented
API (no pyplot state, no ``show``), so they run headless and from several threads; draw into
an existing Axes with ``ax=``, write a PNG with :func:`save_figure`.

- :func:`learning_curve` — training loss and validation metrics per epoch (``history_``)
- :func:`item_map` — items in a 2-D map of the factor space, labelled with their titles
- :func:`benchmark_chart` — the README's benchmark chart from ``benchmarks/compare.py``
- :func:`demo_figure` — learning curve and item map side by side (``mfrec demo --plot``)
- :func:`save_figure` — an exact-size PNG, written atomically
"""

from ._benchmark import benchmark_chart
from ._demo import demo_figure
from ._item_map import item_map
from ._learning import learning_curve
from ._save import save_figure

__all__ = ["benchmark_chart", "demo_figure", "item_map", "learning_curve", "save_figure"]
