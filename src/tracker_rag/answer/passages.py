"""Cut retrieved chunks into candidate sentences with their document spans."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker_rag.domain import ScoredChunk
from tracker_rag.ingest.chunking import split_into_blocks
from tracker_rag.ingest.sentences import sentence_spans

_LIST_MARKER = re.compile(r"\s*(?:[-*+•●▪]|\d{1,3}[.)])\s+")
_MIN_SENTENCE_CHARS = 12
# A sentence opening like this leans on the one before it ("This model aims to...").
_LEANS_ON_PREVIOUS = re.compile(
    r"^(?:\w+\s+)?(?:this|these|that|those|such|it|its|they|their|he|she|his|her|"
    r"both|the latter|the former)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CandidateSentence:
    """A sentence of a retrieved chunk: text and span in its document."""

    text: str
    start: int
    end: int
    chunk_rank: int
    scored: ScoredChunk


def candidate_sentences(retrieved: list[ScoredChunk]) -> list[CandidateSentence]:
    """Every sentence of the retrieved chunks, bullet markers left out."""
    sentences: list[CandidateSentence] = []
    for rank, scored in enumerate(retrieved):
        chunk = scored.chunk
        for block in split_into_blocks(chunk.text, chunk.section):
            marker = _LIST_MARKER.match(chunk.text, block.start, block.end)
            block_start = marker.end() if marker else block.start
            previous_start: int | None = None
            for start, end in sentence_spans(chunk.text, block_start, block.end):
                # Cite a leaning sentence together with the one it leans on.
                leans = previous_start is not None and _LEANS_ON_PREVIOUS.match(
                    chunk.text[start:end]
                )
                span_start = (
                    previous_start if leans and previous_start is not None else start
                )
                previous_start = start
                text = chunk.text[span_start:end]
                if len(text) < _MIN_SENTENCE_CHARS:
                    continue
                sentences.append(
                    CandidateSentence(
                        text, chunk.start + span_start, chunk.start + end, rank, scored
                    )
                )
    return sentences
