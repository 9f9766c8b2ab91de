"""The DATA argument: a data set name (``mfrec datasets list``) or a ratings file."""

from __future__ import annotations

from pathlib import Path

from .. import datasets
from ..interactions import Interactions
from ..model_selection import train_test_split

__all__ = ["add_data_options", "load_data", "split"]


def add_data_options(parser, *, split_help: str) -> None:
    """DATA plus the options that say how to read it and which part to use."""
    parser.add_argument(
        "data", metavar="DATA",
        help="a data set name from 'mfrec datasets list' (e.g. ml-100k; read from the cache "
             "$MFREC_DATA, downloaded when missing) or a ratings file: delimited text "
             "(.csv/.tsv/.dat/..., separator detected) or parquet")
    parser.add_argument("--sep", default=None,
                        help="field separator of a text file (default: detected among tab, "
                             "',', '::', '|', ';' and whitespace)")
    parser.add_argument("--columns", default=None, metavar="U,I,R[,T]",
                        help="user, item, rating[, timestamp] columns of a file: names when "
                             "it has a header, 0-based positions otherwise (default: the "
                             "first 3 or 4 columns, or columns named user/item/rating)")
    parser.add_argument("--rating-scale", default=None, metavar="LO,HI",
                        help="rating scale of a file, e.g. 1,5 (default: min and max)")
    parser.add_argument("--binarize", type=float, default=None, metavar="THRESHOLD",
                        help="keep only interactions with rating >= THRESHOLD, as ones "
                             "(implicit feedback from ratings)")
    parser.add_argument("--test-size", type=float, default=None, metavar="FRACTION",
                        help=split_help)
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed of the split and of the model (default 0)")


def load_data(args) -> Interactions:
    """Read DATA as the options say."""
    path = Path(args.data).expanduser()
    if path.exists():
        kwargs = {}
        if args.sep is not None:
            kwargs["sep"] = args.sep.encode().decode("unicode_escape")  # "\t" on a shell
        if args.columns is not None:
            cols = [c.strip() for c in args.columns.split(",")]
            kwargs["columns"] = [int(c) if c.isdigit() else c for c in cols]
        if args.rating_scale is not None:
            lo, _, hi = args.rating_scale.partition(",")
            try:
                kwargs["rating_scale"] = (float(lo), float(hi))
            except ValueError:
                raise ValueError(
                    f"--rating-scale expects LO,HI, got {args.rating_scale!r}") from None
        data = datasets.load_file(path, **kwargs)
    else:
        if any(v is not None for v in (args.sep, args.columns, args.rating_scale)):
            raise ValueError(f"{args.data!r} is not a file; --sep, --columns and "
                             "--rating-scale apply to files only")
        if "/" in args.data or "\\" in args.data or "." in Path(args.data).suffix:
            raise FileNotFoundError(f"no such file: {args.data}")
        data = datasets.load(args.data)
    if args.binarize is not None:
        data = data.binarize(args.binarize)
    return data


def split(data: Interactions, args):
    """(train, test) with ``--test-size`` and ``--seed``; test is None without a split."""
    if args.test_size is None or args.test_size == 0:
        return data, None
    return train_test_split(data, test_size=args.test_size, random_state=args.seed)
