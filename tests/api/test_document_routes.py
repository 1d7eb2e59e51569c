"""Documents, uploads, deletes and jobs through FastAPI's test client."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tests.conftest import ARTICLE_ID
from tracker_rag.api import create_app
from tracker_rag.service import TrackerRag

NOTE = b"""---
id: sovereign-compute-note
kind: source
title: Sovereign compute in the Gulf
published: 2026-02-20
url: https://example.org/gulf-compute
---
# Sovereign compute in the Gulf

A Gulf investment fund committed 4.2 billion dollars to a desert data centre
campus in February.
"""


def wait_for_job(client: TestClient, job_id: str) -> dict[str, object]:
    client.app.state.context.jobs.wait(job_id, timeout=120)  # type: ignore[attr-defined]
    body: dict[str, object] = client.get(f"/v1/jobs/{job_id}").json()
    return body


def test_documents_are_listed_by_page_and_filter(client: TestClient) -> None:
    page = client.get("/v1/documents", params={"limit": 1}).json()
    assert page["total"] >= 1 and len(page["documents"]) == 1
    assert client.get("/v1/documents", params={"kind": "article"}).json()["total"] >= 1
    old = client.get("/v1/documents", params={"as_of": "2020-01-01"}).json()
    assert old["total"] == 0 and old["documents"] == []


def test_document_detail_holds_the_text_that_citations_point_into(
    client: TestClient,
) -> None:
    document = client.get(f"/v1/documents/{ARTICLE_ID}").json()
    answer = client.post(
        "/v1/answer", json={"question": "What do glass substrate AI chips promise?"}
    ).json()

    citation = answer["citations"][0]
    assert document["text"][citation["start"] : citation["end"]] == citation["text"]
    assert document["chunks"] > 5
    assert document["topic"] == "Frontier Labs, Deals and AI Geopolitics"


def test_unknown_document_is_404(client: TestClient) -> None:
    response = client.get("/v1/documents/no-such-thing")
    assert response.status_code == 404
    assert "no-such-thing" in response.json()["error"]


def test_upload_is_ingested_in_the_background_and_then_answered(
    client: TestClient, api_root: Path
) -> None:
    response = client.post(
        "/v1/documents", files=[("files", ("gulf-compute.md", NOTE, "text/markdown"))]
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "running", "succeeded")
    assert job["files"] == ["sources/gulf-compute.md"]

    # Questions keep being answered while the job runs.
    answers: list[int] = []
    asker = threading.Thread(
        target=lambda: answers.extend(
            client.post("/v1/answer", json={"question": "What is EVATok?"}).status_code
            for _ in range(3)
        )
    )
    asker.start()
    finished = wait_for_job(client, job["id"])
    asker.join()

    assert answers == [200, 200, 200]
    assert finished["status"] == "succeeded"
    assert finished["added"] == ["sovereign-compute-note"]
    assert (api_root / "corpus" / "sources" / "gulf-compute.md").read_bytes() == NOTE
    answer = client.post(
        "/v1/answer",
        json={"question": "How much did the Gulf fund commit to the data centre?"},
    ).json()
    assert "4.2 billion" in answer["answer"]

    deleted = client.delete("/v1/documents/sovereign-compute-note")
    assert deleted.status_code == 202
    assert wait_for_job(client, deleted.json()["id"])["removed"] == [
        "sovereign-compute-note"
    ]
    assert client.get("/v1/documents/sovereign-compute-note").status_code == 404
    assert not (api_root / "corpus" / "sources" / "gulf-compute.md").exists()


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("../escape.md", 400, "plain name"),
        ("/etc/escape.md", 400, "plain name"),
        ("..\\escape.md", 400, "plain name"),
        ("notes/inner.md", 400, "plain name"),
        (".hidden.md", 400, "plain name"),
        ("tool.exe", 415, "not a supported type"),
    ],
)
def test_bad_upload_names_and_types_are_refused_and_nothing_is_written(
    client: TestClient, api_root: Path, name: str, status: int, words: str
) -> None:
    before = sorted(p for p in api_root.rglob("*") if p.is_file())
    response = client.post(
        "/v1/documents", files=[("files", (name, b"text", "text/plain"))]
    )

    assert response.status_code == status
    assert words in response.json()["error"]
    assert response.json()["field"] == "files"
    assert sorted(p for p in api_root.rglob("*") if p.is_file()) == before


def test_upload_over_the_size_limit_is_413(api_root: Path, service: TrackerRag) -> None:
    app = create_app(
        make_settings(api_root, max_upload_bytes=100),
        service,
        with_ui=False,
        load_on_start=False,
    )
    with TestClient(app) as client:
        response = client.post(
            "/v1/documents", files=[("files", ("big.txt", b"x" * 101, "text/plain"))]
        )
    assert response.status_code == 413
    assert not (api_root / "corpus" / "sources" / "big.txt").exists()


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get("/v1/jobs/0123").status_code == 404


def test_writes_need_the_api_key_when_one_is_set(
    api_root: Path, service: TrackerRag
) -> None:
    settings = make_settings(api_root, api_key="s3cret-key")
    app = create_app(settings, service, with_ui=False, load_on_start=False)
    with TestClient(app) as client:
        missing = client.delete("/v1/documents/whatever")
        wrong = client.delete(
            "/v1/documents/whatever", headers={"Authorization": "Bearer nope"}
        )
        right = client.delete(
            "/v1/documents/whatever", headers={"Authorization": "Bearer s3cret-key"}
        )
        read = client.post("/v1/answer", json={"question": "What is EVATok?"})
    assert missing.status_code == wrong.status_code == 401
    assert right.status_code == 404  # authorised, and then the id is unknown
    assert read.status_code == 200


def test_reads_can_be_closed_too(api_root: Path, service: TrackerRag) -> None:
    settings = make_settings(api_root, api_key="s3cret-key", reads_need_key=True)
    app = create_app(settings, service, with_ui=False, load_on_start=False)
    with TestClient(app) as client:
        closed = client.post("/v1/answer", json={"question": "What is EVATok?"})
        opened = client.post(
            "/v1/answer",
            json={"question": "What is EVATok?"},
            headers={"Authorization": "Bearer s3cret-key"},
        )
    assert closed.status_code == 401
    assert opened.status_code == 200


def test_without_a_key_writes_come_only_from_loopback(
    api_root: Path, service: TrackerRag
) -> None:
    app = create_app(
        make_settings(api_root), service, with_ui=False, load_on_start=False
    )
    with TestClient(app, client=("203.0.113.9", 40000)) as client:
        response = client.post(
            "/v1/documents",
            files=[("files", ("n.md", b"Title\n\nText.", "text/markdown"))],
        )
        read = client.get("/v1/documents")
    assert response.status_code == 403
    assert "loopback" in response.json()["error"]
    assert read.status_code == 200
