"""The learner's loop: status, check, hint (the ladder and its gate), watch, reset, restore, list,
unlock, trace and examplar (its body in ``nn.examplar``), the
runner that checks katas in a separate process, how results are displayed, and the learner's state in .nn-kata/.

Used by ``nn.cli`` and by ``nn.check`` in a notebook. May import ``nn.examplar``, ``nn.suite``,
``nn.worker`` and the shared modules; never ``nn.train`` or ``nn.grade``.
"""
