"""A failed step of the compose stack's test (test_stack.py) says which service failed: its report gets
`docker compose ps` and the end of the log of every service that is not healthy, unless its message holds them."""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.when == "call" and report.failed and hasattr(stack, "diagnosis"):
        if stack.DIAGNOSIS not in str(report.longrepr):
            report.sections.append(("the stack when the step failed", stack.diagnosis()))
    return report
