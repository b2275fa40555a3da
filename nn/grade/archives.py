"""Reading archives safely: the kind of an archive from its first bytes, and its entries
streamed one by one under a byte, time and entry budget, refusing links, devices, FIFOs,
absolute paths and ``..`` before anything is written. Used by ``nn.grade.unpack``."""
from __future__ import annotations

import bz2
import gzip
import lzma
import stat
import tarfile
import time
import zipfile
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024  # decompressed bytes read from one archive, headers and skipped data included
MAX_SECONDS = 20.0  # wall time spent unpacking one archive
MAX_MEMBERS = 10_000  # entries in one archive
MAX_DEPTH = 32  # folders inside one another in one archive or submission
MAX_MODULE_BYTES = 1 << 20  # a kata module larger than this is not graded
CHUNK = 64 * 1024

# The archive kinds that are graded, by the name's ending (longest first) and by content.
KINDS = {
    "zip": "a zip archive",
    "tar": "an uncompressed tar archive",
    "tar.gz": "a gzip-compressed tar archive",
    "tar.bz2": "a bzip2-compressed tar archive",
    "tar.xz": "an xz-compressed tar archive",
}
SUFFIXES = {".tar.gz": "tar.gz", ".tgz": "tar.gz", ".tar.bz2": "tar.bz2", ".tbz2": "tar.bz2", ".tbz": "tar.bz2",
            ".tar.xz": "tar.xz", ".txz": "tar.xz", ".tar": "tar", ".zip": "zip"}
SUPPORTED = ".zip, .tar, .tar.gz (.tgz), .tar.bz2 (.tbz2) or .tar.xz (.txz)"

# Content that is recognised but not graded, to say what a file is rather than "unknown".
_OTHER_MAGIC = [
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd stream"),
    (b"%PDF", "a PDF document"),
]
_STREAMS = {"tar.gz": "a gzip stream", "tar.bz2": "a bzip2 stream", "tar.xz": "an xz stream"}
# Folders never searched for the kata modules: macOS metadata, version control, anything hidden.
SKIPPED_DIRS = ("__MACOSX",)


class SubmissionError(Exception):
    """A submission that cannot be graded as sent (an unsafe or unreadable archive)."""


# -- names and kinds --------------------------------------------------------------------------------

def name_kind(name: str) -> str | None:
    """The archive kind a file name promises ("tar.gz", "zip", ...), or None for any other name."""
    lower = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return SUFFIXES[suffix]
    return None


def content_kind(path: Path) -> str:
    """What a file holds, read from its first bytes: one of KINDS, or a description of something else."""
    with open(path, "rb") as f:
        head = f.read(512)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if head[:3] == b"BZh":
        return "tar.bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "tar.xz"
    if _is_tar_header(head):
        return "tar"
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return what
    if not head:
        return "an empty file"
    return "not an archive"


def _is_tar_header(block: bytes) -> bool:
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    try:  # an old (v7) tar header has no magic, only a checksum
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        return True
    except (tarfile.HeaderError, ValueError):
        return False


def check_kind(archive: Path) -> str:
    """The archive's kind, when its name and its content agree on one that is graded."""
    promised = name_kind(archive.name)
    try:
        found = content_kind(archive)
    except OSError as exc:
        raise SubmissionError(f"{archive.name}: cannot be read ({exc.strerror or exc})") from None
    if promised is None:
        what = KINDS.get(found, found)
        raise SubmissionError(f"{archive.name}: not a directory or an archive named {SUPPORTED} "
                              f"(its content is {what}): not graded")
    if found != promised:
        what = KINDS.get(found, found)
        if found in _STREAMS:  # the compression is all that was read
            what = _STREAMS[found]
        raise SubmissionError(f"{archive.name}: named as {KINDS[promised]} but its content is {what}: refused "
                              f"(give the file the name of what it is)")
    return found


# -- budgets ----------------------------------------------------------------------------------------

class Budget:
    def __init__(self, name: str, max_bytes: int, max_seconds: float):
        self.name, self.max_bytes, self.left = name, max_bytes, max_bytes
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise SubmissionError(f"{self.name} unpacks to more than {self.max_bytes / 2**20:g} MB: refused")
        if time.monotonic() > self.deadline:
            raise SubmissionError(f"{self.name} took more than {self.max_seconds:g} s to unpack: refused")


