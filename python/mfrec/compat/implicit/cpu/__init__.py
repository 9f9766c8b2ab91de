"""``implicit.cpu``: the CPU models (all of mfrec's models run on the CPU)."""
