"""Loading implementations: --impl resolution, isolation, and plain-worded errors."""
import shutil
import subprocess
import sys

import pytest

from nn.impl import PROJECT_ROOT, Implementation, ImplementationError, resolve_impl_dir

STUBS = PROJECT_ROOT / "katas"


def copy_stubs(tmp_path, name="student"):
    dest = tmp_path / name
    shutil.copytree(STUBS, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_resolve_relative_to_cwd_then_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_impl_dir("katas") == STUBS.resolve()
    (tmp_path / "katas").mkdir()
    assert resolve_impl_dir("katas") == (tmp_path / "katas").resolve()
    assert resolve_impl_dir(str(STUBS)) == STUBS.resolve()


def test_missing_directory_says_where_it_looked(tmp_path):
    with pytest.raises(ImplementationError, match="no such directory"):
        resolve_impl_dir(tmp_path / "nope")


def test_two_implementations_do_not_mix(tmp_path):
    a, b = copy_stubs(tmp_path, "a"), copy_stubs(tmp_path, "b")
    (b / "activations.py").write_text("def relu(Z):\n    return 'b'\n")
    ia, ib = Implementation(a), Implementation(b)
    assert ib.function("relu")(0) == "b"
    with pytest.raises(NotImplementedError):
        ia.function("relu")(0)
    assert ia.package_name != ib.package_name


def test_sibling_imports_resolve_inside_the_directory(tmp_path):
    d = copy_stubs(tmp_path)
    (d / "activations.py").write_text("def relu(Z):\n    return 'mine'\ndef relu_backward(dA, Z):\n    pass\ndef softmax(Z):\n    pass\n")
    network = Implementation(d).module("network")
    assert network.relu(0) == "mine"


def test_syntax_error_names_file_and_line(tmp_path):
    d = copy_stubs(tmp_path)
    (d / "layers.py").write_text("import numpy as np\n\ndef linear_forward(W, A_prev, b)\n    return W\n")
    impl = Implementation(d)
    with pytest.raises(ImplementationError) as info:
        impl.module("layers")
    assert "layers.py, line 3" in str(info.value) and "SyntaxError" in str(info.value)
    impl.module("activations")  # the other modules still load


def test_missing_module_and_missing_function(tmp_path):
    d = copy_stubs(tmp_path)
    (d / "gradcheck.py").unlink()
    (d / "losses.py").write_text("def one_hot(labels, num_classes=10):\n    pass\n")
    impl = Implementation(d)
    with pytest.raises(ImplementationError, match="has no gradcheck.py"):
        impl.module("gradcheck")
    with pytest.raises(ImplementationError, match=r"has no function cross_entropy\(\)"):
        impl.function("cross_entropy")


def test_error_at_import_is_reported_not_raised(tmp_path):
    d = copy_stubs(tmp_path)
    (d / "activations.py").write_text("import numpy as np\nraise RuntimeError('boom')\n")
    with pytest.raises(ImplementationError, match="RuntimeError: boom"):
        Implementation(d).module("activations")


def _pytest(args, cwd):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not (PROJECT_ROOT / "solutions").is_dir(), reason="solutions/ is not here")
@pytest.mark.parametrize("form,cwd", [("--impl=solutions", "."), ("--impl solutions", "tests"), ("--impl solutions", "nn")])
def test_impl_option_forms_and_working_directories(form, cwd):
    args = form.split() + [str(PROJECT_ROOT / "tests/katas/test_relu.py")]
    proc = _pytest(args, PROJECT_ROOT / cwd)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "passed" in proc.stdout and "failed" not in proc.stdout


@pytest.mark.skipif(not (PROJECT_ROOT / "solutions").is_dir(), reason="solutions/ is not here")
def test_impl_outside_the_repository(tmp_path):
    outside = tmp_path / "student-copy"
    shutil.copytree(PROJECT_ROOT / "solutions", outside, ignore=shutil.ignore_patterns("__pycache__"))
    proc = _pytest(["--impl", str(outside), "tests/katas/test_softmax.py"], PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_missing_impl_directory_exits_with_a_message():
    proc = _pytest(["--impl", "no-such-dir", "tests/katas/test_relu.py"], PROJECT_ROOT)
    assert proc.returncode != 0
    assert "no such directory" in proc.stdout + proc.stderr


def test_one_broken_module_does_not_block_other_katas(tmp_path):
    d = copy_stubs(tmp_path)
    shutil.copy(PROJECT_ROOT / "tests/support/fixtures/relu_done.py", d / "activations.py")
    (d / "layers.py").write_text("def linear_forward(W, A_prev, b)\n")
    proc = _pytest(["--impl", str(d), "tests/katas/test_relu.py", "tests/katas/test_linear.py", "-rA"], PROJECT_ROOT)
    assert "PASSED tests/katas/test_relu.py" in proc.stdout
    assert "layers.py, line 1" in proc.stdout and "SyntaxError" in proc.stdout


def test_an_infinite_loop_is_stopped(tmp_path):
    d = copy_stubs(tmp_path)
    (d / "activations.py").write_text(
        "def relu(Z):\n    while True:\n        pass\n"
        "def relu_backward(dA, Z):\n    raise NotImplementedError\n"
        "def softmax(Z):\n    raise NotImplementedError\n")
    proc = _pytest(["--impl", str(d), "--check-timeout", "1", "tests/katas/test_relu.py::test_relu_leaves_z_unchanged"], PROJECT_ROOT)
    assert proc.returncode == 1
    assert "stopped after 1 s" in proc.stdout
