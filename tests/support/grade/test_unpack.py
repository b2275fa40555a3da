"""Unpacking submissions: the archive type read from the content, budgets on decompression,
unsafe entries refused with nothing written, corrupt archives, the search for the kata
modules, and student names. No submission is graded here."""
from __future__ import annotations

import bz2
import gzip
import io
import os
import stat
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from nn import manifest
from nn.grade import reports, unpack
from nn.grade.unpack import SubmissionError

MODULES = {f"{m}.py": f"# {m}\nX = {i}\n".encode() for i, m in enumerate(manifest.MODULES)}
TAR_MODES = {"tar": "w", "tar.gz": "w:gz", "tar.bz2": "w:bz2", "tar.xz": "w:xz"}


def make_tar(path: Path, files: dict, kind: str = "tar.gz", extra=()) -> Path:
    """A tar archive of files {name: bytes}, plus TarInfo entries given as they are."""
    with tarfile.open(path, TAR_MODES[kind]) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for info in extra:
            tf.addfile(info)
    return path


def make_zip(path: Path, files: dict, modes: dict = ()) -> Path:
    """A zip archive of files {name: bytes}, plus entries {name: (unix mode, data)}."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, (mode, data) in dict(modes).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def katas(prefix: str = "student/katas/") -> dict:
    return {prefix + name: data for name, data in MODULES.items()}


def assert_refused(archive: Path, dest: Path, match: str, **budgets) -> SubmissionError:
    with pytest.raises(SubmissionError, match=match) as info:
        unpack.unpack(archive, dest, **budgets)
    assert not dest.exists() or not any(dest.rglob("*")), sorted(dest.rglob("*"))
    return info.value


# -- every kind is unpacked, by its content ---------------------------------------------------------

@pytest.mark.parametrize("name", ["ada.tar", "ada.tar.gz", "ada.tgz", "ada.tar.bz2", "ada.tbz2", "ada.tar.xz",
                                  "ada.txz", "ada.zip", "ADA.TAR.GZ", "ADA.ZIP"])
def test_every_supported_kind_unpacks_and_the_katas_are_found(tmp_path, name):
    kind = unpack.name_kind(name)
    archive = tmp_path / name
    files = {**katas(), "student/README.md": b"notes", "student/data.bin": bytes(1000)}
    make_zip(archive, files) if kind == "zip" else make_tar(archive, files, kind)
    assert unpack.content_kind(archive) == kind == unpack.check_kind(archive)
    dest = unpack.unpack(archive, tmp_path / "out")
    found, notes = unpack.survey(dest)
    assert found == dest / "student" / "katas" and notes == []
    assert {p.name: p.read_bytes() for p in found.iterdir()} == MODULES
    assert not (dest / "student" / "data.bin").exists()  # only Python files are written


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_and_extended_headers(tmp_path, fmt):
    deep = "/".join(["a-rather-long-folder-name"] * 6) + "/katas/"
    archive = tmp_path / "ada.tar.gz"
    with tarfile.open(archive, "w:gz", format=fmt) as tf:
        for name, data in MODULES.items():
            info = tarfile.TarInfo(deep + name)
            info.size, info.mtime = len(data), 2**34  # a time that needs an extended header too
            tf.addfile(info, io.BytesIO(data))
    found, _ = unpack.survey(unpack.unpack(archive, tmp_path / "out"))
    assert found == tmp_path / "out" / deep.rstrip("/") and len(list(found.iterdir())) == len(MODULES)


def test_a_symlinked_folder_in_a_directory_submission_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "katas"
    elsewhere.mkdir(parents=True)
    for name, data in MODULES.items():
        (elsewhere / name).write_bytes(data)
    sub = tmp_path / "ada"
    sub.mkdir()
    (sub / "katas").symlink_to(elsewhere)
    (sub / "activations.py").symlink_to(elsewhere / "activations.py")
    found, _ = unpack.survey(sub)
    impl = unpack.prepare(sub, tmp_path / "scratch")
    assert found == sub and list(impl.iterdir()) == []


def test_prepare_copies_the_kata_modules_alone(tmp_path):
    archive = make_zip(tmp_path / "ada.zip", {**katas("katas/"), "katas/conftest.py": b"import os",
                                              "sitecustomize.py": b"import os"})
    impl, notes = unpack.prepare_with_notes(archive, tmp_path / "scratch")
    assert sorted(p.name for p in impl.iterdir()) == sorted(MODULES) and notes == []
    assert unpack.prepare(archive, tmp_path / "scratch2") == tmp_path / "scratch2" / "impl"


@pytest.mark.parametrize("layout, expected", [("katas/", "katas/"), ("", ""), ("work/week 3/", "work/week_3/")])
def test_messages_name_the_folder_the_modules_came_from_as_the_student_knows_it(tmp_path, layout, expected):
    """Not the grader's scratch copy (impl/): the folder inside the submission, in plain characters."""
    archive = make_zip(tmp_path / "ada.zip", katas(layout))
    _, _, label = unpack.prepare_labelled(archive, tmp_path / "scratch")
    assert label == expected
    folder = tmp_path / "bea"
    folder.mkdir()
    for name, data in katas("").items():
        (folder / name).write_bytes(data)
    assert unpack.prepare_labelled(folder, tmp_path / "scratch2")[2] == ""  # the same files, the same words


