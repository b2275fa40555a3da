"""The examplar machinery proves itself on every kata: the suite's own tests
(``tests/katas/test_KATA.py``, their ``impl.fn`` pointed through the same fixture a learner's
tests use) are run by ``nn-kata examplar`` against every wheat and every chaff of the
catalogue, and must accept every wheat and catch every chaff."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn import manifest
from nn.impl import PROJECT_ROOT
from tests.catalogue.bugs import BUGS
from tests.catalogue.correct import CORRECT

NN_KATA = Path(sys.executable).with_name("nn-kata")
pytestmark = pytest.mark.skipif(not (PROJECT_ROOT / "solutions").is_dir(), reason="solutions/ is not here")
HANG_GUARD = 1800  # only a hang trips this


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    # One state directory: the variants are compiled once for all nine katas.
    return dict(os.environ, NN_KATA_STATE=str(tmp_path_factory.mktemp("state")), NO_COLOR="1")


@pytest.mark.parametrize("kata", manifest.names())
def test_the_suites_own_tests_through_the_examplar_fixture_are_valid_and_catch_every_chaff(kata, env):
    wheats = sum(v.kata == kata for v in CORRECT)
    chaffs = sum(b.kata == kata for b in BUGS)
    tests = PROJECT_ROOT / manifest.get(kata).test_file
    # Generous limits: a busy machine must not turn a slow test into a miss.
    proc = subprocess.run([str(NN_KATA), "examplar", kata, "--tests", str(tests), "--test-timeout", "120"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=HANG_GUARD,
                          stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    header = re.search(r"against (\d+) wheats \(correct\) and (\d+) chaffs", out)
    assert header, out
    # Every variant of the catalogue ran (the stubs in katas/ never count as a wheat).
    assert (int(header.group(1)), int(header.group(2))) == (wheats, chaffs), out
    assert f"Validity: ✓ every test passes all {wheats} correct implementations" in out, out
    assert f"Thoroughness: {chaffs} of {chaffs} chaffs caught" in out, out
    assert "✗ missed" not in out and "Tests to look at" not in out, out
    assert proc.returncode == 0, out
