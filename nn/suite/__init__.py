"""What the kata tests stand on: the pytest plugin (with its rootdir handling), the seam
(what a test sees: ``impl.fn``), lessons, assertions that teach, diagnoses, the trusted
oracles and gradient checker, hypothesis strategies, statistics, and the rule that turns a
kata's check results into a verdict (``results``).

Used by tests/katas and by every room above it. May import ``nn.worker`` (the ``--worker``
modes) and the shared top-level modules, never ``nn.examplar`` or a role.
"""
