"""MNIST-format data: an IDX reader that refuses bad files, where to find the files, a
verified download, a cache of decoded arrays, and a synthetic MNIST-shaped data set.

Arrays come out column-major, as the katas use them: X is (784, m) in [0, 1] and the
labels are (m,) integers.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import struct
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
}
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}
SYSTEM_DIRS = {"fashion-mnist": [Path("/usr/share/datasets/fashion-mnist")], "mnist": [Path("/usr/share/datasets/mnist")]}
CLASS_NAMES = {
    "mnist": [str(i) for i in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "synthetic": [str(i) for i in range(10)],
}


class DataError(Exception):
    """A data file or directory that cannot be used, named with what is wrong."""


# -- the IDX format --------------------------------------------------------------------

def _raw_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DataError(f"{path}: the gzip stream is corrupt or truncated ({exc})") from None
    return data


def read_idx(path: str | Path, expect_magic: int | None = None) -> np.ndarray:
    """An IDX file (raw or gzip) as a uint8 array, after checking magic, dimensions and length."""
    path = Path(path)
    data = _raw_bytes(path)
    if len(data) < 8:
        raise DataError(f"{path}: {len(data)} bytes is too short for an IDX header")
    zero, dtype_code, ndim = data[0:2], data[2], data[3]
    magic = struct.unpack(">I", data[:4])[0]
    if zero != b"\x00\x00" or dtype_code != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file (magic number {magic})")
    if expect_magic is not None and magic != expect_magic:
        kind = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
        raise DataError(f"{path}: magic number {magic} ({kind.get(magic, 'unknown')}), expected {expect_magic} "
                        f"({kind[expect_magic]}): is this the {kind[expect_magic]} file?")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: truncated header ({len(data)} bytes, {ndim} dimensions need {header})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        raise DataError(f"{path}: dimensions {dims} need {expected} bytes, the file has {len(data)} "
                        f"({'truncated' if len(data) < expected else 'trailing bytes'})")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def load_images(path) -> np.ndarray:
    """(n, rows, cols) uint8 images, checked."""
    images = read_idx(path, IMAGES_MAGIC)
    if images.ndim != 3:
        raise DataError(f"{path}: images need 3 dimensions (count, rows, cols), found {images.shape}")
    return images


def load_labels(path) -> np.ndarray:
    labels = read_idx(path, LABELS_MAGIC)
    if labels.ndim != 1:
        raise DataError(f"{path}: labels need 1 dimension, found {labels.shape}")
    if labels.size and labels.max() > 9:
        raise DataError(f"{path}: label {int(labels.max())} is outside 0..9")
    return labels


def to_columns(images: np.ndarray, dtype=np.float64) -> np.ndarray:
    """(n, 28, 28) uint8 -> (784, n) in [0, 1], one example per column.

    The result is the transpose of a C-ordered (n, 784) array: each example's pixels are
    contiguous in memory (Fortran order), which is what the matrix products want.
    """
    n = images.shape[0]
    rows = images.reshape(n, -1).astype(dtype)
    rows *= rows.dtype.type(1.0 / 255.0)
    return rows.T


def load_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_images(images_path), load_labels(labels_path)
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"{images_path} has {images.shape[0]} images but {labels_path} has {labels.shape[0]} labels")
    return images, labels


# -- where the files are ----------------------------------------------------------------

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nn-katas"


def candidate_dirs(dataset: str, data_dir: str | Path | None = None) -> list[Path]:
    """Where to look, in order: --data, $NN_KATAS_DATA, the user cache, system packages."""
    dirs = []
    if data_dir:
        dirs.append(Path(data_dir))
    if os.environ.get("NN_KATAS_DATA"):
        env = Path(os.environ["NN_KATAS_DATA"])
        dirs += [env / dataset, env]
    dirs.append(cache_dir() / dataset)
    dirs += SYSTEM_DIRS.get(dataset, [])
    return dirs


def _has(directory: Path, split: str) -> bool:
    return all((directory / name).is_file() or (directory / name[:-3]).is_file() for name in FILES[split])


def _file(directory: Path, name: str) -> Path:
    return directory / name if (directory / name).is_file() else directory / name[:-3]


def find(dataset: str, data_dir=None, splits=("train", "test")) -> tuple[Path, tuple[str, ...]]:
    """The first directory holding the dataset, and which splits it has."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise DataError(f"--data {data_dir}: no such directory")
    for directory in candidate_dirs(dataset, data_dir):
        have = tuple(s for s in splits if _has(directory, s))
        if have:
            return directory, have
        if data_dir is not None and directory == Path(data_dir):
            names = ", ".join(n for s in splits for n in FILES[s])
            raise DataError(f"--data {data_dir}: none of the {dataset} files are there (looked for {names})")
    raise DataError(f"{dataset} not found in " + ", ".join(str(d) for d in candidate_dirs(dataset, data_dir)))


