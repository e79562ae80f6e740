"""report_files: the command's report on the repository's test slice, figure for figure."""

import json
import os
import pathlib
import subprocess

import pytest

import csm_metrics as cm

REPO = pathlib.Path(__file__).resolve().parents[3]
SLICE = REPO / "tests" / "data" / "sample_slice"


def figures(want, got, path=""):
    """Every number of `want` at the same path of `got` (quantiles within 2 %, the rest to
    1e-9): the comparison the command's own test makes against the independent figures."""
    if isinstance(want, dict):
        return sum(figures(v, got[k], f"{path}.{k}") for k, v in want.items())
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        tol = 0.02 if path.rsplit(".", 1)[-1] in ("p50", "p90", "p95", "p99") else 1e-9
        assert abs(got - want) <= tol * max(abs(want), 1e-12) + 1e-12, f"{path}: {got} vs {want}"
        return 1
    return 0


def test_the_slice_has_every_independently_computed_figure():
    got = cm.report_files(str(SLICE))
    want = json.loads((SLICE / "expected.json").read_text())
    assert figures(want, got) == 68
    assert set(["input", "tickets", "surveys", "calls"]) <= set(got)


def test_the_same_as_the_command():
    binary = os.environ.get("CSM_METRICS_BIN")
    if not binary:
        pytest.skip("CSM_METRICS_BIN (the csm-metrics binary) not set")
    out = subprocess.run(
        [binary, "report", str(SLICE), "--threads", "2", "--group-by", "team,channel"],
        check=True, capture_output=True,
    )
    command = json.loads(out.stdout)
    ours = cm.report_files(str(SLICE), threads=2, group_by=["team", "channel"])
    for r in (command, ours):
        r.pop("compute_seconds")
    assert ours == command


def test_errors_name_the_file():
    with pytest.raises(cm.CsmMetricsError) as e:
        cm.report_files("/no/such/history")
    assert "/no/such/history" in str(e.value)
    with pytest.raises(cm.CsmMetricsError):
        cm.report_files(str(SLICE), source="no-such-format")
