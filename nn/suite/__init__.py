"""What the kata tests stand on: the pytest plugin, assertions that teach, diagnoses, the
trusted oracles and gradient checker, hypothesis strategies, statistics, and the rule that
turns a kata's check results into a verdict.

Used by tests/katas and by every role. May import only the shared top-level modules
(``nn.manifest``, ``nn.impl``, ``nn.worker.protocol``, ``nn.stubs``), never ``nn.learn``, ``nn.train`` or ``nn.grade``.
"""