# -- the name and the content must agree --------------------------------------------------------------

@pytest.mark.parametrize("made, named, says", [
    ("tar.bz2", "ada.tar.gz", "named as a gzip-compressed tar archive but its content is a bzip2 stream"),
    ("tar.xz", "ada.tgz", "named as a gzip-compressed tar archive but its content is an xz stream"),
    ("tar", "ada.tar.gz", "named as a gzip-compressed tar archive but its content is an uncompressed tar archive"),
    ("tar.gz", "ada.tar", "named as an uncompressed tar archive but its content is a gzip stream"),
    ("zip", "ada.tar.gz", "named as a gzip-compressed tar archive but its content is a zip archive"),
    ("tar.gz", "ada.zip", "named as a zip archive but its content is a gzip stream"),
    ("tar.gz", "ada.tar.xz", "named as an xz-compressed tar archive but its content is a gzip stream"),
])
def test_a_name_that_disagrees_with_the_content_is_refused(tmp_path, made, named, says):
    archive = tmp_path / named
    make_zip(archive, katas()) if made == "zip" else make_tar(archive, katas(), made)
    error = assert_refused(archive, tmp_path / "out", says)
    assert "refused" in str(error) and named in str(error)


@pytest.mark.parametrize("name, content, says", [
    ("ada.rar", b"Rar!\x1a\x07\x00" + bytes(600), "a RAR archive"),
    ("ada.7z", b"7z\xbc\xaf\x27\x1c" + bytes(600), "a 7-Zip archive"),
    ("ada.txt", b"hello", "not an archive"),
    ("ada.gz", gzip.compress(b"x = 1"), "a gzip-compressed tar archive"),
    ("empty.zip", b"", "an empty file"),
])
def test_other_files_are_named_with_what_they_are(tmp_path, name, content, says):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(SubmissionError, match=says):
        unpack.unpack(tmp_path / name, tmp_path / "out")


def test_a_v7_tar_without_magic_is_still_a_tar(tmp_path):
    archive = tmp_path / "old.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("katas/activations.py")
        info.size = 5
        tf.addfile(info, io.BytesIO(b"X = 1"))
    data = bytearray(archive.read_bytes())
    data[257:265] = bytes(8)  # no "ustar": a v7 header, whose checksum is then recomputed
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\0 " % sum(data[:512])
    archive.write_bytes(bytes(data))
    assert unpack.content_kind(archive) == "tar"


# -- budgets ---------------------------------------------------------------------------------------------

