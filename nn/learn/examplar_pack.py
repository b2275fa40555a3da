"""The wheats and chaffs ``nn-kata examplar`` runs a learner's tests against, as bytecode.

Their one home is ``nn.suite.examplar`` (shared with ``nn-kata grade --examplar``): how the
variants are built from the catalogues, the pack a starter ships, and how a wheat is named.
Here, only where a learner's build is kept: ``.nn-kata/examplar/<key>/``.

``python -m nn.learn.examplar_pack DIR`` writes the pack a starter ships as
``examplar-pack/`` at the project root, in place of the catalogues and ``solutions/``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..suite import examplar as core
from ..suite.examplar import PackedImplementation, write_pack  # noqa: F401 - the learner's fixtures load variants with it
from .state import STATE_DIR


def variants(kata: str) -> tuple[list[dict], str]:
    """The wheats and chaffs of one kata, each with ``dir`` set, and where they came from."""
    return core.variants(kata, STATE_DIR)


if __name__ == "__main__":  # python -m nn.learn.examplar_pack DIR
    print(write_pack(Path(sys.argv[1] if len(sys.argv) > 1 else "examplar-pack")))
