"""nn/train/data.py: the IDX reader's checks, where data is looked for, and the verified download."""
import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from nn.train import data
from nn.impl import PROJECT_ROOT

SHARED_MNIST = PROJECT_ROOT.parent / "shared" / "data" / "mnist"
FASHION = Path("/usr/share/datasets/fashion-mnist")


def idx_images(n=5, rows=28, cols=28, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 256, size=(n, rows, cols), dtype=np.uint8)
    return struct.pack(">IIII", 2051, n, rows, cols) + pixels.tobytes(), pixels


def idx_labels(labels):
    labels = np.asarray(labels, dtype=np.uint8)
    return struct.pack(">II", 2049, len(labels)) + labels.tobytes()


def write_set(directory: Path, n=5, split="test", gz=True, labels=None):
    directory.mkdir(parents=True, exist_ok=True)
    images, pixels = idx_images(n)
    labels = np.arange(n) % 10 if labels is None else labels
    for name, payload in zip(data.FILES[split], (images, idx_labels(labels))):
        path = directory / (name if gz else name[:-3])
        path.write_bytes(gzip.compress(payload) if gz else payload)
    return pixels


@pytest.mark.parametrize("gz", [True, False])
def test_reads_gzip_and_raw_column_major(tmp_path, gz):
    pixels = write_set(tmp_path, n=6, gz=gz)
    name = data.FILES["test"][0] if gz else data.FILES["test"][0][:-3]
    images = data.load_images(tmp_path / name)
    X = data.to_columns(images)
    assert X.shape == (784, 6) and X.dtype == np.float64
    assert 0.0 <= X.min() and X.max() <= 1.0
    np.testing.assert_allclose(X[:, 2], pixels[2].reshape(-1) / 255.0)


def test_wrong_magic_names_the_file(tmp_path):
    write_set(tmp_path)
    labels_file = tmp_path / data.FILES["test"][1]
    with pytest.raises(data.DataError, match=r"t10k-labels.*magic number 2049 \(labels\), expected 2051"):
        data.load_images(labels_file)


def test_truncated_and_trailing_bytes(tmp_path):
    images, _ = idx_images(4)
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(images[:-10])
    with pytest.raises(data.DataError, match="short-idx3-ubyte.*truncated"):
        data.load_images(short)
    long = tmp_path / "long-idx3-ubyte"
    long.write_bytes(images + b"xx")
    with pytest.raises(data.DataError, match="trailing bytes"):
        data.load_images(long)
    header = tmp_path / "tiny"
    header.write_bytes(b"\x00\x00\x08")
    with pytest.raises(data.DataError, match="too short"):
        data.read_idx(header)


