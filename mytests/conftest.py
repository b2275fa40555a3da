"""Your own tests of the katas, one file per kata: mytests/test_KATA.py.

Each test takes the function under test as a fixture named after it (``softmax``,
``relu_backward``, ``one_hot`` ...), or ``fn`` for any of them by name
(``fn("softmax")``). Never import it from katas/: through the fixture the same test runs
against any implementation.

    pytest mytests/test_softmax.py                  # against your katas/ (or --impl DIR)
    nn-kata examplar softmax                        # against correct and buggy softmaxes

``nn-kata examplar`` tells you whether every test accepts every correct implementation
(validity) and how many of the buggy ones your tests catch (thoroughness).
"""
pytest_plugins = ["nn.examplar.fixtures"]
