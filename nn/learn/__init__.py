"""The learner's loop: status, check, hint (the ladder and its gate), watch, reset, restore, list,
unlock, trace and examplar (a learner's own tests against correct and buggy variants), the
runner that checks katas in a separate process, the reports it prints, and the learner's state in .nn-kata/.

Used by ``nn.cli`` and by ``nn.check`` in a notebook. May import ``nn.suite`` and the
shared modules; never ``nn.train`` or ``nn.grade``.
"""
