import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps the test's outcome on its node, so the browser fixture can take a screenshot of a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.outcome_report = report
