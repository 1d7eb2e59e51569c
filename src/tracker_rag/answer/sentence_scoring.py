"""Score candidate sentences against a question: meaning and shared rare words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tracker_rag.answer.answer_types import expected_answer_type, holds_new_answer
from tracker_rag.answer.passages import CandidateSentence
from tracker_rag.index.keyword_index import query_terms

SEMANTIC_WEIGHT = 0.6
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
) -> list[SentenceScore]:
    """Score every sentence; best first."""
    answer_type = expected_answer_type(question)
    if not sentences:
        return []
    vectors = embed([sentence.text for sentence in sentences])
    similarities = vectors @ question_vector
    scores = [
        SentenceScore(
            sentence,
            float(similarity),
            term_coverage(question_weights, _context(sentence)),
            holds_new_answer(answer_type, question, sentence.text),
        )
        for sentence, similarity in zip(sentences, similarities, strict=True)
    ]
    return sorted(scores, key=lambda item: -item.score)


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
