"""mfrec.datasets.load_file: delimited text (pandas and numpy backends) and parquet."""

import sys

import numpy as np
import pytest

import mfrec
import mfrec.datasets._table as table
from mfrec.datasets import load_file

USERS = [1, 1, 2, 3, 3, 3, 4]
ITEMS = [10, 20, 10, 20, 30, 40, 30]
RATINGS = [5.0, 3.5, 4.0, 1.0, 2.0, 4.5, 3.0]
TIMES = [100, 200, 300, 400, 500, 600, 700]


@pytest.fixture(params=["pandas", "numpy"])
def backend(request, monkeypatch):
    """Run a test with pandas' parser and with the numpy fallback (pandas 'missing')."""
    if request.param == "numpy":
        monkeypatch.setattr(table, "pandas_or_none", lambda: None)
    return request.param


def rows(sep, header=None, order=(0, 1, 2, 3)):
    cols = [USERS, ITEMS, RATINGS, TIMES]
    lines = [sep.join(str(cols[j][k]) for j in order) for k in range(len(USERS))]
    return ([sep.join(header)] if header else []) + lines


def write(path, lines, newline="\n", encoding="utf-8"):
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def expected():
    return mfrec.Interactions(USERS, ITEMS, RATINGS, TIMES)


def same(a, b):
    assert a.shape == b.shape and a.rating_scale == b.rating_scale
    assert np.array_equal(a.user_ids, b.user_ids) and np.array_equal(a.item_ids, b.item_ids)
    assert np.array_equal(a.users, b.users) and np.array_equal(a.items, b.items)
    assert np.array_equal(a.ratings, b.ratings)
    assert (a.timestamps is None) == (b.timestamps is None)
    if a.timestamps is not None:
        assert np.array_equal(a.timestamps, b.timestamps)


# -- happy paths ---------------------------------------------------------------------------
@pytest.mark.parametrize("sep", ["\t", ",", "::", "|", ";", " "])
def test_separators_detected(tmp_path, backend, sep):
    d = load_file(write(tmp_path / "r.txt", rows(sep)))
    same(d, expected())
    assert d.user_ids.dtype == np.int64 and d.timestamps.dtype == np.int64


def test_header_by_name_any_order(tmp_path, backend):
    lines = rows(",", header=["timestamp", "rating", "movieId", "userId"], order=(3, 2, 1, 0))
    same(load_file(write(tmp_path / "ratings.csv", lines)), expected())


def test_header_given_explicitly(tmp_path, backend):
    lines = rows("\t", header=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"r.tsv, line 1: cannot tell which column is the user"):
        load_file(write(tmp_path / "r.tsv", lines), header=True)
    d = load_file(tmp_path / "r.tsv", header=True, columns={"user": "a", "item": "b",
                                                             "rating": "c", "timestamp": "d"})
    same(d, expected())
    # without header=True, a header of names over numbers is detected too
    same(load_file(tmp_path / "r.tsv", columns=["a", "b", "c", "d"]), expected())


def test_no_header_positions_and_columns(tmp_path, backend):
    path = write(tmp_path / "r.dat", rows("::", order=(1, 0, 3, 2)))
    d = load_file(path, columns={"user": 1, "item": 0, "rating": 3, "timestamp": 2})
    same(d, expected())
    d = load_file(path, columns=[1, 0, 3])  # no timestamp
    assert d.timestamps is None and np.array_equal(d.ratings, expected().ratings)
    with pytest.raises(ValueError, match=r"r.dat: columns\['user'\] = 'userId' is a name"):
        load_file(path, columns={"user": "userId", "item": 0})
    with pytest.raises(ValueError, match="out of range: the file has 4 columns"):
        load_file(path, columns=[0, 9])


def test_implicit_two_columns_and_string_ids(tmp_path, backend):
    lines = ["user,item", "ann,x", "ann,y", "bob,x", '"smith, joe",z']
    d = load_file(write(tmp_path / "clicks.csv", lines))
    assert d.rating_scale == (1.0, 1.0) and d.timestamps is None
    assert set(d.user_ids) == {"ann", "bob", "smith, joe"} and d.nnz == 4
    # text ids are str objects, not fixed-width numpy text (a long id would widen every row)
    assert d.user_ids.dtype == object and all(isinstance(u, str) for u in d.user_ids)


