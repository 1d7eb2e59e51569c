"""Answers to the project's own questions, through the real model and Chroma.

The questions (evals/tracker_questions.jsonl) were written by hand about the
article, with the exact passages that answer them, and include questions the
corpus cannot answer.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import QUESTIONS
from tracker_rag.domain import Answer
from tracker_rag.service import TrackerRag

CASES = [
    json.loads(line)
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
ANSWERABLE = [case for case in CASES if case["answerable"]]
UNANSWERABLE = [case for case in CASES if not case["answerable"]]


@pytest.fixture(scope="module")
def answers(built_service: TrackerRag) -> dict[str, Answer]:
    return {case["id"]: built_service.ask(case["question"]) for case in CASES}


def cites_gold_passage(answer: Answer, passages: list[str]) -> bool:
    return any(p in c.text or c.text in p for p in passages for c in answer.citations)


def test_question_set_is_large_and_mixed() -> None:
    assert len(CASES) >= 25
    assert len(UNANSWERABLE) >= 10


def test_most_answerable_questions_are_answered_from_their_gold_passage(
    answers: dict[str, Answer],
) -> None:
    hits = [
        case["id"]
        for case in ANSWERABLE
        if cites_gold_passage(answers[case["id"]], case["passages"])
    ]
    assert len(hits) / len(ANSWERABLE) >= 0.75, sorted(
        set(c["id"] for c in ANSWERABLE) - set(hits)
    )


def test_most_unanswerable_questions_are_refused(answers: dict[str, Answer]) -> None:
    refused = [case["id"] for case in UNANSWERABLE if answers[case["id"]].abstained]
    assert len(refused) / len(UNANSWERABLE) >= 0.6, refused


def test_few_answerable_questions_are_refused(answers: dict[str, Answer]) -> None:
    refused = [case["id"] for case in ANSWERABLE if answers[case["id"]].abstained]
    assert len(refused) / len(ANSWERABLE) <= 0.25, refused


def test_every_citation_is_the_exact_text_at_its_span(
    answers: dict[str, Answer], built_service: TrackerRag
) -> None:
    documents = {d.doc_id: d for d in built_service.index.catalog.chunks}
    assert documents
    for answer in answers.values():
        markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.answer)]
        assert (
            markers
            == [c.marker for c in answer.citations]
            == list(range(1, len(markers) + 1))
        )
        for citation in answer.citations:
            offset = citation.start - citation.chunk_start
            assert (
                citation.chunk_text[offset : offset + len(citation.text)]
                == citation.text
            )
            assert citation.end - citation.start == len(citation.text)
            assert citation.text in answer.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the Anthropic Institute valued at?", "$380 billion"),
        (
            "How much did Americans for Responsible Innovation invest in lobbying?",
            "$2.81 million",
        ),
        (
            "Which Claude models can malicious actors replicate or alter?",
            "Claude Opus 4.6",
        ),
        ("Who is the CEO of Anthropic?", "Dario Amodei"),
    ],
)
def test_answer_states_the_fact(
    built_service: TrackerRag, question: str, expected: str
) -> None:
    answer = built_service.ask(question)
    assert not answer.abstained
    assert expected in answer.answer


def test_abstention_says_what_was_searched(built_service: TrackerRag) -> None:
    answer = built_service.ask(
        "What is the recipe for a traditional Neapolitan pizza dough?"
    )

    assert answer.abstained
    assert answer.citations == []
    assert "does not answer" in answer.answer
    assert f"{answer.search.chunks_in_scope} chunks" in answer.answer
    assert answer.search.best_match is not None
    assert answer.search.confidence < answer.search.threshold


def test_timings_cover_each_stage(built_service: TrackerRag) -> None:
    answer = built_service.ask("What does EVATok do?")
    assert {"embed_question", "dense", "keyword", "fusion", "answer", "total"} <= set(
        answer.timings
    )
    assert all(value >= 0 for value in answer.timings.values())
