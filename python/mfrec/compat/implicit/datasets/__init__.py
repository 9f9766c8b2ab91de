"""``implicit.datasets``: the MovieLens sets through mfrec's loaders (``movielens``)."""
