"""Hybrid retrieval and its filters over a real index."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import ARTICLE_ID, make_service
from tracker_rag.domain import Filters
from tracker_rag.errors import InvalidFilterError
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag

TOPIC = "Frontier Labs, Deals and AI Geopolitics"
OLD_SOURCE = """Chip makers and sovereign funds

Published: 2025-02-01
URL: https://example.org/old

A sovereign fund in Abu Dhabi pledged money for a wafer plant in February 2025.
"""


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_each_ranking_finds_the_passage_on_a_named_thing(
    built_service: TrackerRag, mode: str
) -> None:
    retrieval = built_service.retrieve("What is EVATok?", top_k=3, mode=mode)  # type: ignore[arg-type]
    assert any("EVATok" in scored.chunk.text for scored in retrieval.chunks)


def test_hybrid_ranks_carry_both_scores(built_service: TrackerRag) -> None:
    retrieval = built_service.retrieve("glass substrate chips mass production", top_k=5)
    top = retrieval.chunks[0]
    assert top.dense_rank is not None and top.keyword_rank is not None
    assert [s.score for s in retrieval.chunks] == sorted(
        (s.score for s in retrieval.chunks), reverse=True
    )


def test_topic_filter_matches_without_regard_to_case(built_service: TrackerRag) -> None:
    retrieval = built_service.retrieve("covert models", Filters(topic=TOPIC.upper()))
    assert retrieval.chunks_in_scope == len(built_service.index.catalog)
    assert all(scored.chunk.topic == TOPIC for scored in retrieval.chunks)


def test_unknown_topic_is_an_error_naming_the_known_ones(
    built_service: TrackerRag,
) -> None:
    with pytest.raises(InvalidFilterError, match="Frontier Labs"):
        built_service.ask("anything", Filters(topic="Cooking"))


def test_as_of_before_the_article_leaves_nothing_and_says_so(
    built_service: TrackerRag,
) -> None:
    answer = built_service.ask(
        "What is the Anthropic Institute valued at?",
        Filters(as_of=dt.date(2026, 3, 15)),
    )
    assert answer.abstained
    assert answer.search.chunks_in_scope == 0
    assert "no document matches the filters" in answer.answer
    assert "as_of=2026-03-15" in answer.answer


def test_as_of_and_kind_select_documents_by_date_and_kind(
    tmp_path: Path, corpus_copy: Path, embedder: SentenceEmbedder
) -> None:
    (corpus_copy / "sources").mkdir(exist_ok=True)
    (corpus_copy / "sources" / "old-fund.md").write_text(OLD_SOURCE, encoding="utf-8")
    service = make_service(tmp_path / "index", corpus_copy, embedder)
    service.ingest()

    early = service.retrieve(
        "sovereign fund wafer plant", Filters(as_of=dt.date(2025, 6, 1)), top_k=10
    )
    assert {s.chunk.doc_id for s in early.chunks} == {"sources/old-fund"}
    on_the_day = service.retrieve(
        "glass chips", Filters(as_of=dt.date(2026, 3, 16)), top_k=50
    )
    assert {s.chunk.doc_id for s in on_the_day.chunks} == {
        "sources/old-fund",
        ARTICLE_ID,
    }
    sources = service.retrieve("glass chips", Filters(kind="source"), top_k=50)
    assert {s.chunk.doc_id for s in sources.chunks} == {"sources/old-fund"}
    articles = service.retrieve("sovereign fund", Filters(kind="article"), top_k=50)
    assert {s.chunk.doc_id for s in articles.chunks} == {ARTICLE_ID}
