import os
import shutil

import pytest

from nn.impl import PROJECT_ROOT

from ..helpers import FIXTURES


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, NN_KATA_STATE=str(tmp_path / "state"), NO_COLOR="1")


@pytest.fixture
def student(tmp_path):
    """A learner's copy of the stubs, with the relu kata done."""
    d = tmp_path / "student"
    shutil.copytree(PROJECT_ROOT / "katas", d, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(FIXTURES / "relu_done.py", d / "activations.py")
    return d

