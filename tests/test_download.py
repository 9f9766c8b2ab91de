"""Downloads against a local HTTP server (127.0.0.1, port 0): never the internet."""

import functools
import hashlib
import http.server
import socket
import threading
import zipfile

import numpy as np
import pytest

import mfrec
from mfrec.datasets import CorruptDownloadError, DatasetUnavailableError

N_100K = 100_000  # the official ratings count that the download check expects


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path.endswith("truncated.zip"):  # promise 1 MB, send 10 bytes, hang up
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"PK\x03\x04trun")
            return
        super().do_GET()


@pytest.fixture()
def server(tmp_path, monkeypatch):
    """A directory served over HTTP; MFREC_DOWNLOAD_URL points at it."""
    root = tmp_path / "srv"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("MFREC_DOWNLOAD_URL", f"http://127.0.0.1:{httpd.server_address[1]}/")
    yield root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


def u_data(n):
    """``n`` ratings in the u.data layout (user, item, rating, timestamp; tab-separated)."""
    k = np.arange(n)
    cols = [k // 200 + 1, k % 200 + 1, k % 5 + 1, 880_000_000 + k]
    return "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in zip(*cols)).encode()


def ml100k_zip(root, n=N_100K, md5="good"):
    """``ml-100k.zip`` with the official folder layout, and its ``.md5`` beside it."""
    path = root / "ml-100k.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml-100k/u.data", u_data(n))
        zf.writestr("ml-100k/u.item", "1|Toy Story (1995)|01-Jan-1995||http://x|"
                    + "|".join("0001110000000000000") + "\n")
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if md5 == "good":  # GroupLens' format: "MD5 (ml-100k.zip) = <sum>"
        (root / "ml-100k.zip.md5").write_text(f"MD5 (ml-100k.zip) = {digest}\n")
    elif md5 == "bad":
        (root / "ml-100k.zip.md5").write_text("0123456789abcdef0123456789abcdef  ml-100k.zip\n")
    return digest


