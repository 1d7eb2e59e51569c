"""Which chunks are relevant to a case: those that hold one of its evidence passages.

Evidence is located in its document's text once, as a character span; a chunk is
relevant when it covers at least half of a span, so a passage that chunking cut
in two still counts in whichever chunk holds most of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tracker_rag.errors import DatasetError
from tracker_rag.evaluation.cases import EvalCase

MIN_COVERED_SHARE = 0.5


@dataclass(frozen=True)
class EvidenceSpan:
    """Where one evidence passage stands in its document."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class ChunkSpan:
    """The document and character span of a chunk."""

    chunk_id: str
    doc_id: str
    start: int
    end: int


def find_passage(text: str, passage: str) -> tuple[int, int] | None:
    """Find a passage in a text exactly, or else with any run of white space."""
    start = text.find(passage)
    if start >= 0:
        return start, start + len(passage)
    words = passage.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    match = pattern.search(text)
    return (match.start(), match.end()) if match else None


def locate_evidence(
    case: EvalCase, document_text: Callable[[str], str | None]
) -> list[EvidenceSpan]:
    """Spans of a case's evidence; an error names a passage its document lacks."""
    spans = []
    for item in case.evidence:
        text = document_text(item.doc_id)
        if text is None:
            raise DatasetError(
                f"case {case.id}: document {item.doc_id!r} is not in the index"
            )
        found = find_passage(text, item.text)
        if found is None:
            raise DatasetError(
                f"case {case.id}: passage not found in {item.doc_id}: "
                f"{item.text[:80]!r}"
            )
        spans.append(EvidenceSpan(item.doc_id, *found))
    return spans


def covers(chunk: ChunkSpan, span: EvidenceSpan) -> bool:
    """Tell whether a chunk holds at least half of an evidence span."""
    if chunk.doc_id != span.doc_id:
        return False
    overlap = min(chunk.end, span.end) - max(chunk.start, span.start)
    return overlap > 0 and overlap >= MIN_COVERED_SHARE * (span.end - span.start)


def is_relevant(chunk: ChunkSpan, spans: Iterable[EvidenceSpan]) -> bool:
    """Tell whether a chunk holds any of the evidence."""
    return any(covers(chunk, span) for span in spans)


def count_relevant(chunks: Iterable[ChunkSpan], spans: list[EvidenceSpan]) -> int:
    """How many chunks of the index hold some evidence (the ideal for nDCG)."""
    documents = {span.doc_id for span in spans}
    return sum(
        1 for chunk in chunks if chunk.doc_id in documents and is_relevant(chunk, spans)
    )
