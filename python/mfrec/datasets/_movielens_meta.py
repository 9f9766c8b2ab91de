"""MovieLens side files: movie titles and genres, user demographics (100K and 1M).

Formats (GroupLens READMEs):

- 100K ``u.item``: ``id|title|release date|video release date|IMDb URL|<19 genre flags>``,
  latin-1; genre names in ``u.genre`` (``name|index``), else :data:`GENRES_100K`.
  ``u.user``: ``id|age|gender|occupation|zip``.
- 1M / 10M ``movies.dat``: ``MovieID::Title::Genres`` (genres ``|``-separated); 1M is
  latin-1. 1M ``users.dat``: ``UserID::Gender::Age::Occupation::Zip-code`` with coded age
  groups and occupations (:data:`OCCUPATIONS_1M`).
- 20M, 25M, 32M, latest, latest-small ``movies.csv``: ``movieId,title,genres`` with a header;
  titles with commas are ``"``-quoted. ``tags.csv`` (the same releases, and 10M's
  ``tags.dat``): ``userId,movieId,tag,timestamp``, free-text tags users gave movies.

Lines without an integer id are skipped (side files are best effort; ratings are not).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ._metadata import read_text

__all__ = ["GENRES_100K", "OCCUPATIONS_1M", "read_movies", "read_tags", "read_users"]

GENRES_100K = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
               "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
               "Romance", "Sci-Fi", "Thriller", "War", "Western")
OCCUPATIONS_1M = ("other", "academic/educator", "artist", "clerical/admin",
                  "college/grad student", "customer service", "doctor/health care",
                  "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer",
                  "programmer", "retired", "sales/marketing", "scientist", "self-employed",
                  "technician/engineer", "tradesman/craftsman", "unemployed", "writer")
_NO_GENRES = "(no genres listed)"


def read_movies(folder: Path, variant: str) -> tuple[list[int], dict[str, list]]:
    """Movie ids and their ``"title"`` (str) and ``"genres"`` (tuple of str) columns.

    Empty when the variant's movies file is missing.
    """
    if variant == "100k":
        path, parse, encoding = folder / "u.item", _item_100k(folder), "latin-1"
    elif variant in ("1m", "10m"):
        path, parse = folder / "movies.dat", _movie_dat
        encoding = "latin-1" if variant == "1m" else "utf-8"
    else:
        path, parse, encoding = folder / "movies.csv", None, "utf-8"
    if not path.is_file():
        return [], {"title": [], "genres": []}
    lines = read_text(path, encoding)
    if parse is None:
        rows = csv.reader(lines[1:], delimiter=",", quotechar='"')
        parsed = [(r[0], r[1], _genres(r[2])) for r in rows if len(r) >= 3]
    else:
        parsed = [p for p in map(parse, lines) if p is not None]
    ids, titles, genres = [], [], []
    for raw_id, title, gen in parsed:
        if raw_id.strip().isdigit():
            ids.append(int(raw_id))
            titles.append(title)
            genres.append(gen)
    return ids, {"title": titles, "genres": genres}


def read_tags(folder: Path, variant: str) -> tuple[list[int], dict[str, list]] | None:
    """Movie ids and their ``"tags"`` column: the distinct tags users gave each movie,
    lower-cased and stripped, sorted (tuple of str). None when the variant has no tags file.
    """
    if variant in ("10m",):
        path, sep = folder / "tags.dat", "::"
    elif variant in ("100k", "1m"):
        return None
    else:
        path, sep = folder / "tags.csv", ","
    if not path.is_file():
        return None
    lines = read_text(path, "utf-8")
    if sep == ",":
        rows = csv.reader(lines[1:], delimiter=",", quotechar='"')
    else:
        rows = (line.split("::") for line in lines)
    tags: dict[int, set[str]] = {}
    for r in rows:
        if len(r) < 3 or not r[1].strip().isdigit():
            continue
        tag = " ".join(r[2].split()).lower()
        if tag:
            tags.setdefault(int(r[1]), set()).add(tag)
    ids = sorted(tags)
    return ids, {"tags": [tuple(sorted(tags[i])) for i in ids]}


def _item_100k(folder):
    names = _genre_names_100k(folder / "u.genre")

    def parse(line):
        f = line.split("|")
        if len(f) < 5 + len(names):
            return None
        flags = f[5:5 + len(names)]
        return f[0], f[1], tuple(n for n, flag in zip(names, flags) if flag.strip() == "1")
    return parse


def _genre_names_100k(path):
    """Names ordered by index from ``u.genre``; the documented 19 when it is unusable."""
    if not path.is_file():
        return GENRES_100K
    pairs = [line.rsplit("|", 1) for line in read_text(path, "latin-1") if "|" in line]
    try:
        by_index = {int(i): name for name, i in pairs}
    except ValueError:
        return GENRES_100K
    if sorted(by_index) != list(range(len(by_index))) or not by_index:
        return GENRES_100K
    return tuple(by_index[i] for i in range(len(by_index)))


def _movie_dat(line):
    f = line.split("::")
    if len(f) < 3:
        return None
    return f[0], "::".join(f[1:-1]), _genres(f[-1])


def _genres(text):
    text = text.strip()
    if not text or text == _NO_GENRES:
        return ()
    return tuple(text.split("|"))


def read_users(folder: Path, variant: str) -> tuple[list[int], dict[str, list]] | None:
    """User ids and ``"age"``, ``"gender"``, ``"occupation"``, ``"zip"`` columns, or None.

    100K: age in years. 1M: the README's age group code (1: under 18, 18: 18-24, 25: 25-34,
    35: 35-44, 45: 45-49, 50: 50-55, 56: 56+) and occupation names decoded from their codes.
    Other variants have no user file.
    """
    if variant == "100k":
        path, sep, order = folder / "u.user", "|", ("age", "gender", "occupation", "zip")
    elif variant == "1m":
        path, sep, order = folder / "users.dat", "::", ("gender", "age", "occupation", "zip")
    else:
        return None
    if not path.is_file():
        return None
    ids, cols = [], {k: [] for k in ("age", "gender", "occupation", "zip")}
    for line in read_text(path, "latin-1"):
        f = line.split(sep)
        if len(f) < 5 or not f[0].strip().isdigit() or not f[order.index("age") + 1].isdigit():
            continue
        row = dict(zip(order, f[1:5]))
        row["age"] = int(row["age"])
        if variant == "1m":
            code = row["occupation"].strip()
            row["occupation"] = (OCCUPATIONS_1M[int(code)]
                                 if code.isdigit() and int(code) < len(OCCUPATIONS_1M) else code)
        ids.append(int(f[0]))
        for k in cols:
            cols[k].append(row[k].strip() if isinstance(row[k], str) else row[k])
    return ids, cols
