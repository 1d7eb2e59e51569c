"""`tracker-rag eval` end to end: the real corpus, model, Chroma and judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, QUESTIONS
from tracker_rag.cli.main import run
from tracker_rag.evaluation.compare import compare_reports, load_report
from tracker_rag.evaluation.suite import EvalOptions, EvalOutcome, run_eval
from tracker_rag.feedback import FeedbackEntry, FeedbackStore
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.settings import Settings

pytestmark = pytest.mark.real_model


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceEmbedder
) -> EvalOutcome:
    root = tmp_path_factory.mktemp("eval")
    thresholds = root / "thresholds.toml"
    thresholds.write_text(
        '[tracker.min]\n"recall@20" = 0.5\n"token_f1" = 1.01\n'
        '[tracker.max]\n"wrong_abstention_rate" = 1.0\n'
    )
    settings = Settings(corpus_dir=CORPUS, eval_index_dir=root / "indexes")
    options = EvalOptions(
        cases_file=QUESTIONS,
        limit=8,
        runs_dir=root / "runs",
        thresholds_file=thresholds,
    )
    return run_eval(settings, options, embedder=embedder)


def test_a_run_writes_json_markdown_and_html(outcome: EvalOutcome) -> None:
    names = {path.name for path in outcome.folder.iterdir()}
    assert names == {"report.json", "summary.md", "report.html"}
    assert outcome.folder.name.startswith("tracker-")
    report = json.loads((outcome.folder / "report.json").read_text())
    assert report["case_count"] == 8
    assert report["modes"] == ["hybrid", "dense", "keyword"]
    assert report["primary_metric"] == "recall@10"
    assert "recall@10 = " in (outcome.folder / "summary.md").read_text()
    assert (outcome.folder / "report.html").read_text().count("<svg") >= 3


def test_every_case_has_answer_citations_judgements_and_scores(
    outcome: EvalOutcome,
) -> None:
    cases: list[dict[str, Any]] = outcome.report["cases"]
    for case in cases:
        for result in case["modes"].values():
            assert len(result["retrieved"]) > 0
            assert "abstained" in result["scores"]
            if case["answerable"]:
                assert 0.0 <= result["scores"]["recall@10"] <= 1.0
            if not result["abstained"]:
                assert result["citations"] and result["statements"]
                assert all("supported" in s for s in result["statements"])


def test_baselines_and_system_are_measured_on_the_same_cases(
    outcome: EvalOutcome,
) -> None:
    metrics = outcome.report["metrics"]
    for mode in ("hybrid", "dense", "keyword"):
        assert metrics[mode]["count"] == 8
        assert metrics[mode]["recall@20"] is not None
    latency = outcome.report["latency_ms"]["hybrid"]
    assert latency["total"]["p95"] >= latency["total"]["p50"] > 0
    assert outcome.report["judge"]["agreement"]["pairs"] >= 100


def test_the_gate_reports_the_metric_below_its_minimum(outcome: EvalOutcome) -> None:
    assert len(outcome.failures) == 1
    assert "token_f1" in outcome.failures[0]
    assert outcome.report["gate"]["failures"] == outcome.failures


def test_compare_lists_the_cases_that_changed(outcome: EvalOutcome) -> None:
    first = load_report(outcome.folder)
    second = json.loads(json.dumps(first))
    changed = second["cases"][0]
    changed["modes"]["hybrid"]["abstained"] = not changed["modes"]["hybrid"][
        "abstained"
    ]
    second["created"] = "later"
    text = compare_reports(first, second)
    assert f"`{changed['id']}`" in text
    assert "Cases that changed (1 of 8)" in text
    assert "| recall@10 |" in text


def test_the_command_exits_two_when_the_gate_fails(
    outcome: EvalOutcome, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(["eval", "--compare", str(outcome.folder), str(outcome.folder)])
    assert status == 0
    assert "Cases that changed (0 of 8)" in capsys.readouterr().out

    assert run(["eval", "--modes", "hybrid,bogus"]) == 1
    assert "--modes" in capsys.readouterr().err


def test_feedback_becomes_draft_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    citation = {"doc_id": "doc", "text": "The passage."}
    store.add(
        FeedbackEntry(vote="up", question="Q1?", answer="A [1]", citations=[citation])
    )
    store.add(FeedbackEntry(vote="down", question="Q2?", answer="B", citations=[]))
    assert run(["eval", "--feedback-to-cases", str(store.path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["answerable"] is True
    assert rows[0]["reference_answer"] == "A"
    assert rows[0]["passages"] == [citation]
    assert rows[1]["answerable"] is False and "review" in rows[1]

    assert run(["eval", "--feedback-to-cases", str(tmp_path / "none.sqlite3")]) == 1