def test_header_detected_from_numbers(tmp_path, backend):
    d = load_file(write(tmp_path / "r.csv", ["who,what,stars", "ann,x,5", "bob,y,3"]),
                  columns={"user": "who", "item": "what", "rating": "stars"})
    assert d.nnz == 2 and d.rating_scale == (3.0, 5.0)
    d = load_file(write(tmp_path / "r2.csv", ["ann,x,5", "bob,y,3"]))  # no header
    assert d.nnz == 2 and set(d.user_ids) == {"ann", "bob"}


def test_crlf_blank_lines_and_bom(tmp_path, backend):
    lines = ["\ufeffuserId\titemId\trating\ttimestamp"] + rows("\t")
    lines.insert(3, "")
    same(load_file(write(tmp_path / "r.tsv", lines, newline="\r\n")), expected())


def test_iso_dates_and_fractional_seconds(tmp_path, backend):
    lines = ["user,item,rating,time", "1,10,5,2020-01-02T03:04:05", "2,10,4,2020-01-03 00:00:00"]
    d = load_file(write(tmp_path / "r.csv", lines))
    want = np.array(["2020-01-02T03:04:05", "2020-01-03T00:00:00"], dtype="datetime64[s]")
    assert np.array_equal(d.timestamps, want.astype(np.int64))
    d = load_file(write(tmp_path / "f.csv", ["1,10,5,100.75", "2,10,4,200.0"]))
    assert d.timestamps.tolist() == [100, 200]


def test_options_pass_through(tmp_path, backend):
    path = write(tmp_path / "r.csv", ["1,10,4", "1,10,2", "2,10,5"])
    with pytest.raises(ValueError, match=r"r.csv: 1 duplicate \(user, item\) pair"):
        load_file(path)
    d = load_file(path, duplicates="mean", rating_scale=(1, 5))
    assert d.rating_scale == (1.0, 5.0) and sorted(d.ratings.tolist()) == [3.0, 5.0]
    d = load_file(write(tmp_path / "l.csv", ["1,10,4", "2,20,5"], encoding="latin-1"),
                  encoding="latin-1")
    assert d.nnz == 2


def test_same_as_from_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    path = write(tmp_path / "ratings.csv", rows(",", header=["user", "item", "rating",
                                                             "timestamp"]))
    same(load_file(path), mfrec.Interactions.from_pandas(pd.read_csv(path)))


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    t = pa.table({"uid": USERS, "iid": [str(i) for i in ITEMS], "stars": RATINGS, "ts": TIMES})
    pq.write_table(t, tmp_path / "r.parquet")
    d = load_file(tmp_path / "r.parquet", columns=["uid", "iid", "stars", "ts"])
    assert d.item_ids.tolist() == ["10", "20", "30", "40"]
    assert np.array_equal(d.ratings, expected().ratings) and d.nnz == len(USERS)
    pq.write_table(pa.table({"user": USERS, "item": ITEMS, "rating": RATINGS,
                             "timestamp": TIMES}), tmp_path / "r.pq")
    same(load_file(tmp_path / "r.pq"), expected())


def test_parquet_without_pyarrow(tmp_path, monkeypatch):
    (tmp_path / "r.parquet").write_bytes(b"PAR1")
    for mod in ("pyarrow", "pyarrow.parquet", "pyarrow.compute"):
        monkeypatch.setitem(sys.modules, mod, None)
    with pytest.raises(ImportError, match=r"pip install mfrec\[parquet\]"):
        load_file(tmp_path / "r.parquet")


# -- bad files: the message names the file, the 1-based line and the problem ---------------
def bad_file(tmp_path, bad_line, at, *, sep=",", header=True, name="ratings.csv"):
    """A good file with ``bad_line`` as its line number ``at`` (1-based)."""
    lines = ([sep.join(["userId", "movieId", "rating", "timestamp"])] if header else [])
    lines += [sep.join(map(str, (u, 100 + u, 3, 1000 + u))) for u in range(1, 30)]
    lines.insert(at - 1, bad_line)
    return write(tmp_path / name, lines)


