"""clickstream.gx_import: Great Expectations starts without scipy.stats and altair, which only an expectation the
gates never use needs, and they still work where used. Each probe runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["altair.vegalite", "scipy.stats._stats_py"]  # what the two deferred imports would have loaded

PROBE = r"""
import json, sys
from datetime import date
from pathlib import Path
from clickstream.gx_import import import_great_expectations

gx = import_great_expectations()
heavy = sys.argv[2].split(",")
facts = {"after_import": sorted(set(heavy) & set(sys.modules))}
from clickstream.gates import CRITICAL, Check, run_suite
from clickstream.suites import at_most
check = at_most("rows", CRITICAL, "rows", 5, "<= 5", "")
report = run_suite("probe", [check], {"rows": 3}, date(2025, 2, 23), "probe", Path(sys.argv[1]), 90)
facts["gate_passed"] = not report.critical_failures
facts["after_gate"] = sorted(set(heavy) & set(sys.modules))
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
facts["entropy"] = round(float(kl.stats.entropy([0.5, 0.5], [0.9, 0.1])), 6)
facts["chart"] = kl.alt.Chart.__name__
import scipy.stats
facts["norm_cdf"] = float(scipy.stats.norm.cdf(0))
facts["after_use"] = sorted(set(heavy) & set(sys.modules))
print(json.dumps(facts))
"""


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path_factory.mktemp("gx")), ",".join(HEAVY)],
                            capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "include")})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_gx_imports_without_scipy_stats_and_altair(facts):
    assert facts["after_import"] == []


def test_a_gate_runs_without_them(facts):
    assert (facts["gate_passed"], facts["after_gate"]) == (True, [])


def test_code_that_uses_them_gets_the_real_libraries(facts):
    assert (facts["entropy"], facts["chart"], facts["norm_cdf"], facts["after_use"]) == (0.510826, "Chart", 0.5, HEAVY)
