"""Grading for instructors: submissions and archives, the grading processes, reports and
gradebooks, starter exports and autograder bundles, and their commands.

Imported by ``nn.cli`` alone. May import ``nn.examplar``, ``nn.suite``, ``nn.worker`` and the shared modules; never
``nn.learn`` or ``nn.train``.
"""
