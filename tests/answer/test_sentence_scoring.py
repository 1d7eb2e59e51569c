"""Which sentences an extractive answer embeds, and how it ranks them."""

from __future__ import annotations

import numpy as np

from tracker_rag.answer.passages import CandidateSentence
from tracker_rag.answer.sentence_scoring import SEMANTIC_MINIMUM, score_sentences
from tracker_rag.domain import Chunk, ScoredChunk


def scored_chunk(text: str, similarity: float | None) -> ScoredChunk:
    """A retrieved chunk holding one text."""
    chunk = Chunk(
        chunk_id=f"c-{abs(hash(text))}",
        doc_id="doc",
        title="Doc",
        kind="article",
        section="Deals",
        text=text,
        start=0,
        end=len(text),
    )
    return ScoredChunk(chunk=chunk, score=1.0, dense_similarity=similarity)


def sentence(text: str, similarity: float | None = 0.5) -> CandidateSentence:
    """A candidate sentence that is its whole chunk."""
    return CandidateSentence(text, 0, len(text), 0, scored_chunk(text, similarity))


class CountingEmbedding:
    """Embed every text as the same unit vector, and remember what was asked."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))


WEIGHTS = {"nvidia": 2.0, "bought": 1.0}
QUESTION_VECTOR = np.array([1.0, 0.0], dtype=np.float32)


def test_only_the_most_promising_sentences_are_embedded() -> None:
    filler = [
        sentence(f"Filler sentence number {n:02} says little.") for n in range(20)
    ]
    answer = sentence("Nvidia bought the start-up in May.", similarity=0.4)
    embed = CountingEmbedding()

    ranked = score_sentences(
        "What did Nvidia buy?", QUESTION_VECTOR, WEIGHTS, [*filler, answer], embed, 240
    )

    assert answer.text in embed.texts
    assert SEMANTIC_MINIMUM < len(embed.texts) < 21
    assert sum(len(text) for text in embed.texts) <= 240
    assert ranked[0].sentence is answer
    assert ranked[0].similarity == 1.0


def test_a_tiny_budget_still_embeds_a_few_sentences() -> None:
    sentences = [
        sentence(f"Sentence {n} about chips, at some length.") for n in range(9)
    ]
    embed = CountingEmbedding()

    score_sentences("Chips?", QUESTION_VECTOR, {}, sentences, embed, 1)

    assert len(embed.texts) == SEMANTIC_MINIMUM


def test_without_a_budget_every_sentence_is_embedded() -> None:
    sentences = [sentence(f"Sentence {n} about chips.") for n in range(20)]
    embed = CountingEmbedding()

    ranked = score_sentences("Chips?", QUESTION_VECTOR, {}, sentences, embed, None)

    assert len(embed.texts) == 20
    assert len(ranked) == 20


def test_a_closer_chunk_wins_a_place_when_words_tie() -> None:
    far = [sentence(f"Unrelated line {n} here.", similarity=0.1) for n in range(9)]
    near = sentence("A line from the closest chunk.", similarity=0.9)
    embed = CountingEmbedding()

    score_sentences("Anything?", QUESTION_VECTOR, {}, [*far, near], embed, 1)

    assert embed.texts[0] == near.text
    assert len(embed.texts) == SEMANTIC_MINIMUM


def test_a_keyword_only_chunk_is_estimated_at_the_weakest_dense_hit() -> None:
    dense = [sentence(f"Dense hit {n} with no shared words.", 0.5) for n in range(4)]
    weak = sentence("The weakest dense hit.", 0.3)
    keyword = sentence("Nvidia bought it, said the keyword ranking.", None)
    embed = CountingEmbedding()

    ranked = score_sentences(
        "Nvidia?", QUESTION_VECTOR, WEIGHTS, [*dense, weak, keyword], embed, 1
    )

    assert embed.texts[0] == keyword.text
    estimate = next(item for item in ranked if item.sentence is keyword)
    assert estimate.term_coverage > 0