class _Counted:
    """A decompressed stream read in bounded pieces, every byte counted against the budget."""

    WINDOW = 64 * 1024

    def __init__(self, raw, budget: Budget):
        self.raw, self.budget = raw, budget
        self.recent, self.recent_start = bytearray(), 0  # the last bytes read, to look back at a header

    def block(self, offset: int, size: int = 512) -> bytes | None:
        """The bytes at [offset, offset + size) if they are still in the window, else None."""
        start = offset - self.recent_start
        return bytes(self.recent[start:start + size]) if 0 <= start <= len(self.recent) else None

    def read(self, n: int = -1) -> bytes:
        parts, got = [], 0
        while n is None or n < 0 or got < n:
            want = CHUNK if n is None or n < 0 else min(CHUNK, n - got)
            piece = self.raw.read(want)
            self.budget.spend(len(piece))
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
            self.recent += piece
            if len(self.recent) > self.WINDOW:
                drop = len(self.recent) - self.WINDOW
                del self.recent[:drop]
                self.recent_start += drop
        return b"".join(parts)


# -- checking entries -------------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    """An entry's path, relative and inside the archive, with "/" separators; refused otherwise."""
    if "\x00" in name:
        raise SubmissionError(f"archive entry {name!r} has a NUL byte in its name: refused")
    norm = name.replace("\\", "/")
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if norm.startswith("/") or (norm[1:2] == ":" and norm[:1].isalpha()) or (parts and ":" in parts[0]):
        raise SubmissionError(f"archive entry {name!r} has an absolute path: refused")
    if ".." in parts:
        raise SubmissionError(f"archive entry {name!r} points outside the archive (..): refused")
    if len(parts) > MAX_DEPTH:
        raise SubmissionError(f"archive entry {name[:80]!r}... is {len(parts)} folders deep (at most {MAX_DEPTH}): refused")
    return "/".join(parts)


def _kind_of_mode(mode: int) -> str:
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a file or directory"


def _kept(name: str) -> bool:
    """What unpacking writes: Python files, and the learner's record of hint rungs (data, read by rungs.py)."""
    parts = name.split("/")
    return name.endswith(".py") or (len(parts) >= 2 and parts[-2] == ".nn-kata" and parts[-1] in ("hints.json", "ladder.json"))


def tar_entries(archive: Path, kind: str, budget: Budget, max_members: int):
    """(name, is_dir, data or None) for each entry, streamed: one pass, no seeking."""
    opener = {"tar": open, "tar.gz": gzip.open, "tar.bz2": bz2.open, "tar.xz": lzma.open}[kind]
    with opener(archive, "rb") as raw:
        stream = _Counted(raw, budget)
        with tarfile.open(fileobj=stream, mode="r|") as tf:
            count = 0
            for m in tf:
                count += 1
                if count > max_members:
                    raise SubmissionError(f"{archive.name} has more than {max_members} entries: refused")
                name = _clean_name(m.name)
                if m.issym() or m.islnk():
                    raise SubmissionError(f"archive entry {m.name!r} is a link: refused")
                if m.ischr() or m.isblk() or m.isfifo():
                    what = "a character device" if m.ischr() else "a block device" if m.isblk() else "a FIFO"
                    raise SubmissionError(f"archive entry {m.name!r} is {what}: refused")
                if m.isdir():
                    yield name, True, None
                    continue
                if m.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE) or m.sparse is not None:
                    raise SubmissionError(f"archive entry {m.name!r} is not a regular file or directory: refused")
                f = tf.extractfile(m)
                data = bytearray()
                keep = _kept(name)
                for piece in iter(lambda f=f: f.read(CHUNK), b""):
                    if keep:
                        data += piece
                yield name, False, bytes(data) if keep else None
            # tarfile ends quietly at a damaged header after the first one: every entry after it
            # would be dropped without a word. The end of an archive is a block of zeros.
            stop = stream.block(tf.offset)
            if stop and stop.strip(b"\0"):
                raise SubmissionError(f"{archive.name}: cannot be unpacked as {KINDS[kind]} (the entry header at "
                                      f"byte {tf.offset} is damaged or cut short; what follows it cannot be read)")


def zip_entries(archive: Path, budget: Budget, max_members: int):
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise SubmissionError(f"{archive.name} has more than {max_members} entries: refused")
        for info in infos:
            name = _clean_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionError(f"archive entry {info.filename!r} is {_kind_of_mode(mode)}: refused")
            if info.flag_bits & 0x1:
                raise SubmissionError(f"archive entry {info.filename!r} is encrypted: refused")
            if info.is_dir() or stat.S_ISDIR(mode):
                yield name, True, None
                continue
            budget.spend(0)
            data = bytearray()
            keep = _kept(name)
            with zf.open(info) as f:  # the sizes in the directory may lie: count what comes out
                for piece in iter(lambda: f.read(CHUNK), b""):
                    budget.spend(len(piece))
                    if keep:
                        data += piece
            yield name, False, bytes(data) if keep else None
