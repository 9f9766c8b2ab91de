"""The ``mfrec`` command line (also ``python -m mfrec``).

One module per concern: ``_models`` (model names, ``--param``), ``_data`` (the DATA
argument), ``_commands`` (what each sub-command does), ``_table`` (output formats).
Exit codes: 0 success, 1 an error in the data, the model file or the ids (the message says
which), 2 a usage error (bad options).
"""

from __future__ import annotations

import argparse
import sys

from .._version import __version__
from ._data import add_data_options
from ._models import MODELS

__all__ = ["main", "build_parser"]

EPILOG = ("Exit codes: 0 success; 1 an error in the data, the model file or the ids (the "
          "message names it); 2 a usage error. Data sets are read from $MFREC_DATA "
          "(default ~/.cache/mfrec).")


def _threads(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 threads is invalid (use -1 for all cores)")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _format_option(p) -> None:
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="output format (default: an aligned table)")


def _add_demo(sub) -> None:
    p = sub.add_parser(
        "demo", help="train on MovieLens 100K, print accuracy and recommendations",
        description="Load MovieLens 100K (from the cache in $MFREC_DATA or ~/.cache/mfrec, "
        "else a download, else built-in synthetic data), train FunkSVD on a random 80/20 "
        "split, print the test RMSE next to the global-mean and bias baselines, and the "
        "top-10 movies for a user.", epilog=EPILOG)
    p.add_argument("--threads", type=_threads, default=None,
                   help="threads for training (default: all cores; -2: all but one)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--user", type=int, default=None,
                   help="raw id of the user to recommend for (default: the first user)")
    p.add_argument("-n", type=_positive, default=10,
                   help="number of recommendations (default 10)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="also draw the learning curve and a 2-D map of the movies in factor "
                        "space into this PNG file (needs matplotlib: the 'plot' extra)")


def _add_fit(sub) -> None:
    models = "; ".join(f"{name}: {desc}" for name, (_, desc) in MODELS.items())
    p = sub.add_parser(
        "fit", help="fit a model on a data set or file and save it",
        description="Fit a model on DATA (optionally on the training part of a random "
        "split, printing the held-out metrics) and save it as a .npz model file that "
        "'mfrec evaluate', 'mfrec recommend' and 'mfrec similar' (and mfrec.load) read.",
        epilog=EPILOG)
    add_data_options(p, split_help="hold out this fraction at random (seed --seed), fit on "
                     "the rest and print metrics on it (default: fit on everything)")
    p.add_argument("--model", default="funk-svd", type=str.lower,
                   help=f"the model (default funk-svd). {models}")
    p.add_argument("--factors", type=_positive, default=None,
                   help="number of latent factors (n_factors; model default if omitted)")
    p.add_argument("--epochs", type=_positive, default=None,
                   help="training epochs (n_epochs; model default if omitted)")
    p.add_argument("--reg", type=float, default=None, help="regularization (reg)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (lr; SGD models)")
    p.add_argument("--threads", type=_threads, default=None,
                   help="threads (n_threads; default all cores; -2: all but one)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="any other model parameter, e.g. --param biased=False --param "
                        "solver=cholesky (repeatable; values are Python literals or text)")
    p.add_argument("--metrics", default=None,
                   help="comma-separated metrics for the held-out part (default rmse,mae; "
                        "ndcg@10,recall@10,map@10 for implicit-als)")
    p.add_argument("--out", default=None, metavar="MODEL.npz",
                   help="save the fitted model here (written atomically)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show a progress bar per epoch (tqdm: the 'progress' extra)")


def _add_evaluate(sub) -> None:
    p = sub.add_parser(
        "evaluate", help="score a saved model on held-out data",
        description="Score a saved model on DATA. With --test-size and --seed as given "
        "to 'mfrec fit', only the held-out part of the same split is scored.",
        epilog=EPILOG)
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by 'mfrec fit --out'")
    add_data_options(p, split_help="score only the held-out part of the random split "
                     "'mfrec fit --test-size' made (same --seed); default: all of DATA")
    p.add_argument("--metrics", default=None,
                   help="comma-separated metrics: rmse, mae, precision, recall, ndcg, map, "
                        "mrr, hit_rate, auc, coverage (ranking ones take @k, e.g. ndcg@10; "
                        "default rmse,mae, or ndcg@10,recall@10,map@10 for implicit models)")
    p.add_argument("-k", type=_positive, default=10,
                   help="cut-off of ranking metrics named without @k (default 10)")
    _format_option(p)


def _add_recommend(sub) -> None:
    p = sub.add_parser(
        "recommend", help="top-n items for users of a saved model",
        description="Print the n best items for each user (unseen items only, unless "
        "--include-seen), with titles when the data had them.", epilog=EPILOG)
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by 'mfrec fit --out'")
    p.add_argument("--user", nargs="+", required=True, metavar="ID",
                   help="raw user id(s) as in the training data")
    p.add_argument("-n", type=_positive, default=10, help="items per user (default 10)")
    p.add_argument("--include-seen", action="store_true",
                   help="also rank the items the user has in the training data")
    p.add_argument("--risk-aversion", type=float, default=None, metavar="K",
                   help="rating models: rank by the predicted rating less K times its "
                        "standard error (items with few ratings stop crowding the top; "
                        "default 96, chosen on MovieLens validation splits; 0 = by the "
                        "predicted rating); implicit models: 0")
    _format_option(p)


def _add_similar(sub) -> None:
    p = sub.add_parser(
        "similar", help="items most similar to given items (cosine in factor space)",
        description="Print the n items whose factors have the highest cosine similarity "
        "with each query item's (never the query itself).", epilog=EPILOG)
    p.add_argument("model", metavar="MODEL.npz", help="a model saved by 'mfrec fit --out'")
    p.add_argument("--item", nargs="+", required=True, metavar="ID",
                   help="raw item id(s) as in the training data")
    p.add_argument("-n", type=_positive, default=10, help="items per query (default 10)")
    _format_option(p)


def _add_datasets(sub) -> None:
    p = sub.add_parser(
        "datasets", help="list the known data sets or download them into the cache",
        description="'list' shows every data set the loaders know and whether it is in the "
        "cache; 'fetch NAME...' downloads (checksum and row counts verified) into the cache.",
        epilog=EPILOG)
    p.add_argument("action", choices=("list", "fetch"), help="list or fetch")
    p.add_argument("names", nargs="*", metavar="NAME", help="data sets to fetch")
    p.add_argument("--data-home", default=None,
                   help="cache directory (default $MFREC_DATA or ~/.cache/mfrec)")
    p.add_argument("-q", "--quiet", action="store_true", help="no download progress bar")
    _format_option(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="mfrec", description="Fast matrix-factorization recommenders: fit, evaluate and "
        "query models from the shell. 'mfrec COMMAND --help' explains each command.",
        epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"mfrec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_demo, _add_fit, _add_evaluate, _add_recommend, _add_similar,
                _add_datasets):
        add(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    from . import _commands

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "datasets" and args.action == "fetch" and not args.names:
        parser.error("datasets fetch: name at least one data set (see 'mfrec datasets list')")
    command = getattr(_commands, f"cmd_{args.command}")
    try:
        return command(args)
    except (ValueError, KeyError, TypeError, OSError, ImportError, FloatingPointError,
            MemoryError, NotImplementedError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"mfrec {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mfrec {args.command}: interrupted", file=sys.stderr)
        return 130
