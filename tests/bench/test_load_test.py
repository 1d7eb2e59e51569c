"""The load test, run small against the real server over the repo's corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_a_small_load_test_passes_with_no_errors(tmp_path: Path) -> None:
    results_file = tmp_path / "results.json"
    command = [sys.executable, str(REPO / "bench" / "load_test.py")]
    command += ["--requests", "200", "--clients", "16", "--json", str(results_file)]
    command += ["--work-dir", str(tmp_path / "work")]

    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    assert results["errors"] == 0, results["error_samples"]
    assert results["requests"] == 200
    assert set(results["latency"]) == {
        "all",
        "answer",
        "answer_stream",
        "retrieve",
        "documents",
        "upload",
        "job",
        "delete",
    }
    assert results["memory"]["rss_end_bytes"] > 0
    assert "requests/s" in done.stdout
    # The scratch corpus got the upload and lost it again; the repo's is untouched.
    scratch_sources = tmp_path / "work" / "corpus" / "sources"
    assert not list(scratch_sources.glob("load-test-*.md"))
    assert not list((REPO / "corpus").rglob("load-test-*"))
