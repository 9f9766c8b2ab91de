"""Random states as Surprise takes them (None, an int, a ``numpy.random.RandomState``)."""

from __future__ import annotations

import contextlib
import gc
import numbers

import numpy as np

__all__ = ["get_rng", "seed_of"]


@contextlib.contextmanager
def no_gc():
    """The cyclic garbage collector paused while a block builds many small containers (a
    Prediction's details dict, a rating tuple): its passes over the young objects, triggered
    every 700 allocations, cost more than building them (6 µs per dict on 20k predictions).
    Nothing built here forms a cycle, so nothing is left for the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def get_rng(random_state):
    """A ``RandomState``: numpy's global one for None, a new one seeded by an int, or the
    given instance."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.RandomState(random_state)
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError("Wrong random state. Expecting None, an int or a numpy RandomState "
                     f"instance, got a {type(random_state)}")


def seed_of(random_state, random_init: bool = True) -> int:
    """The seed handed to an mfrec model (its SGD order; the SVD/SVDpp/NMF algorithms give it
    Surprise's initial factors separately): the int itself, else a value peeked from the
    RandomState (None: numpy's global one) — drawn, then the RandomState's state restored —,
    so that ``np.random.seed`` fixes it, and the stream moves on exactly as far as Surprise's
    own draws move it (a second fit from the same stream, e.g. the next fold of a
    cross-validation, starts from the factors Surprise's second fit would). Surprise's SGD
    order is fixed, so a fit that draws no random initial values (``random_init=False``:
    standard deviation 0) is the same every time there; here it gets seed 0 for the same
    reason."""
    if isinstance(random_state, (numbers.Integral, np.integer)):
        return int(random_state)
    if not random_init:
        return 0
    rng = get_rng(random_state)
    state = rng.get_state()
    seed = int(rng.randint(0, 2**31 - 1))
    rng.set_state(state)
    return seed