def bz2_bomb(size: int = 1_200_000) -> bytes:
    """A bzip2 stream of about `size` bytes that expands to petabytes: a tar header for one
    huge member, then the same 40 MB of zeros compressed once and repeated (bzip2 reads
    concatenated streams as one)."""
    header = tarfile.TarInfo("katas/activations.py")
    header.size = 8 * 10**9
    head = bz2.compress(header.tobuf(format=tarfile.GNU_FORMAT))
    zeros = bz2.compress(bytes(40 * 2**20))
    return head + zeros * ((size - len(head)) // len(zeros))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bz2_bomb()


@pytest.mark.parametrize("name, says", [("bomb.tar.gz", "its content is a bzip2 stream"),
                                        ("bomb.tar.bz2", "more than 50 MB")])
def test_a_bzip2_bomb_is_refused_in_seconds(tmp_path, bomb, name, says):
    archive = tmp_path / name
    archive.write_bytes(bomb)
    assert 1_100_000 < archive.stat().st_size <= 1_200_000
    start = time.monotonic()
    assert_refused(archive, tmp_path / "out", says)
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar.xz"])
def test_the_byte_budget_counts_what_comes_out_not_what_the_archive_says(tmp_path, kind):
    files = {**katas(), "student/padding.bin": bytes(3 * 2**20)}
    archive = tmp_path / f"ada.{kind}"
    make_zip(archive, files) if kind == "zip" else make_tar(archive, files, kind)
    assert archive.stat().st_size < 2**20  # zeros compress well: the archive itself is small
    assert_refused(archive, tmp_path / "out", "more than 2 MB: refused", max_bytes=2 * 2**20)
    unpack.unpack(archive, tmp_path / "fits", max_bytes=4 * 2**20)


def test_a_zip_whose_directory_lies_about_sizes_is_still_counted(tmp_path):
    archive = make_zip(tmp_path / "ada.zip", {"katas/activations.py": b"#" * (3 * 2**20)})
    data = bytearray(archive.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes, it says
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="refused|cannot be unpacked"):
        unpack.unpack(archive, tmp_path / "out", max_bytes=2**20)
    assert not (tmp_path / "out" / "katas" / "activations.py").exists()


def test_the_time_budget_stops_unpacking(tmp_path):
    archive = make_tar(tmp_path / "ada.tar.xz", katas(), "tar.xz")
    assert_refused(archive, tmp_path / "out", r"took more than -1 s to unpack: refused", max_seconds=-1)


def test_too_many_entries(tmp_path):
    archive = make_tar(tmp_path / "ada.tar.gz", {f"f{i}.txt": b"" for i in range(50)})
    assert_refused(archive, tmp_path / "out", "more than 20 entries", max_members=20)
    archive = make_zip(tmp_path / "ada.zip", {f"f{i}.txt": b"" for i in range(50)})
    assert_refused(archive, tmp_path / "out", "more than 20 entries", max_members=20)


# -- unsafe entries: refused, nothing written -----------------------------------------------------------

def tar_entry(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


@pytest.mark.parametrize("case, says", [
    ("symlink", "is a link"), ("hardlink", "is a link"), ("chardev", "character device"),
    ("blockdev", "block device"), ("fifo", "is a FIFO"), ("absolute", "absolute path"),
    ("dotdot", r"outside the archive \(\.\.\)"), ("backslash-dotdot", r"outside the archive"),
    ("drive", "absolute path"),
])
def test_unsafe_tar_entries_are_refused_and_nothing_is_written(tmp_path, case, says):
    outside = tmp_path / "outside.py"
    files = katas()  # good entries first: they must not be written either
    extra = []
    if case == "symlink":
        extra = [tar_entry("student/katas/losses.py", tarfile.SYMTYPE, "/etc/passwd")]
    elif case == "hardlink":
        extra = [tar_entry("student/katas/losses.py", tarfile.LNKTYPE, "student/katas/layers.py")]
    elif case == "chardev":
        extra = [tar_entry("student/zero", tarfile.CHRTYPE)]
    elif case == "blockdev":
        extra = [tar_entry("student/disk", tarfile.BLKTYPE)]
    elif case == "fifo":
        extra = [tar_entry("student/katas/__pycache__/x.pyc", tarfile.FIFOTYPE)]
    elif case == "absolute":
        files = {**files, str(outside): b"x = 1"}
    elif case == "dotdot":
        files = {**files, "student/../../outside.py": b"x = 1"}
    elif case == "backslash-dotdot":
        files = {**files, "..\\..\\outside.py": b"x = 1"}
    elif case == "drive":
        files = {**files, "C:/outside.py": b"x = 1"}
    archive = make_tar(tmp_path / "evil.tar.gz", files, "tar.gz", extra)
    error = assert_refused(archive, tmp_path / "deep" / "out", says)
    assert "refused" in str(error)
    assert not outside.exists() and not (tmp_path / "deep" / "outside.py").exists()


@pytest.mark.parametrize("mode, says", [(stat.S_IFLNK | 0o777, "symbolic link"), (stat.S_IFIFO | 0o644, "FIFO"),
                                        (stat.S_IFCHR | 0o644, "character device"),
                                        (stat.S_IFSOCK | 0o644, "socket")])
def test_unsafe_zip_entries_are_refused_and_nothing_is_written(tmp_path, mode, says):
    archive = make_zip(tmp_path / "evil.zip", katas(), modes={"student/katas/x.py": (mode, b"/etc/passwd")})
    assert_refused(archive, tmp_path / "out", says)


@pytest.mark.parametrize("name", ["/tmp/outside.py", "../outside.py", "a/../../outside.py", "..\\outside.py",
                                  "C:\\outside.py"])
def test_zip_paths_outside_are_refused(tmp_path, name):
    archive = make_zip(tmp_path / "evil.zip", {**katas(), name: b"x = 1"})
    assert_refused(archive, tmp_path / "out", "refused")


def test_duplicates_and_a_file_that_is_also_a_folder_are_refused(tmp_path):
    archive = make_tar(tmp_path / "a.tar", {"katas/relu.py": b"1"}, "tar")
    with tarfile.open(archive, "a") as tf:
        info = tarfile.TarInfo("katas/relu.py")
        tf.addfile(info, io.BytesIO(b""))
    assert_refused(archive, tmp_path / "out", "appears twice")
    archive = make_tar(tmp_path / "b.tar", {"katas": b"1", "katas/relu.py": b"1"}, "tar")
    assert_refused(archive, tmp_path / "out", "both a file and a folder")


# -- corrupt archives: a clear error ------------------------------------------------------------------

def test_a_tar_cut_short_in_a_header_is_not_read_as_a_shorter_archive(tmp_path):
    """tarfile itself stops without a word at a damaged header after the first entry."""
    archive = make_tar(tmp_path / "ada.tar", katas(), "tar")
    data = archive.read_bytes()
    archive.write_bytes(data[:1024 + 300])  # the first entry whole, then part of the second header
    assert_refused(archive, tmp_path / "out", "damaged or cut short")

@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz", "tar.bz2", "tar.xz"])
def test_a_corrupt_or_truncated_archive_gets_a_clear_error(tmp_path, kind):
    archive = tmp_path / f"ada.{kind}"
    files = {**katas(), "student/random.bin": os.urandom(200_000)}
    make_zip(archive, files) if kind == "zip" else make_tar(archive, files, kind)
    data = archive.read_bytes()
    if kind == "zip":  # damage the compressed data of the first member: its CRC fails
        data = data[:40] + bytes(b ^ 0xFF for b in data[40:200]) + data[200:]
    elif kind == "tar":
        data = data[:1024] + b"\xff" * 512 + data[1536:]  # the second member's header is garbage
    else:
        data = data[: len(data) // 2]  # truncated
    archive.write_bytes(data)
    error = assert_refused(archive, tmp_path / "out", f"ada.{kind}: cannot be unpacked as")
    assert "Traceback" not in str(error)


# -- finding the kata modules ---------------------------------------------------------------------------

def test_macosx_git_and_hidden_folders_are_not_searched_and_the_note_says_so(tmp_path):
    root = tmp_path / "sub"
    for where in ("__MACOSX/katas", ".git/katas", ".hidden/katas"):
        (root / where).mkdir(parents=True)
        for name, data in MODULES.items():
            (root / where / name).write_bytes(data)
    (root / "mine").mkdir()
    (root / "mine" / "activations.py").write_text("X = 1")
    found, notes = unpack.survey(root)
    assert found == root / "mine"
    assert len(notes) == 1 and all(f in notes[0] for f in ("__MACOSX/", ".git/", ".hidden/"))
    impl, notes2 = unpack.prepare_with_notes(root, tmp_path / "scratch")
    assert [p.name for p in impl.iterdir()] == ["activations.py"] and notes2 == notes


def test_other_copies_of_the_kata_modules_are_named(tmp_path):
    root = tmp_path / "sub"
    for where in ("katas", "backup/old", "."):
        (root / where).mkdir(parents=True, exist_ok=True)
        for name, data in list(MODULES.items())[: 6 if where == "katas" else 2]:
            (root / where / name).write_bytes(data)
    found, notes = unpack.survey(root)
    assert found == root / "katas"
    assert notes == ["kata modules graded from katas/; other copies not graded: the top folder, backup/old/"]


def test_a_zip_made_on_macos_grades_the_real_files(tmp_path):
    files = {**katas("ada/"), **{f"__MACOSX/ada/._{n}": b"\x00\x05\x16\x07" for n in MODULES},
             **{f"__MACOSX/katas/{n}": b"raise SystemExit" for n in MODULES}}
    archive = make_zip(tmp_path / "ada.zip", files)
    impl, notes = unpack.prepare_with_notes(archive, tmp_path / "scratch")
    assert {p.name: p.read_bytes() for p in impl.iterdir()} == MODULES
    assert notes and "__MACOSX/" in notes[0]


# -- names --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, student", [
    ("jean.dupont.zip", "jean.dupont"), ("jean.dupont.tar.gz", "jean.dupont"), ("ADA.TGZ", "ADA"),
    ("o.brien.tar.bz2", "o.brien"), ("x.tar.xz", "x"), ("x.tar", "x"), ("notes.txt", "notes.txt"),
])
def test_student_names_keep_their_dots(tmp_path, name, student):
    (tmp_path / name).write_bytes(b"")
    assert unpack.student_name(tmp_path / name) == student


def test_a_directory_is_its_real_name_even_as_dot(tmp_path, monkeypatch):
    sub = tmp_path / "jean.dupont"
    (sub / "inner").mkdir(parents=True)
    assert unpack.student_name(sub) == "jean.dupont"
    monkeypatch.chdir(sub)
    assert unpack.student_name(Path(".")) == "jean.dupont"
    monkeypatch.chdir(sub / "inner")
    assert unpack.student_name(Path("..")) == "jean.dupont"


@pytest.mark.parametrize("name, kind", [("a.zip", "zip"), ("a.tar.gz", "tar.gz"), ("a.TGZ", "tar.gz"),
                                        ("a.tar.gz.bak", None), ("a.gz", None), ("a.rar", None), (".zip", None)])
def test_name_kind(name, kind):
    assert unpack.name_kind(name) == kind


# -- printing cannot fail -----------------------------------------------------------------------------------

def test_say_replaces_what_the_stream_cannot_encode():
    strict = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    reports.say("caf\udcff \u00e9", strict)
    strict.flush()
    assert strict.buffer.getvalue() == "caf? \u00e9\n".encode()
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    reports.say("\u00e9\udcff", ascii_stream)
    ascii_stream.flush()
    assert ascii_stream.buffer.getvalue() == b"??\n"
