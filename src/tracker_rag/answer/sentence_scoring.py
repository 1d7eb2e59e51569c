"""Score candidate sentences against a question: meaning and shared rare words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tracker_rag.answer.answer_types import expected_answer_type, holds_new_answer
from tracker_rag.answer.passages import CandidateSentence
from tracker_rag.index.keyword_index import query_terms

SEMANTIC_WEIGHT = 0.6
# Characters of sentences embedded per question, best estimates first; the
# rest are ranked out by the estimate alone. Embedding time grows with it.
SEMANTIC_BUDGET = 1600
# Sentences embedded whatever their length, so that long ones still compete.
SEMANTIC_MINIMUM = 4
# A sentence lacking the kind of fact a question asks for keeps this share of its score.
MISSING_ANSWER_TYPE_FACTOR = 0.6


@dataclass(frozen=True)
class SentenceScore:
    """How well one sentence answers the question."""

    sentence: CandidateSentence
    similarity: float
    term_coverage: float
    has_answer_type: bool = True

    @property
    def score(self) -> float:
        """Blend of meaning similarity and the share of question terms present."""
        blend = (
            SEMANTIC_WEIGHT * self.similarity
            + (1 - SEMANTIC_WEIGHT) * self.term_coverage
        )
        return blend if self.has_answer_type else blend * MISSING_ANSWER_TYPE_FACTOR


def term_coverage(question_weights: dict[str, float], text: str) -> float:
    """Share of the question's IDF-weighted terms that a text contains."""
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    present = set(query_terms(text))
    return (
        sum(weight for term, weight in question_weights.items() if term in present)
        / total
    )


def score_sentences(
    question: str,
    question_vector: np.ndarray,
    question_weights: dict[str, float],
    sentences: list[CandidateSentence],
    embed: Callable[[list[str]], np.ndarray],
    semantic_budget: int | None = SEMANTIC_BUDGET,
) -> list[SentenceScore]:
    """Score the most promising sentences; best first.

    Embedding a sentence costs far more than everything else here, so only
    the sentences with the best estimate are embedded and ranked, up to
    `semantic_budget` characters and at least `SEMANTIC_MINIMUM` of them (all
    when it is None). The estimate stands the chunk's similarity to the
    question in for the sentence's own.
    """
    answer_type = expected_answer_type(question)
    if not sentences:
        return []
    known = [
        sentence.scored.dense_similarity
        for sentence in sentences
        if sentence.scored.dense_similarity is not None
    ]
    # A chunk only the keyword ranking found lies below every dense hit.
    floor = min(known, default=0.0)
    estimates = [
        SentenceScore(
            sentence,
            _chunk_similarity(sentence, floor),
            term_coverage(question_weights, _context(sentence)),
            holds_new_answer(answer_type, question, sentence.text),
        )
        for sentence in sentences
    ]
    if semantic_budget is not None:
        estimates = _within_budget(estimates, semantic_budget)

    vectors = embed([item.sentence.text for item in estimates])
    similarities = vectors @ question_vector
    scores = [
        replace(item, similarity=float(similarity))
        for item, similarity in zip(estimates, similarities, strict=True)
    ]
    return sorted(scores, key=lambda item: -item.score)


def _within_budget(estimates: list[SentenceScore], budget: int) -> list[SentenceScore]:
    """The best estimates whose texts fit in `budget` characters."""
    kept: list[SentenceScore] = []
    used = 0
    for item in sorted(estimates, key=lambda item: -item.score):
        used += len(item.sentence.text)
        if used > budget and len(kept) >= SEMANTIC_MINIMUM:
            break
        kept.append(item)
    return kept


def _chunk_similarity(sentence: CandidateSentence, floor: float) -> float:
    """The chunk's dense similarity, or `floor` when dense search missed it."""
    similarity = sentence.scored.dense_similarity
    return floor if similarity is None else similarity


def _context(sentence: CandidateSentence) -> str:
    """The sentence with its section title: 'which section' words count too."""
    return f"{sentence.scored.chunk.section}\n{sentence.text}"


# Words that shape a question but carry no content to look for.
_QUESTION_WORDS = (
    "what which who whom whose when where why how do does did is are was were "
    "article tracker say says said mention mentions mentioned according tell describe "
    "give example examples name named"
)
QUESTION_STOP_TERMS = frozenset(query_terms(_QUESTION_WORDS))


def question_term_weights(
    question: str, inverse_document_frequency: Callable[[list[str]], dict[str, float]]
) -> dict[str, float]:
    """The question's content terms, weighted by rarity in the corpus."""
    terms = [
        term
        for term in dict.fromkeys(query_terms(question))
        if term not in QUESTION_STOP_TERMS
    ]
    return inverse_document_frequency(terms)
