"""Decide whether the retrieved passages answer the question, and say so."""

from __future__ import annotations

from tracker_rag.answer.sentence_scoring import SentenceScore
from tracker_rag.domain import Filters


def answer_confidence(best: SentenceScore | None) -> float:
    """Confidence in [0, 1] that the best sentence answers the question."""
    if best is None:
        return 0.0
    return max(0.0, min(1.0, best.score))


def abstention_text(
    filters: Filters, chunks_in_scope: int, best: SentenceScore | None, threshold: float
) -> str:
    """Explain plainly that the corpus does not answer, and what was searched."""
    if chunks_in_scope == 0:
        return (
            "The corpus does not answer this: no document matches the filters "
            f"({filters.describe()})."
        )
    searched = f"I searched {chunks_in_scope} chunks (filters: {filters.describe()})"
    if best is None:
        return (
            f"The corpus does not answer this. {searched}; no passage matched at all."
        )
    chunk = best.sentence.scored.chunk
    return (
        f"The corpus does not answer this. {searched}; the closest passage, in "
        f"\u201c{chunk.title}\u201d (section \u201c{chunk.section}\u201d), scored "
        f"{answer_confidence(best):.2f}, below the {threshold:.2f} needed to answer."
    )


def refusal_text(filters: Filters, chunks_in_scope: int, passages: int) -> str:
    """Say that the model found no answer in the passages it was given."""
    return (
        f"The corpus does not answer this. I searched {chunks_in_scope} chunks "
        f"(filters: {filters.describe()}), and the language model found no answer "
        f"in the {passages} closest passages."
    )
