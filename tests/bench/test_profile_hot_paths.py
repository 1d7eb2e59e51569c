"""The hot-path profiler, run at its smallest size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

ARTICLES = REPO.parent / "shared" / "benchmarks" / "multihop-rag" / "docs"
PATHS = ("ask before", "ask after", "ingest before", "ingest after")


@pytest.mark.skipif(not ARTICLES.is_dir(), reason=f"no articles at {ARTICLES}")
def test_every_hot_path_is_profiled_before_and_after(tmp_path: Path) -> None:
    results_file = tmp_path / "profile.json"
    command = [sys.executable, str(REPO / "bench" / "profile_hot_paths.py")]
    command += ["--articles", "1", "--questions", "2", "--out", str(tmp_path / "p")]
    command += ["--json", str(results_file)]

    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    for path in PATHS:
        assert results[path]["seconds"] > 0
        assert sum(results[path]["share"].values()) == pytest.approx(1.0, abs=0.01)
        assert (tmp_path / "p" / f"{path}.txt").read_text().strip()
    assert results["ingest after"]["chunks"] == results["ingest before"]["chunks"] > 0
    assert results["ask after"]["share"]["encoder"] > 0
