"""Case files, the MultiHop-RAG adapter, sampling and the thresholds gate."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import QUESTIONS, REPO
from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.cases import load_cases, stratified_sample
from tracker_rag.evaluation.multihop import load_multihop
from tracker_rag.evaluation.thresholds import check_thresholds, load_thresholds

SHARED_MULTIHOP = REPO.parent / "shared" / "benchmarks" / "multihop-rag"


def write_lines(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return path


def test_the_projects_own_set_meets_the_brief() -> None:
    cases = load_cases(QUESTIONS)
    types = Counter(case.type for case in cases)
    assert len(cases) >= 60
    assert sum(not case.answerable for case in cases) >= 12
    assert types["multi_section"] and types["date"] and types["paraphrase"]
    assert all(case.evidence for case in cases if case.answerable)


def test_a_bad_case_line_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    good = {"id": "a", "question": "Q?", "answerable": False, "type": "null"}
    path = write_lines(tmp_path / "cases.jsonl", [good, {"id": "b", "question": ""}])
    with pytest.raises(DatasetError, match=r"cases.jsonl:2: question"):
        load_cases(path)

    path.write_text(json.dumps(good) + "\nnot json\n")
    with pytest.raises(DatasetError, match=r"cases.jsonl:2"):
        load_cases(path)

    answerable = {"id": "c", "question": "Q?", "answerable": True, "type": "fact"}
    with pytest.raises(DatasetError, match="at least one passage"):
        load_cases(write_lines(tmp_path / "c.jsonl", [answerable]))

    with pytest.raises(DatasetError, match="used twice"):
        load_cases(write_lines(tmp_path / "d.jsonl", [good, good]))


def test_stratified_sample_keeps_every_type_and_is_reproducible() -> None:
    cases = load_cases(QUESTIONS)
    sample = stratified_sample(cases, 20, seed=7)
    assert len(sample) == 20
    assert {case.type for case in sample} == {case.type for case in cases}
    assert [c.id for c in sample] == [c.id for c in stratified_sample(cases, 20, 7)]
    assert [c.id for c in sample] != [c.id for c in stratified_sample(cases, 20, 8)]


def make_benchmark(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "mhr-aaaaaaaaaa.md").write_text("# A\n\nSource: X\n\nAlpha fact.\n")
    rows = [
        {
            "id": f"q{n}",
            "question": f"Question {n}?",
            "answer": "Alpha",
            "gold_sources": ["mhr-aaaaaaaaaa.md"],
            "question_type": "inference_query" if n % 2 else "comparison_query",
            "evidence": [{"doc": "mhr-aaaaaaaaaa.md", "fact": "Alpha fact."}],
        }
        for n in range(8)
    ]
    rows.append(
        {
            "id": "null",
            "question": "Unknowable?",
            "answer": "Insufficient information.",
            "gold_sources": [],
            "question_type": "null_query",
            "evidence": [],
        }
    )
    write_lines(root / "qa.jsonl", rows)
    return root


def test_multihop_rows_become_cases_with_null_queries_unanswerable(
    tmp_path: Path,
) -> None:
    cases = load_multihop(make_benchmark(tmp_path / "mh"))
    null = next(case for case in cases if case.type == "null_query")
    assert not null.answerable and not null.evidence
    first = next(case for case in cases if case.id == "q1")
    assert first.gold_doc_ids == ["mhr-aaaaaaaaaa"]
    assert first.evidence[0].doc_id == "mhr-aaaaaaaaaa"

    sample = load_multihop(tmp_path / "mh", limit=3, seed=1)
    assert len(sample) == 3
    assert {case.type for case in sample} == {
        "inference_query",
        "comparison_query",
        "null_query",
    }


def test_a_folder_that_is_not_multihop_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a MultiHop-RAG folder"):
        load_multihop(tmp_path)


@pytest.mark.skipif(not SHARED_MULTIHOP.is_dir(), reason="benchmark not beside repo")
def test_the_shared_multihop_set_reads_whole() -> None:
    cases = load_multihop(SHARED_MULTIHOP)
    types = Counter(case.type for case in cases)
    assert len(cases) == 2556
    assert types["null_query"] == 301
    assert all(case.evidence for case in cases if case.answerable)


def test_thresholds_gate_minimums_and_maximums(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        '[tracker.min]\n"recall@10" = 0.9\n"token_f1" = 0.3\n'
        '[tracker.max]\n"wrong_abstention_rate" = 0.2\n'
    )
    limits = load_thresholds(path, "tracker")
    passing = {"recall@10": 0.95, "token_f1": 0.3, "wrong_abstention_rate": 0.1}
    assert check_thresholds(passing, limits) == []
    failing = {"recall@10": 0.8, "wrong_abstention_rate": 0.5}
    failures = check_thresholds(failing, limits)
    assert any("recall@10" in line and "below" in line for line in failures)
    assert any("token_f1 was not measured" in line for line in failures)
    assert any("wrong_abstention_rate" in line and "above" in line for line in failures)
    assert load_thresholds(path, "other") == {"min": {}, "max": {}}


def test_a_broken_thresholds_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[tracker.min]\n"recall@10" = "high"\n')
    with pytest.raises(DatasetError, match="must be a number"):
        load_thresholds(path, "tracker")
    path.write_text("[tracker\n")
    with pytest.raises(DatasetError, match="not valid TOML"):
        load_thresholds(path, "tracker")


def test_the_projects_thresholds_file_reads() -> None:
    limits = load_thresholds(REPO / "evals" / "thresholds.toml", "tracker")
    assert limits["min"] and limits["max"]
