"""Eval cases: a question, what answers it, and where that answer stands.

The project's own set is JSON Lines, one case per line:

    {"id": "t001", "question": "...", "answerable": true, "type": "fact",
     "reference_answer": "...", "doc_id": "<document id>",
     "passages": ["exact text of the document that holds the answer", ...]}

`doc_ids` (a list) may replace `doc_id` when the passages come from several
documents; a passage is then `{"doc_id": ..., "text": ...}`. Unanswerable cases
have `"answerable": false` and no passages. `filters` (topic, kind, as_of) is
optional.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from tracker_rag.domain import Filters
from tracker_rag.errors import DatasetError


class Evidence(BaseModel):
    """A passage, word for word from one document, that holds (part of) the answer."""

    doc_id: str
    text: str = Field(min_length=1)


class EvalCase(BaseModel):
    """One question with its reference answer and gold evidence."""

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answerable: bool
    type: str = Field(min_length=1)
    reference_answer: str | None = None
    gold_doc_ids: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    filters: Filters = Field(default_factory=Filters)


def _evidence_of(row: dict[str, Any], doc_ids: list[str]) -> list[dict[str, str]]:
    evidence = []
    for passage in row.get("passages") or []:
        if isinstance(passage, dict):
            evidence.append(passage)
        elif len(doc_ids) == 1:
            evidence.append({"doc_id": doc_ids[0], "text": passage})
        else:
            raise ValueError(
                "a plain-text passage needs exactly one doc_id; "
                'give {"doc_id", "text"} objects instead'
            )
    return evidence


def case_from_row(row: dict[str, Any]) -> EvalCase:
    """Build a case from one row of the project's JSON Lines format."""
    doc_ids = list(row.get("doc_ids") or ([row["doc_id"]] if row.get("doc_id") else []))
    evidence = _evidence_of(row, doc_ids)
    case = EvalCase(
        id=row.get("id", ""),
        question=row.get("question", ""),
        answerable=row.get("answerable", True),
        type=row.get("type") or ("answerable" if row.get("answerable") else "null"),
        reference_answer=row.get("reference_answer"),
        gold_doc_ids=doc_ids or sorted({item["doc_id"] for item in evidence}),
        evidence=evidence,
        filters=row.get("filters") or {},
    )
    if case.answerable and not case.evidence:
        raise ValueError("an answerable case needs at least one passage")
    if not case.answerable and case.evidence:
        raise ValueError("an unanswerable case cannot have passages")
    return case


def load_cases(path: Path) -> list[EvalCase]:
    """Read a JSON Lines case file; a bad line is an error naming file, line and why."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read eval cases {path}: {exc.strerror}") from exc

    cases: list[EvalCase] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a case must be a JSON object")
            case = case_from_row(row)
        except (ValueError, KeyError, ValidationError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if isinstance(exc, ValidationError):
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                reason = f"{where}: {first['msg']}"
            raise DatasetError(f"{path}:{number}: {reason}") from exc
        if case.id in seen:
            raise DatasetError(f"{path}:{number}: case id {case.id!r} is used twice")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path} holds no eval cases")
    return cases


def stratified_sample(
    cases: list[EvalCase], limit: int | None, seed: int
) -> list[EvalCase]:
    """Pick `limit` cases keeping each type's share (at least one each)."""
    if limit is None or limit >= len(cases):
        return cases
    by_type: dict[str, list[EvalCase]] = defaultdict(list)
    for case in cases:
        by_type[case.type].append(case)

    # Largest remainder: every type gets its floor share, the rest by remainder.
    shares = {kind: limit * len(group) / len(cases) for kind, group in by_type.items()}
    counts = {kind: max(1, int(share)) for kind, share in shares.items()}
    by_remainder = sorted(shares, key=lambda kind: shares[kind] - int(shares[kind]))
    while sum(counts.values()) < limit and by_remainder:
        kind = by_remainder.pop()
        counts[kind] = min(len(by_type[kind]), counts[kind] + 1)

    chooser = random.Random(seed)
    chosen: list[EvalCase] = []
    for kind in sorted(by_type):
        group = by_type[kind]
        chosen.extend(chooser.sample(group, min(counts[kind], len(group))))
    return sorted(chosen, key=lambda case: case.id)