def leftovers(cache):
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_download_success_is_atomic(server, cache, capsys):
    ml100k_zip(server)
    d = mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert (d.nnz, d.n_users, d.n_items) == (N_100K, N_100K // 200, 200)
    assert d.item_titles[0] == "Toy Story (1995)"
    assert d.item_metadata["genres"][0] == ("Animation", "Children's", "Comedy")
    assert leftovers(cache) == ["ml-100k"]  # no temporary directory left behind
    assert sorted(p.name for p in (cache / "ml-100k").iterdir()) == ["u.data", "u.item"]
    assert capsys.readouterr().err == ""  # verbose=False: silent
    (server / "ml-100k.zip").unlink()  # cached now: no second download
    assert mfrec.datasets.load_movielens("100k", data_home=cache).nnz == N_100K


def test_bad_checksum_names_both_sums(server, cache):
    digest = ml100k_zip(server, md5="bad")
    with pytest.raises(CorruptDownloadError) as err:
        mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert "0123456789abcdef0123456789abcdef" in str(err.value)
    assert digest in str(err.value) and "checksum mismatch" in str(err.value)
    assert leftovers(cache) == []


def test_missing_md5_warns_and_proceeds(server, cache):
    ml100k_zip(server, md5=None)
    with pytest.warns(UserWarning, match=r"no checksum published .*HTTP 404"):
        d = mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert d.nnz == N_100K and leftovers(cache) == ["ml-100k"]


def test_wrong_row_count(server, cache):
    ml100k_zip(server, n=N_100K - 1)
    with pytest.raises(CorruptDownloadError, match=r"u.data has 99,999 rows, expected 100,000"):
        mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert leftovers(cache) == []


def test_not_a_zip_and_wrong_layout(server, cache):
    (server / "ml-1m.zip").write_bytes(b"<html>not found</html>")
    with pytest.warns(UserWarning, match="no checksum"), \
            pytest.raises(CorruptDownloadError, match="not a valid zip archive"):
        mfrec.datasets.load_movielens("1m", data_home=cache, verbose=False)
    with zipfile.ZipFile(server / "ml-1m.zip", "w") as zf:
        zf.writestr("ratings.dat", "1::2::3::4\n")  # the files belong in ml-1m/
    with pytest.warns(UserWarning), pytest.raises(CorruptDownloadError,
                                                  match="the archive has no ml-1m/ratings.dat"):
        mfrec.datasets.load_movielens("1m", data_home=cache, verbose=False)
    assert leftovers(cache) == []


def test_interrupted_transfer_leaves_nothing(server, cache, monkeypatch):
    from mfrec.datasets import _catalog

    spec = _catalog.CATALOG["ml-100k"]
    monkeypatch.setitem(_catalog.CATALOG, "ml-100k",
                        _catalog.DatasetSpec(**{**spec.__dict__, "archive": "truncated.zip"}))
    with pytest.raises(DatasetUnavailableError, match="could not download"):
        mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert leftovers(cache) == []


def test_ctrl_c_during_download_leaves_nothing(server, cache, monkeypatch):
    from mfrec.datasets import _download

    class Interrupting:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def update(self, n):
            raise KeyboardInterrupt

    ml100k_zip(server)
    monkeypatch.setattr(_download, "progress", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        mfrec.datasets.load_movielens("100k", data_home=cache, verbose=False)
    assert leftovers(cache) == []


def test_offline_message(cache, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MFREC_DOWNLOAD_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(DatasetUnavailableError) as err:
        mfrec.datasets.load_movielens("10m", data_home=cache, verbose=False)
    msg = str(err.value)
    assert f"could not download http://127.0.0.1:{port}/ml-10m.zip" in msg
    assert str(cache / "ml-10M100K" / "ratings.dat") in msg and "MFREC_DATA" in msg
    assert leftovers(cache) == []


def test_http_404_for_the_archive(server, cache):
    with pytest.raises(DatasetUnavailableError, match=r"ml-25m.zip: HTTP 404"):
        mfrec.datasets.load_movielens("25m", data_home=cache, verbose=False)


def test_lastfm_archive_without_folder(server, cache):
    n = 92_834
    k = np.arange(n)
    rows = "".join(f"{u}\t{a}\t{w}\r\n" for u, a, w in zip(k // 50 + 2, k % 50 + 1, k + 1))
    with zipfile.ZipFile(server / "hetrec2011-lastfm-2k.zip", "w") as zf:
        zf.writestr("user_artists.dat", "userID\tartistID\tweight\r\n" + rows)
        zf.writestr("artists.dat", "id\tname\turl\tpictureURL\n1\tMALICE MIZER\thttp://a\t\n")
    with pytest.warns(UserWarning, match="no checksum"):
        d = mfrec.datasets.load_lastfm("2k", data_home=cache, verbose=False)
    assert d.nnz == n and d.rating_scale == (1.0, float(n))
    assert d.item_metadata["name"][0] == "MALICE MIZER" == d.item_titles[0]
    assert leftovers(cache) == ["lastfm-2k"]
    assert (cache / "lastfm-2k" / "artists.dat").is_file()


def test_progress_bar_when_verbose(server, cache, capsys):
    pytest.importorskip("tqdm")
    ml100k_zip(server)
    mfrec.datasets.fetch("ml-100k", data_home=cache, verbose=True)
    assert "ml-100k.zip" in capsys.readouterr().err


def test_registry_fetch_list_load(server, cache):
    ml100k_zip(server)
    listed = {d["name"]: d for d in mfrec.datasets.list_datasets(data_home=cache)}
    assert set(listed) == {"ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m",
                           "ml-latest", "ml-latest-small", "lastfm-2k"}
    assert listed["ml-100k"]["url"].startswith("http://127.0.0.1:")
    assert not listed["ml-100k"]["cached"] and listed["ml-10m"]["path"] == cache / "ml-10M100K"
    path = mfrec.datasets.fetch("ml-100k", data_home=cache, verbose=False)
    assert path == cache / "ml-100k" and (path / "u.data").is_file()
    assert {d["name"] for d in mfrec.datasets.list_datasets(data_home=cache)
            if d["cached"]} == {"ml-100k"}
    (path / "u.data").write_text("1\t1\t5\t0\n")  # fetch(force=True) replaces the copy
    mfrec.datasets.fetch("ml-100k", data_home=cache, verbose=False, force=True)
    assert leftovers(cache) == ["ml-100k"]
    assert mfrec.datasets.load("ml-100k", data_home=cache, download=False).nnz == N_100K
    with pytest.raises(KeyError, match=r"unknown data set 'movielens'; available: \['ml-100k'"):
        mfrec.datasets.fetch("movielens", data_home=cache)
