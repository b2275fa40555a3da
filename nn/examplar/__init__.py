"""Examplar: a learner's own tests (``mytests/test_KATA.py``) judged against correct
implementations (wheats) and buggy ones (chaffs) built from ``tests/catalogue``.

- ``variants``: the wheats and chaffs as bytecode, built once and reused, the pack a starter
  ships (``python -m nn.examplar.variants DIR``), and how a wheat is named.
- ``fixtures``: the pytest plugin of ``mytests/`` (one fixture per kata function, ``fn``).
- ``session``: the learner's ``nn-kata examplar KATA``, all variants in one pytest process.
- ``run`` and ``sandboxed``: untrusted tests against each variant in its own sandboxed
  process, the trusted side and the script inside; ``scores``: ``nn-kata grade --examplar``.

Called by ``nn.learn`` and ``nn.grade``. May import ``nn.suite``, ``nn.worker`` and the
shared modules, never a role. Where the catalogue is present (a checkout of the project),
``variants`` loads it from its files by path to build the variants; no module of ``nn``
imports ``tests``, and a starter, which has no catalogue, ships the built pack.
"""
