"""The query benchmark, run at its smallest over four MultiHop-RAG articles."""

from __future__ import annotations

import json
import subprocess
import sys
from numbers import Real
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

BENCHMARK_DIR = REPO.parent / "shared" / "benchmarks" / "multihop-rag"
SERIES = {"retrieve", "ask", "llama_index_retrieve", "http_retrieve", "http_answer"}


def is_figure(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value >= 0


@pytest.mark.skipif(not BENCHMARK_DIR.is_dir(), reason="MultiHop-RAG is not here")
def test_a_small_query_bench_reports_every_figure(tmp_path: Path) -> None:
    results_file = tmp_path / "results.json"
    command = [sys.executable, str(REPO / "bench" / "query_bench.py")]
    command += ["--sizes", "120", "--articles", "4", "--queries", "3"]
    command += ["--warmup", "1", "--recall-cases", "5", "--cold-starts", "1", "--http"]
    command += ["--work-dir", str(tmp_path / "work"), "--json", str(results_file)]

    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    assert is_figure(results["machine"]["cpu_count"])
    assert results["machine"]["date"]
    [row] = results["sizes"]
    assert row["chunks"] == 120
    assert row["real_chunks"] + row["synthetic_chunks"] == 120
    assert row["synthetic_chunks"] > 0
    assert row["errors"] == []
    assert set(row["latency"]) == SERIES
    for figures in row["latency"].values():
        assert figures["count"] == 3
        assert is_figure(figures["p50_ms"]) and is_figure(figures["p95_ms"])
    assert is_figure(row["retrieve_vs_llama_index"])
    cold = row["cold_start"]
    for key in ("spawn_to_ready_seconds", "load_seconds", "peak_rss_bytes"):
        assert is_figure(cold[key]), key
    for key in ("spawn_to_ready_seconds", "peak_rss_at_ready_bytes", "peak_rss_bytes"):
        assert is_figure(cold["http"][key]), key
    assert row["quality"]["cases"] > 0
    assert is_figure(row["quality"]["recall@10"])
    assert is_figure(row["quality"]["llama_index_recall@10"])
    assert set(row["stages_p50_ms"]) == {"retrieve", "ask"}
    # One size: nothing to scale against, said as such rather than invented.
    assert results["scaling"]["retrieve"] is None
    assert "SYNTHETIC DATA" in done.stdout
    assert "retrieve p50 ÷ llama-index p50 at 120" in done.stdout
