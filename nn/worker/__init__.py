"""The worker: a separate process, sandboxed where it can be, that runs an implementation's
functions on request, and everything that speaks to it.

- ``protocol``: the plain-data frames both sides exchange; ``changes``: what goes back after
  a call (KEEP for unchanged arrays, in-place updates).
- ``serve``: the worker's own side, run as a script inside the sandbox beside copies of
  ``protocol.py``, ``changes.py`` and ``nn/impl.py`` (``sandbox.WORKER_FILES``): the unit the
  sandbox copies.
- ``remote``: the trusted side's calls (``RemoteImplementation``); ``sandbox``: how a worker
  is started (a plain process or bubblewrap), its limits and its user; ``forkserver``: a warm
  process that forks a fresh child per request (watch, grading).

Used by ``nn.suite`` (the ``--worker`` modes), ``nn.examplar``, ``nn.learn`` and ``nn.grade``.
May import only the shared top-level modules (``nn.manifest``, ``nn.impl``), never
``nn.suite``, ``nn.examplar`` or a role: what the suite stands in with is passed in.
"""
