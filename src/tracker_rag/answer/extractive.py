"""Answer without a generative model: the retrieved sentences that answer best."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tracker_rag.answer.passages import candidate_sentences
from tracker_rag.answer.sentence_scoring import (
    SEMANTIC_BUDGET,
    SentenceScore,
    score_sentences,
)
from tracker_rag.domain import Chunk, Citation, ScoredChunk

RELATIVE_CUTOFF = 0.85
NEAR_DUPLICATE = 0.92


@dataclass(frozen=True)
class Draft:
    """An extractive answer before it is wrapped with search details."""

    text: str
    citations: list[Citation]
    ranked: list[SentenceScore]

    @property
    def best(self) -> SentenceScore | None:
        """The best-scoring sentence, if any sentence was found."""
        return self.ranked[0] if self.ranked else None


def cite_span(marker: int, chunk: Chunk, text: str, start: int, end: int) -> Citation:
    """Cite a span of a chunk's document: its exact text and the chunk around it."""
    return Citation(
        marker=marker,
        doc_id=chunk.doc_id,
        title=chunk.title,
        kind=chunk.kind,
        published=chunk.published,
        updated=chunk.updated,
        url=chunk.url,
        section=chunk.section,
        chunk_id=chunk.chunk_id,
        text=text,
        start=start,
        end=end,
        chunk_text=chunk.text,
        chunk_start=chunk.start,
    )


def make_citation(marker: int, item: SentenceScore) -> Citation:
    """Cite one scored sentence."""
    sentence = item.sentence
    return cite_span(
        marker, sentence.scored.chunk, sentence.text, sentence.start, sentence.end
    )


def select_sentences(ranked: list[SentenceScore], limit: int) -> list[SentenceScore]:
    """Keep the best sentence and those close to it, skipping repeats."""
    if not ranked:
        return []
    floor = ranked[0].score * RELATIVE_CUTOFF
    chosen: list[SentenceScore] = []
    for item in ranked:
        if len(chosen) == limit or item.score < floor:
            break
        if any(_same_text(item, other) for other in chosen):
            continue
        chosen.append(item)
    return chosen


def _same_text(first: SentenceScore, second: SentenceScore) -> bool:
    a, b = (
        set(first.sentence.text.lower().split()),
        set(second.sentence.text.lower().split()),
    )
    return len(a & b) / max(1, min(len(a), len(b))) >= NEAR_DUPLICATE


def reading_order(chosen: list[SentenceScore]) -> list[SentenceScore]:
    """Order sentences as they stand in their documents, best document first."""
    document_rank: dict[str, int] = {}
    for item in chosen:
        document_rank.setdefault(item.sentence.scored.chunk.doc_id, len(document_rank))
    return sorted(
        chosen,
        key=lambda item: (
            document_rank[item.sentence.scored.chunk.doc_id],
            item.sentence.start,
        ),
    )


class ExtractiveAnswerer:
    """Pick, order and cite the sentences of retrieved chunks that answer a question."""

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray],
        max_sentences: int = 3,
        semantic_budget: int | None = SEMANTIC_BUDGET,
    ) -> None:
        self._embed = embed
        self._max_sentences = max_sentences
        self._semantic_budget = semantic_budget

    def draft(
        self,
        question: str,
        question_vector: np.ndarray,
        question_weights: dict[str, float],
        retrieved: list[ScoredChunk],
    ) -> Draft:
        """Rank every retrieved sentence and compose the cited answer."""
        ranked = score_sentences(
            question,
            question_vector,
            question_weights,
            candidate_sentences(retrieved),
            self._embed,
            self._semantic_budget,
        )
        chosen = reading_order(select_sentences(ranked, self._max_sentences))
        citations = [
            make_citation(marker, item) for marker, item in enumerate(chosen, start=1)
        ]
        text = " ".join(
            f"{item.sentence.text} [{n}]" for n, item in enumerate(chosen, start=1)
        )
        return Draft(text, citations, ranked)
