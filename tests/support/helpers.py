"""Running the installed ``nn-kata`` as a learner runs it, for the tests in this directory."""
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

NN_KATA = Path(sys.executable).with_name("nn-kata")
PYTHON = Path(sys.executable)
FIXTURES = Path(__file__).parent / "fixtures"
SOLUTIONS = PROJECT_ROOT / "solutions"
needs_solutions = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
# Only a hang trips this: no command here comes near it, however busy the machine.
HANG_GUARD = 900


def nn_kata(*args, env, cwd=PROJECT_ROOT, **kwargs):
    assert NN_KATA.exists(), f"nn-kata is not installed next to {sys.executable}"
    return subprocess.run([str(NN_KATA), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=HANG_GUARD, stdin=subprocess.DEVNULL, **kwargs)


def read_until(proc, marker):
    """The output of ``proc`` up to ``marker``; fails if the process ends first. No deadline:
    a busy machine only makes it wait longer."""
    seen = ""
    fd = proc.stdout.fileno()
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536).decode(errors="replace")
            assert chunk, f"the command ended before {marker!r}; its output:\n{seen}"
            seen += chunk
    return seen
