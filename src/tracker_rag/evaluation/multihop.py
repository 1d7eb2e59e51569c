"""Read the public MultiHop-RAG benchmark as eval cases, from where it lies.

The folder holds `docs/` (609 news articles, one Markdown file each, with
`Source:`, `Published:` and `URL:` lines under the title, which the plain-file
loader reads as metadata), `qa.jsonl` (2,556 questions) and a README. Nothing
of it is copied: the articles are ingested from `docs/` into a separate index.
Null queries become unanswerable cases.
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.cases import EvalCase, Evidence, stratified_sample

DEFAULT_MULTIHOP_DIR = Path("../shared/benchmarks/multihop-rag")
NULL_QUERY = "null_query"


def _doc_id(file_name: str) -> str:
    return Path(file_name).stem


def multihop_docs_dir(folder: Path) -> Path:
    """The folder of articles to ingest, after checking the benchmark is there."""
    docs = folder / "docs"
    if not docs.is_dir() or not (folder / "qa.jsonl").is_file():
        raise DatasetError(
            f"{folder} is not a MultiHop-RAG folder (expected docs/ and qa.jsonl); "
            "pass --benchmark-dir"
        )
    return docs


def case_from_multihop(row: dict[str, object]) -> EvalCase:
    """Turn one MultiHop-RAG question into an eval case."""
    question_type = str(row["question_type"])
    answerable = question_type != NULL_QUERY
    evidence_rows = row.get("evidence") or []
    gold = row.get("gold_sources") or []
    if not isinstance(evidence_rows, list) or not isinstance(gold, list):
        raise ValueError("evidence and gold_sources must be lists")
    return EvalCase(
        id=str(row["id"]),
        question=str(row["question"]),
        answerable=answerable,
        type=question_type,
        reference_answer=str(row["answer"]) if answerable else None,
        gold_doc_ids=[_doc_id(str(name)) for name in gold],
        evidence=[
            Evidence(doc_id=_doc_id(str(item["doc"])), text=str(item["fact"]))
            for item in evidence_rows
        ]
        if answerable
        else [],
    )


def load_multihop(
    folder: Path, limit: int | None = None, seed: int = 13
) -> list[EvalCase]:
    """Read MultiHop-RAG's questions as cases, optionally a stratified sample."""
    multihop_docs_dir(folder)
    cases: list[EvalCase] = []
    path = folder / "qa.jsonl"
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                cases.append(case_from_multihop(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise DatasetError(
                    f"{path}:{number}: unusable question: {exc}"
                ) from exc
    return stratified_sample(cases, limit, seed)
