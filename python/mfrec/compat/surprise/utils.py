"""Random states as Surprise takes them (None, an int, a ``numpy.random.RandomState``)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["get_rng", "seed_of"]


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
    """The seed handed to an mfrec model (its initial factors and its SGD order): the int
    itself, else one draw from the RandomState (None: numpy's global one), so that
    ``np.random.seed`` fixes it as it fixes Surprise's initial factors. Surprise's SGD order
    is fixed, so a fit that draws no random initial values (``random_init=False``: standard
    deviation 0) is the same every time there; here it gets seed 0 for the same reason."""
    if isinstance(random_state, (numbers.Integral, np.integer)):
        return int(random_state)
    if not random_init:
        return 0
    return int(get_rng(random_state).randint(0, 2**31 - 1))
