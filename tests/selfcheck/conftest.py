"""The self-proof's summary: kill rate, acceptance rate and diagnosis rate."""
import pytest

SUMMARY = {}


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    if not SUMMARY:
        return
    terminalreporter.section("nn-katas self-proof")
    for line in SUMMARY.values():
        terminalreporter.write_line(line)
