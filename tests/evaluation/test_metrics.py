"""Retrieval, answer and abstention metrics against figures worked out by hand."""

from __future__ import annotations

import math

import pytest

from tracker_rag.evaluation.answer_metrics import (
    abstention_scores,
    containment,
    normalise_answer,
    token_f1,
)
from tracker_rag.evaluation.relevance import (
    ChunkSpan,
    EvidenceSpan,
    count_relevant,
    covers,
    find_passage,
)
from tracker_rag.evaluation.retrieval_metrics import (
    all_gold_documents,
    ndcg,
    recall_at,
    reciprocal_rank,
    retrieval_scores,
)


def chunk(doc: str, start: int, end: int) -> ChunkSpan:
    return ChunkSpan(f"{doc}#{start}", doc, start, end)


def test_a_chunk_covers_a_span_when_it_holds_at_least_half_of_it() -> None:
    span = EvidenceSpan("a", 100, 200)
    assert covers(chunk("a", 0, 150), span)
    assert not covers(chunk("a", 0, 149), span)
    assert not covers(chunk("b", 0, 1000), span)
    assert covers(chunk("a", 90, 210), span)


def test_passages_are_found_exactly_or_across_white_space() -> None:
    text = "First line.\nThe passage  runs\nover lines. End."
    assert find_passage(text, "First line.") == (0, 11)
    start, end = find_passage(text, "The passage runs over lines.") or (0, 0)
    assert text[start:end] == "The passage  runs\nover lines."
    assert find_passage(text, "not there") is None


def test_recall_counts_evidence_found_not_chunks() -> None:
    spans = [EvidenceSpan("a", 0, 10), EvidenceSpan("b", 0, 10)]
    ranking = [chunk("c", 0, 50), chunk("a", 0, 50), chunk("a", 50, 99)]
    assert recall_at(ranking, spans, 1) == 0.0
    assert recall_at(ranking, spans, 2) == 0.5
    assert recall_at([*ranking, chunk("b", 0, 20)], spans, 4) == 1.0


def test_reciprocal_rank_and_ndcg_by_hand() -> None:
    relevant = [False, True, False, True]
    assert reciprocal_rank(relevant) == 0.5
    assert reciprocal_rank([False] * 10 + [True]) == 0.0
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg(relevant, relevant_total=2) == pytest.approx(expected)
    assert ndcg([True, True], relevant_total=2) == pytest.approx(1.0)
    assert ndcg([False], relevant_total=0) == 0.0


def test_all_gold_documents_needs_every_one_in_the_top_ten() -> None:
    ranking = [chunk("a", 0, 1)] + [chunk("x", i, i + 1) for i in range(9)]
    assert all_gold_documents(ranking, ["a"]) == 1.0
    assert all_gold_documents([*ranking, chunk("b", 0, 1)], ["a", "b"]) == 0.0


def test_retrieval_scores_name_their_metrics() -> None:
    spans = [EvidenceSpan("a", 0, 10)]
    ranking = [chunk("a", 0, 20)]
    scores = retrieval_scores(ranking, [True], spans, 1, ["a"])
    assert scores["recall@10"] == 1.0
    assert scores["mrr@10"] == 1.0
    assert scores["ndcg@10"] == 1.0
    assert set(scores) >= {"recall@1", "recall@5", "recall@20", "all_gold_docs@10"}


def test_count_relevant_looks_only_at_the_evidence_documents() -> None:
    spans = [EvidenceSpan("a", 0, 10)]
    chunks = [chunk("a", 0, 20), chunk("a", 20, 40), chunk("b", 0, 20)]
    assert count_relevant(chunks, spans) == 1


def test_answers_are_normalised_before_comparing() -> None:
    assert normalise_answer("The valuation: $30 billion [1].") == "valuation 30 billion"
    assert containment("It is valued at $30 billion [1].", "30 billion") == 1.0
    assert containment("It is valued at $300 billion.", "30 billion") == 0.0
    assert containment("anything", "") == 0.0


def test_token_f1_by_hand() -> None:
    # answer tokens: anthropic raised money (3); reference: anthropic raised (2).
    assert token_f1("Anthropic raised money.", "Anthropic raised") == pytest.approx(0.8)
    assert token_f1("nothing shared", "Anthropic") == 0.0


def test_abstention_precision_recall_and_wrong_abstentions() -> None:
    answerable = [True, True, True, False, False]
    abstained = [True, False, False, True, False]
    scores = abstention_scores(answerable, abstained)
    assert scores["abstention_precision"] == 0.5
    assert scores["abstention_recall"] == 0.5
    assert scores["wrong_abstention_rate"] == pytest.approx(1 / 3)


def test_abstention_scores_are_none_when_undefined() -> None:
    scores = abstention_scores([True, True], [False, False])
    assert scores["abstention_precision"] is None
    assert scores["abstention_recall"] is None
    assert scores["wrong_abstention_rate"] == 0.0
