"""The ingest benchmark, run at its smallest size over MultiHop-RAG articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.real_model]

ARTICLES = REPO.parent / "shared" / "benchmarks" / "multihop-rag" / "docs"
PATHS = (
    "raw_encoder",
    "raw_onnx_encoder",
    "tracker_ingest_torch",
    "tracker_ingest",
    "llama_index_default",
)


@pytest.mark.skipif(not ARTICLES.is_dir(), reason=f"no articles at {ARTICLES}")
def test_a_small_ingest_benchmark_reports_every_figure(tmp_path: Path) -> None:
    results_file = tmp_path / "ingest.json"
    command = [sys.executable, str(REPO / "bench" / "ingest_bench.py")]
    command += ["--articles", "1", "--batch-size", "8", "--json", str(results_file)]

    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300
    )

    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(results_file.read_text())
    assert results["config"]["articles"] == 1
    assert results["machine"]["cpu_count"] >= 1
    assert results["machine"]["torch_threads"] >= 1
    runs = results["runs"]
    for path in PATHS:
        assert runs[path]["chunks"] > 0
        assert runs[path]["characters"] > 0
        assert runs[path]["seconds"]["median"] > 0
        assert runs[path]["cpu_seconds"]["median"] > 0
        assert runs[path]["word_pieces_read"] > 0
        assert runs[path]["word_pieces_padded"] >= runs[path]["word_pieces_read"]
        assert runs[path]["chunks_per_second"] > 0
        assert runs[path]["characters_per_second"] > 0
        assert runs[path]["word_pieces_per_second"] > 0
    # Both runs embed the very same texts; the raw encoder runs first and last.
    assert runs["raw_encoder"]["chunks"] == runs["tracker_ingest"]["chunks"]
    assert runs["raw_encoder"]["characters"] == runs["tracker_ingest"]["characters"]
    assert runs["raw_onnx_encoder"]["chunks"] == runs["tracker_ingest_torch"]["chunks"]
    assert len(runs["raw_encoder"]["seconds"]["samples"]) == 2
    assert runs["tracker_reingest"]["seconds"]["median"] > 0
    assert set(results["ratios"]) == {
        "ingest_over_raw",
        "ingest_over_raw_by_cpu_seconds",
        "onnx_ingest_over_raw",
        "onnx_raw_over_raw",
        "tracker_over_llama_index_chunks",
        "tracker_over_llama_index_characters",
        "tracker_over_llama_index_word_pieces",
        "reingest_share",
    }
    assert all(ratio > 0 for ratio in results["ratios"].values())
    assert results["memory"]["peak_rss_bytes"] > 0
    recall = results["recall"]
    assert recall["depth"] == 10
    if recall["cases"]:
        assert 0 <= recall["onnx"] <= 1 and 0 <= recall["torch"] <= 1
    assert results["sizes"]["index_bytes"] > 0
    assert "ingest (torch) ÷ raw torch encoder" in done.stdout
    assert "ingest (onnx) ÷ raw torch encoder" in done.stdout
    # The sample was copied out of the repo, never into it.
    assert not list(REPO.glob("mhr-*"))
    assert not list((REPO / "corpus").rglob("mhr-*"))