def test_corrupt_gzip(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(gzip.compress(idx_images(3)[0])[:-20])
    with pytest.raises(data.DataError, match="bad.gz: the gzip stream is corrupt or truncated"):
        data.read_idx(bad)


def test_image_and_label_counts_must_agree(tmp_path):
    images, _ = idx_images(5)
    (tmp_path / "i").write_bytes(images)
    (tmp_path / "l").write_bytes(idx_labels([1, 2, 3]))
    with pytest.raises(data.DataError, match="has 5 images but .* has 3 labels"):
        data.load_pair(tmp_path / "i", tmp_path / "l")


def test_labels_out_of_range(tmp_path):
    (tmp_path / "l").write_bytes(idx_labels([1, 12]))
    with pytest.raises(data.DataError, match="label 12 is outside 0..9"):
        data.load_labels(tmp_path / "l")


def test_lookup_order(tmp_path, monkeypatch):
    monkeypatch.setenv("NN_KATAS_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dirs = data.candidate_dirs("fashion-mnist", tmp_path / "explicit")
    assert dirs[:4] == [tmp_path / "explicit", tmp_path / "env" / "fashion-mnist", tmp_path / "env",
                        tmp_path / "cache" / "nn-katas" / "fashion-mnist"]
    assert dirs[-1] == Path("/usr/share/datasets/fashion-mnist")


def test_test_set_only_is_split_8_to_2(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_set(tmp_path / "d", n=20)
    ds = data.load("mnist", tmp_path / "d", allow_download=False)
    assert ds.X_train.shape == (784, 16) and ds.X_test.shape == (784, 4)
    assert "first 16 to train and the last 4 to test" in ds.source


def test_missing_data_directory(tmp_path):
    with pytest.raises(data.DataError, match="no such directory"):
        data.load("mnist", tmp_path / "nope", allow_download=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(data.DataError, match="none of the mnist files are there"):
        data.load("mnist", tmp_path / "empty", allow_download=False)


def test_synthetic_is_mnist_shaped_and_says_so():
    ds = data.synthetic(m_train=500, m_test=100)
    assert ds.X_train.shape == (784, 500) and ds.y_test.shape == (100,)
    assert ds.synthetic and "SYNTHETIC" in ds.source
    assert 0.0 <= ds.X_train.min() and ds.X_train.max() <= 1.0 and set(np.unique(ds.y_train)) <= set(range(10))


# -- download, against a server on 127.0.0.1 ------------------------------------------------

class _Server:
    def __init__(self, routes):
        routes = routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                kind, body = routes.get(self.path.rsplit("/", 1)[-1], ("missing", b""))
                if kind == "error":
                    self.send_error(500, "server error")
                    return
                if kind == "missing":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if kind == "truncated" else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _payloads():
    images, _ = idx_images(3)
    files = {data.FILES["test"][0]: gzip.compress(images), data.FILES["test"][1]: gzip.compress(idx_labels([1, 2, 3]))}
    return files, {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}


def _download(tmp_path, kinds):
    files, sums = _payloads()
    server = _Server({name: (kinds.get(name, "ok"), body) for name, body in files.items()})
    try:
        return data.download("mnist", tmp_path / "dest", mirrors=[server.url], checksums=sums, timeout=5)
    finally:
        server.close()


def test_download_verifies_and_places_the_files(tmp_path):
    dest = _download(tmp_path, {})
    images, labels = data.load_pair(dest / data.FILES["test"][0], dest / data.FILES["test"][1])
    assert images.shape == (3, 28, 28) and list(labels) == [1, 2, 3]


@pytest.mark.parametrize("kind,words", [("corrupt", "SHA-256"), ("truncated", "truncated"), ("error", "server error")])
def test_download_failures_say_how_to_get_the_files(tmp_path, kind, words):
    files, sums = _payloads()
    name = data.FILES["test"][0]
    routes = {n: ("ok", b) for n, b in files.items()}
    routes[name] = ("ok", b"not the file") if kind == "corrupt" else (kind, files[name])
    server = _Server(routes)
    try:
        with pytest.raises(data.DataError) as info:
            data.download("mnist", tmp_path / "dest", mirrors=[server.url], checksums=sums, timeout=5)
    finally:
        server.close()
    message = str(info.value)
    assert name in message and words.lower() in message.lower() and "by hand" in message
    assert not (tmp_path / "dest" / name).exists()
    assert not list((tmp_path / "dest").glob(".part-*"))


# -- the real data sets, where this machine has them ------------------------------------------

@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="the MNIST test set is not at ../shared/data/mnist")
def test_real_mnist_test_set(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ds = data.load("mnist", SHARED_MNIST, allow_download=False)
    assert ds.X_train.shape == (784, 8000) and ds.X_test.shape == (784, 2000)
    assert list(ds.y_train[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    for name, digest in data.SHA256["mnist"].items():
        if (SHARED_MNIST / name).exists():
            assert data.sha256_of(SHARED_MNIST / name) == digest


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("NN_KATAS_DATA", raising=False)
    ds = data.load("fashion-mnist", allow_download=False)
    assert ds.X_train.shape == (784, 60000) and ds.X_test.shape == (784, 10000)
    assert list(ds.y_train[:5]) == [9, 0, 0, 3, 0] and ds.class_names[9] == "Ankle boot"
    assert all(data.sha256_of(FASHION / n) == d for n, d in data.SHA256["fashion-mnist"].items())
