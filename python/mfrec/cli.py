"""The ``mfrec`` command line (also ``python -m mfrec``)."""

from __future__ import annotations

import argparse
import sys


def _threads(text: str):
    value = int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 threads is invalid (use -1 for all cores)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mfrec", description="Fast matrix-factorization recommenders.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="train on MovieLens 100K, print accuracy and recommendations",
        description="Load MovieLens 100K (from the cache in $MFREC_DATA or ~/.cache/mfrec, "
        "else a download, else built-in synthetic data), train FunkSVD on a random 80/20 "
        "split, print the test RMSE next to the global-mean and bias baselines, and the "
        "top-10 movies for a user.")
    demo.add_argument("--threads", type=_threads, default=None,
                      help="threads for training (default: all cores; -2: all but one)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--user", type=int, default=None,
                      help="raw id of the user to recommend for (default: the first user)")
    demo.add_argument("-n", type=int, default=10, help="number of recommendations (default 10)")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "demo":
        from .demo import run_demo

        try:
            run_demo(n_threads=args.threads, seed=args.seed, user=args.user, n=args.n)
        except (ValueError, KeyError) as exc:
            print(f"mfrec demo: error: {exc}", file=sys.stderr)
            return 1
    return 0
