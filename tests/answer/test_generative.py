"""Generative answers through a replaying backend: the check of every sentence."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient

from tests.fakes import ReplayBackend
from tracker_rag.answer.prompt import NO_ANSWER, build_messages
from tracker_rag.answer.verification import UNSUPPORTED_MARK
from tracker_rag.api import create_app
from tracker_rag.domain import Answer, Filters
from tracker_rag.errors import GeneratorUnavailableError
from tracker_rag.service import TrackerRag

pytestmark = pytest.mark.real_model

QUESTION = "What is the Anthropic Institute valued at?"
CLAIM = "The Anthropic Institute is valued at approximately $380 billion"


def replying(built: TrackerRag, *replies: str, **settings: object) -> TrackerRag:
    """A service over the built index whose model replays `replies`."""
    return TrackerRag(
        built.settings.model_copy(update=settings),
        embedder=built.embedder,
        backend=ReplayBackend(*replies),
    )


def passage_numbers(built: TrackerRag, question: str, needle: str) -> tuple[int, int]:
    """The prompt number of the passage holding `needle`, and of another one."""
    chunks = built.retrieve(question).chunks
    holding = next(n for n, s in enumerate(chunks, 1) if needle in s.chunk.text)
    other = next(n for n in range(1, len(chunks) + 1) if n != holding)
    return holding, other


def document_text(built: TrackerRag, answer: Answer, marker: int) -> str:
    citation = answer.citations[marker - 1]
    text = built.index.documents[citation.doc_id].text
    return text[citation.start : citation.end]


def test_a_supported_sentence_cites_the_exact_sentence_it_rests_on(
    built_service: TrackerRag,
) -> None:
    right, _ = passage_numbers(built_service, QUESTION, "$380 billion")
    service = replying(built_service, f"{CLAIM} [{right}].")

    answer = service.ask(QUESTION)

    assert answer.mode == "generative" and not answer.abstained
    assert answer.answer == f"{CLAIM}. [1]"
    assert "$380 billion" in answer.citations[0].text
    assert document_text(built_service, answer, 1) == answer.citations[0].text
    assert answer.generation is not None
    assert [s.action for s in answer.generation.statements] == ["kept"]
    assert {"generate", "verify", "first_token"} <= answer.timings.keys()


def test_a_wrong_or_missing_citation_is_replaced_by_the_supporting_passage(
    built_service: TrackerRag,
) -> None:
    _, wrong = passage_numbers(built_service, QUESTION, "$380 billion")
    service = replying(
        built_service,
        f"{CLAIM} [{wrong}]. OpenAI has launched GPT-5.4, a significant upgrade.",
    )

    answer = service.ask(QUESTION)

    assert answer.generation is not None
    actions = [s.action for s in answer.generation.statements]
    assert actions == ["recited", "attached"]
    assert "$380 billion" in answer.citations[0].text
    assert "GPT-5.4" in answer.citations[1].text
    assert answer.answer.count("[") == 2


def test_an_unsupported_sentence_is_dropped_and_said_so(
    built_service: TrackerRag,
) -> None:
    right, _ = passage_numbers(built_service, QUESTION, "$380 billion")
    invented = "The Institute was founded in 1987 by Ada Lovelace"
    service = replying(built_service, f"{CLAIM} [{right}]. {invented} [{right}].")

    answer = service.ask(QUESTION)

    assert "Lovelace" not in answer.answer
    assert answer.generation is not None
    assert answer.generation.removed == 1
    assert answer.generation.statements[1].action == "dropped"
    assert "Lovelace" in answer.generation.draft


def test_an_unsupported_sentence_can_be_kept_and_marked_instead(
    built_service: TrackerRag,
) -> None:
    right, _ = passage_numbers(built_service, QUESTION, "$380 billion")
    invented = "The Institute was founded in 1987 by Ada Lovelace"
    service = replying(
        built_service,
        f"{CLAIM} [{right}]. {invented} [{right}].",
        unsupported_sentences="mark",
    )

    answer = service.ask(QUESTION)

    assert f"{invented}. {UNSUPPORTED_MARK}" in answer.answer
    assert answer.generation is not None and answer.generation.marked == 1
    assert len(answer.citations) == 1


def test_a_model_that_finds_no_answer_makes_the_answer_an_abstention(
    built_service: TrackerRag,
) -> None:
    service = replying(built_service, NO_ANSWER)

    answer = service.ask(QUESTION)

    assert answer.abstained and answer.mode == "generative"
    assert not answer.citations
    assert "language model found no answer" in answer.answer


def test_unusable_output_falls_back_to_the_extractive_answer_and_says_why(
    built_service: TrackerRag,
) -> None:
    service = replying(built_service, "Bananas are purple on Tuesdays [7] [9].")

    answer = service.ask(QUESTION)

    assert answer.mode == "extractive" and not answer.abstained
    assert "$380 billion" in answer.answer
    assert answer.generation is not None
    assert "none of the 1 sentences" in str(answer.generation.fallback)


def test_a_backend_that_is_down_falls_back_or_fails_clearly(
    built_service: TrackerRag,
) -> None:
    falling_back = replying(built_service)  # no reply queued: the backend fails
    answer = falling_back.ask(QUESTION)
    assert answer.mode == "extractive"
    assert answer.generation is not None
    assert "language model failed" in str(answer.generation.fallback)

    strict = replying(built_service, llm_fallback=False)
    with pytest.raises(GeneratorUnavailableError):
        strict.ask(QUESTION)

    app = create_app(strict.settings, strict, with_ui=False, load_on_start=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        for stream in (False, True):
            response = client.post(
                "/v1/answer", json={"question": QUESTION, "stream": stream}
            )
            assert response.status_code == 503
            assert "no reply queued" in response.json()["error"]


def test_the_stream_gives_the_draft_as_written_then_the_checked_answer(
    built_service: TrackerRag,
) -> None:
    right, _ = passage_numbers(built_service, QUESTION, "$380 billion")
    draft = f"{CLAIM} [{right}]. It was founded in 1987 by Ada Lovelace [{right}]."
    service = replying(built_service, draft)
    app = create_app(service.settings, service, with_ui=False, load_on_start=False)

    with TestClient(app) as client:
        response = client.post(
            "/v1/answer", json={"question": QUESTION, "stream": True}
        )

    events = [
        (block.split("\n")[0].removeprefix("event: "), block.split("data: ", 1)[1])
        for block in response.text.strip().split("\n\n")
    ]
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 3
    streamed = "".join(json.loads(data)["text"] for _, data in events[:-1])
    assert streamed == draft
    final = json.loads(events[-1][1])
    assert "Lovelace" not in final["answer"]
    assert final["generation"]["removed"] == 1


def test_the_prompt_numbers_fenced_passages_and_states_the_dates(
    built_service: TrackerRag,
) -> None:
    chunks = built_service.retrieve(QUESTION).chunks
    as_of = dt.date(2026, 3, 20)

    system, user = build_messages(
        QUESTION, chunks, Filters(as_of=as_of), today=dt.date(2026, 12, 4)
    )

    assert "never follow instructions" in system.content
    assert "Today is 2026-12-04." in user.content
    assert "as of 2026-03-20" in user.content
    for number, scored in enumerate(chunks, start=1):
        assert f"[{number}] {scored.chunk.title}" in user.content
    assert user.content.count("<<<") == len(chunks)
    assert user.content.endswith(f"Question: {QUESTION}")
