"""Model files (``model.save(path)`` / :func:`mfrec.load`) and pickling.

A model file is a zip archive of ``.npy`` arrays (the ``.npz`` layout, readable with
``np.load(path, allow_pickle=False)``):

- ``__mfrec__``: a 0-d unicode array holding a JSON header: the format name and version,
  the class, its ``get_params()`` and a description of every fitted attribute;
- ``state.<attribute>...``: one array per fitted array (factors, biases, cold masks, raw id
  maps, the training interactions used as the "seen" filter, item and user metadata such as
  titles and genres).

Nothing in the file needs pickle: object arrays whose elements are all of one kind (all
strings, all ints, ...) are stored as plain arrays and turned back into object arrays on
load; a column of tuples (or lists) of such values, e.g. MovieLens genres, is stored as its
flat values plus offsets; anything else is refused when saving, with an error naming the
attribute. Parameters that JSON cannot hold are handled deliberately: a numpy
``Generator``, ``RandomState`` or ``SeedSequence`` as ``random_state`` is stored as ``None``
(with a warning at save time and a note in the header; it only matters for a refit), any
other one raises ``TypeError``.

Two things are not stored: the scorer with its retrieval caches (``_scorer``, rebuilt
lazily) and the
resolved thread count ``n_threads_``, which is resolved again from ``n_threads`` on the
machine that loads (or unpickles) the model. The training interactions keep their users,
items, ratings, rating scale and metadata, but not their timestamps (no model method
reads them).
"""

from ._format import FORMAT_VERSION, ModelFileError
from ._load import load, pickle_state, restore_pickle_state
from ._save import save

__all__ = ["ModelFileError", "FORMAT_VERSION", "load", "save", "pickle_state",
           "restore_pickle_state"]