# -- download ---------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(dataset: str, dest: Path | None = None, mirrors: list[str] | None = None,
             checksums: dict | None = None, timeout: float = 30.0) -> Path:
    """Fetch the four files into ``dest`` (the user cache by default), verifying each SHA-256.

    A file is moved into place only once its checksum matches, so a failed or corrupt
    download never leaves a file that looks good.
    """
    dest = Path(dest or cache_dir() / dataset)
    dest.mkdir(parents=True, exist_ok=True)
    mirrors = mirrors or MIRRORS[dataset]
    checksums = checksums or SHA256[dataset]
    for name, digest in checksums.items():
        target = dest / name
        if target.is_file() and sha256_of(target) == digest:
            continue
        errors = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            with tempfile.NamedTemporaryFile(dir=dest, prefix=".part-", delete=False) as tmp:
                part = Path(tmp.name)
                try:
                    with urllib.request.urlopen(url, timeout=timeout) as response:
                        shutil.copyfileobj(response, tmp)
                except http.client.IncompleteRead as exc:
                    errors.append(f"{url}: the download was cut short after {len(exc.partial)} bytes (truncated)")
                    part.unlink(missing_ok=True)
                    continue
                except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                    errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
                    part.unlink(missing_ok=True)
                    continue
            got = sha256_of(part)
            if got != digest:
                errors.append(f"{url}: SHA-256 {got[:16]}..., expected {digest[:16]}... (corrupt or truncated)")
                part.unlink(missing_ok=True)
                continue
            part.replace(target)
            break
        else:
            raise DataError(
                f"could not download {name} for {dataset}:\n  " + "\n  ".join(errors) +
                f"\nGet the four files by hand ({', '.join(checksums)}) and put them in {dest}, "
                f"or point --data or NN_KATAS_DATA at a directory that holds them."
                + ("\nOn Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist" if dataset == "fashion-mnist" else ""))
    return dest


# -- data sets ready for training --------------------------------------------------------

@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    synthetic: bool = False

    @property
    def class_names(self) -> list[str]:
        return CLASS_NAMES.get(self.name, [str(i) for i in range(10)])


def _decoded(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Decoded uint8 arrays, cached as .npy by the files' content so the gzip work is done once."""
    key = hashlib.sha256()
    for p in (images_path, labels_path):
        st = p.stat()
        key.update(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    cached = cache_dir() / "decoded" / key.hexdigest()[:24]
    try:
        return np.load(cached / "images.npy"), np.load(cached / "labels.npy")
    except (OSError, ValueError):
        pass
    images, labels = load_pair(images_path, labels_path)
    try:
        cached.mkdir(parents=True, exist_ok=True)
        np.save(cached / "images.npy", images)
        np.save(cached / "labels.npy", labels)
    except OSError:
        pass  # a read-only cache only costs speed
    return images, labels


def load(dataset: str, data_dir=None, dtype=np.float64, allow_download: bool = True) -> Dataset:
    """Train and test arrays for mnist or fashion-mnist, found, cached or downloaded.

    When a directory holds only the MNIST test set (t10k), the first 8,000 images train
    and the last 2,000 test.
    """
    if dataset == "synthetic":
        return synthetic(dtype=dtype)
    try:
        directory, have = find(dataset, data_dir)
    except DataError:
        if data_dir is not None or not allow_download:
            raise
        directory, have = download(dataset), ("train", "test")
    if "test" not in have:
        raise DataError(f"{directory} has no test set ({', '.join(FILES['test'])})")
    test_images, test_labels = _decoded(_file(directory, FILES["test"][0]), _file(directory, FILES["test"][1]))
    if "train" in have:
        train_images, train_labels = _decoded(_file(directory, FILES["train"][0]), _file(directory, FILES["train"][1]))
        source = f"{directory} (train {len(train_labels):,}, test {len(test_labels):,})"
    else:
        split = int(round(0.8 * len(test_labels)))
        train_images, train_labels = test_images[:split], test_labels[:split]
        test_images, test_labels = test_images[split:], test_labels[split:]
        source = (f"{directory}: only the t10k test set, split into the first {split:,} to train "
                  f"and the last {len(test_labels):,} to test")
    return Dataset(dataset, to_columns(train_images, dtype), train_labels.astype(np.int64),
                   to_columns(test_images, dtype), test_labels.astype(np.int64), source)


def synthetic(m_train: int = 6000, m_test: int = 1000, seed: int = 0, dtype=np.float64) -> Dataset:
    """A learnable, MNIST-shaped stand-in: ten 28x28 prototype strokes, shifted and noised."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    prototypes = []
    for k in range(10):
        angle = np.pi * k / 10
        cx, cy = 14 + 6 * np.cos(2 * angle), 14 + 6 * np.sin(3 * angle)
        d = np.abs((xx - cx) * np.sin(angle) - (yy - cy) * np.cos(angle))
        ring = np.abs(np.hypot(xx - 14, yy - 14) - (4 + k % 5 * 2))
        prototypes.append(np.clip(1.5 - np.minimum(d, ring + (k % 2) * 3), 0, 1))
    prototypes = np.array(prototypes)

    def make(m):
        labels = rng.integers(0, 10, m)
        images = prototypes[labels]
        shift = rng.integers(-2, 3, size=(m, 2))
        images = np.array([np.roll(img, tuple(s), axis=(0, 1)) for img, s in zip(images, shift)])
        images = np.clip(images * rng.uniform(0.6, 1.0, (m, 1, 1)) + rng.normal(0, 0.15, images.shape), 0, 1)
        return (images.reshape(m, -1).T).astype(dtype), labels.astype(np.int64)

    X_train, y_train = make(m_train)
    X_test, y_test = make(m_test)
    return Dataset("synthetic", X_train, y_train, X_test, y_test,
                   "SYNTHETIC data generated in memory (no MNIST files found): not real digits", synthetic=True)