@pytest.mark.parametrize("bad, problem", [
    ("5,105,abc,1005", "rating 'abc' is not a number"),
    ("5,105,nan,1005", "rating is NaN"),
    ("5,105,,1005", "rating is empty"),
    ("5,105,inf,1005", "rating 'inf' is not finite"),
    (",105,3,1005", "user id is empty"),
    ("5,,3,1005", "item id is empty"),
    ("5,105,3", "expected 4 fields separated by comma, found 3"),
    ("5,105,3,1005,7", "expected 4 fields separated by comma, found 5"),
    ("5\t105\t3\t1005", "found 1; mixed separators? this line splits by tab"),
    ("5,105,3,yesterday", "timestamp 'yesterday' is neither a number nor an ISO 8601 date"),
])
def test_bad_line_is_named(tmp_path, backend, bad, problem):
    path = bad_file(tmp_path, bad, 17)
    with pytest.raises(ValueError) as err:
        load_file(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}, line 17: "), msg
    assert problem in msg


def test_bad_line_numbers_count_blank_lines_and_header(tmp_path, backend):
    lines = ["1\t10\t5", "", "2\t10\t4", "", "", "3\t10\tbad", "4\t10\t1"]
    path = write(tmp_path / "u.data", lines)
    with pytest.raises(ValueError, match=r"u.data, line 6: rating 'bad' is not a number"):
        load_file(path)
    path = bad_file(tmp_path, "1::2::x::4", 3, sep="::", header=False, name="ratings.dat")
    with pytest.raises(ValueError, match=r"ratings.dat, line 3: rating 'x' is not a number"):
        load_file(path)


def test_first_data_line_bad(tmp_path, backend):
    path = write(tmp_path / "r.csv", ["user,item,rating", "1,2", "3,4,5"])
    with pytest.raises(ValueError, match=r"r.csv, line 2: expected 3 fields .* found 2"):
        load_file(path)


def test_empty_and_header_only(tmp_path, backend):
    with pytest.raises(ValueError, match=r"e.csv, line 1: the file is empty"):
        load_file(write(tmp_path / "e.csv", [""]))
    with pytest.raises(ValueError, match=r"h.csv, line 2: no data rows after the header"):
        load_file(write(tmp_path / "h.csv", ["user,item,rating"]))


def test_missing_columns(tmp_path, backend):
    path = write(tmp_path / "r.csv", ["userId,movieId,grade,extra", "1,2,3,4"])
    with pytest.raises(ValueError, match=r"r.csv, line 1: cannot tell which column is the "
                                         r"rating from the header"):
        load_file(path)
    with pytest.raises(ValueError, match=r"r.csv, line 1: no column 'rating' \(for rating\)"):
        load_file(path, columns={"user": "userId", "item": "movieId", "rating": "rating"})
    path = write(tmp_path / "one.csv", ["1", "2"])
    with pytest.raises(ValueError, match=r"one.csv, line 1: .*(separator|single field)"):
        load_file(path)


def test_undecodable_bytes(tmp_path, backend):
    path = tmp_path / "r.csv"
    path.write_bytes(b"user,item,rating\n1,a,5\n2,\xe9t\xe9,4\n")
    with pytest.raises(ValueError, match=r"r.csv, line 3: not valid utf-8 text"):
        load_file(path)
    assert set(load_file(path, encoding="latin-1").item_ids) == {"a", "été"}


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_file(tmp_path / "nope.csv")
    path = write(tmp_path / "r.csv", ["1,2,3"])
    with pytest.raises(ValueError, match="sep"):
        load_file(path, sep="")
    with pytest.raises(ValueError, match="unknown keys"):
        load_file(path, columns={"user": 0, "item": 1, "score": 2})


def test_parquet_bad_values(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"user": [1, 2, 3], "item": [1, 2, 3],
                             "rating": [1.0, 2.0, float("nan")]}), tmp_path / "nan.parquet")
    with pytest.raises(ValueError, match=r"nan.parquet, row 3: rating nan is not finite"):
        load_file(tmp_path / "nan.parquet")
    pq.write_table(pa.table({"user": [1, None, 3], "item": [1, 2, 3], "rating": [1, 2, 3]}),
                   tmp_path / "null.parquet")
    with pytest.raises(ValueError, match=r"null.parquet, row 2: user id is missing"):
        load_file(tmp_path / "null.parquet")
    pq.write_table(pa.table({"user": [1], "item": [1], "rating": ["good"]}),
                   tmp_path / "str.parquet")
    with pytest.raises(ValueError, match=r"str.parquet: column 'rating' \(rating\) has type "
                                         r"string, not a number"):
        load_file(tmp_path / "str.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match="junk.parquet: not a readable parquet file"):
        load_file(tmp_path / "junk.parquet")
