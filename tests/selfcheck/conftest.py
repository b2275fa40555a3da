"""The self-proof's summary (kill rate, acceptance rate and diagnosis rate), and the verdicts
it is made of: every catalogue variant, the reference and the stubs, checked in-process once
per session. The worker-parity test compares its own pass through a worker with these."""
import pytest

from nn import manifest
from tests.catalogue.bugs import BUGS
from tests.catalogue.correct import CORRECT

from .runner import SOLUTIONS, STUBS, run_all, run_variants

SUMMARY = {}


@pytest.fixture(scope="session")
def variant_dirs(tmp_path_factory):
    """Where each variant is built: once per session, for both passes."""
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="session")
def bug_verdicts(variant_dirs):
    return run_variants(BUGS, variant_dirs)


@pytest.fixture(scope="session")
def correct_verdicts(variant_dirs):
    return run_variants(CORRECT, variant_dirs)


@pytest.fixture(scope="session")
def reference_results():
    return run_all(manifest.names(), SOLUTIONS)


@pytest.fixture(scope="session")
def stub_results():
    return run_all(manifest.names(), STUBS)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    if not SUMMARY:
        return
    terminalreporter.section("nn-katas self-proof")
    for line in SUMMARY.values():
        terminalreporter.write_line(line)
