"""`/v1/answer`, `/v1/retrieve`, `/v1/feedback` through FastAPI's test client."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ARTICLE_ID
from tracker_rag.feedback import FeedbackStore
from tracker_rag.service import TrackerRag

QUESTION = "What is the Anthropic Institute valued at?"


def parse_events(body: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_answer_returns_the_answer_object_with_citations(client: TestClient) -> None:
    response = client.post("/v1/answer", json={"question": QUESTION})

    body = response.json()
    assert response.status_code == 200
    assert body["abstained"] is False
    assert "$380 billion" in body["answer"]
    citation = body["citations"][0]
    assert citation["doc_id"] == ARTICLE_ID
    assert citation["updated"] == "2026-03-16"
    assert citation["end"] - citation["start"] == len(citation["text"])
    assert set(body["timings"]) >= {
        "embed_question",
        "dense",
        "keyword",
        "answer",
        "total",
    }
    assert response.headers["X-Request-ID"]


def test_answer_abstains_on_questions_outside_the_corpus(client: TestClient) -> None:
    body = client.post(
        "/v1/answer", json={"question": "What is the boiling point of ethanol?"}
    ).json()
    assert body["abstained"] is True
    assert body["citations"] == []
    assert "does not answer" in body["answer"]


def test_streamed_answer_sends_text_then_the_whole_answer_last(
    client: TestClient,
) -> None:
    response = client.post(
        "/v1/answer",
        json={
            "question": "Which Claude models can malicious actors replicate?",
            "stream": True,
        },
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) >= 2
    final = events[-1][1]
    assert "".join(str(data["text"]) for _, data in events[:-1]) == final["answer"]
    assert final["citations"] and final["timings"]


def test_retrieve_ranks_chunks_without_answering(client: TestClient) -> None:
    response = client.post(
        "/v1/retrieve",
        json={"question": "glass substrate chips", "top_k": 4, "mode": "keyword"},
    )

    body = response.json()
    assert response.status_code == 200
    assert "answer" not in body
    assert [chunk["rank"] for chunk in body["chunks"]] == list(
        range(1, len(body["chunks"]) + 1)
    )
    assert len(body["chunks"]) <= 4
    assert "glass substrate" in body["chunks"][0]["text"]
    assert body["chunks"][0]["keyword_score"] > 0


@pytest.mark.parametrize(
    ("payload", "status", "field", "words"),
    [
        ({"question": ""}, 422, "question", "empty"),
        ({"question": "   \n"}, 422, "question", "empty"),
        ({"question": "x" * 1001}, 422, None, "over the limit"),
        ({}, 422, "question", "required"),
        (
            {"question": "Who?", "filters": {"colour": "red"}},
            422,
            "filters.colour",
            "unknown",
        ),
        (
            {"question": "Who?", "filters": {"as_of": "16/03/2026"}},
            422,
            "filters.as_of",
            "date",
        ),
        (
            {"question": "Who?", "filters": {"kind": "blog"}},
            422,
            "filters.kind",
            "article",
        ),
        (
            {"question": "Who?", "filters": {"topic": "Cooking"}},
            422,
            None,
            "unknown topic",
        ),
        ({"question": "Who?", "top_k": 0}, 422, "top_k", "greater than or equal to 1"),
        ({"question": "Who?", "top_k": 51}, 422, "top_k", "less than or equal to 50"),
        ({"question": "Who?", "surprise": True}, 422, "surprise", "unknown"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    client: TestClient,
    payload: dict[str, object],
    status: int,
    field: str | None,
    words: str,
) -> None:
    response = client.post("/v1/answer", json=payload)

    body = response.json()
    assert response.status_code == status
    assert body["field"] == field
    assert words in body["error"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_a_failure_inside_the_service_is_a_500_with_a_request_id_and_no_traceback(
    client: TestClient,
    service: TrackerRag,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service, "ask", broken)
    with caplog.at_level(logging.INFO):
        response = client.post("/v1/answer", json={"question": QUESTION})

    body = response.json()
    assert response.status_code == 500
    assert "disk on fire" not in response.text and "Traceback" not in response.text
    assert body["request_id"] in caplog.text
    assert "disk on fire" in caplog.text


def test_each_request_is_logged_once_without_the_question(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = client.post("/v1/answer", json={"question": QUESTION})

    lines = [
        r.getMessage() for r in caplog.records if r.name == "tracker_rag.api.requests"
    ]
    assert len(lines) == 1
    assert lines[0].startswith("POST /v1/answer 200 ")
    assert f"request_id={response.headers['X-Request-ID']}" in lines[0]
    info_text = " ".join(
        r.getMessage() for r in caplog.records if r.levelno >= logging.INFO
    )
    assert QUESTION not in info_text


def test_feedback_is_stored(client: TestClient, api_root: Path) -> None:
    answer = client.post("/v1/answer", json={"question": QUESTION}).json()

    response = client.post(
        "/v1/feedback",
        json={
            "vote": "down",
            "question": answer["question"],
            "answer": answer["answer"],
            "citations": answer["citations"],
            "comment": "too long",
        },
    )

    assert response.status_code == 201
    stored = FeedbackStore(api_root / "data" / "feedback.sqlite3").all()
    assert stored[-1].vote == "down"
    assert stored[-1].question == QUESTION
    assert stored[-1].citations[0]["doc_id"] == ARTICLE_ID


def test_feedback_with_an_unknown_vote_is_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/feedback", json={"vote": "meh", "question": "q", "answer": "a"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "vote"
