"""Training the network with an implementation's own functions: data sets, the training
loop, recipes and plots, and the ``train`` and ``lr-sweep`` commands.

Used by ``nn.cli`` and the benchmarks. May import ``nn.examplar``, ``nn.suite``, ``nn.worker`` and the shared modules;
never ``nn.learn`` or ``nn.grade``.
"""
