"""The HTTP throughput benchmark, run at its smallest size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

ARTICLES = REPO.parent / "shared" / "benchmarks" / "multihop-rag" / "docs"


@pytest.mark.skipif(not ARTICLES.is_dir(), reason=f"no articles at {ARTICLES}")
def test_one_and_two_workers_are_measured_side_by_side(tmp_path: Path) -> None:
    results_file = tmp_path / "throughput.json"
    command = [sys.executable, str(REPO / "bench" / "throughput_bench.py")]
    command += ["--articles", "2", "--workers", "1,2", "--clients", "3"]
    command += ["--seconds", "3", "--repeats", "1", "--json", str(results_file)]

    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=900
    )

    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    assert results["chunks"] > 0
    for workers in ("1", "2"):
        row = results["by_workers"][workers]
        assert row["errors"] == 0
        assert row["requests_per_second"]["median"] > 0
        assert row["p50_ms"] > 0
        assert row["server_cores_busy"] > 0
    assert results["ratio_to_one_worker"] > 0
    assert "several workers ÷ one worker" in done.stdout
