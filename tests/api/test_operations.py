"""Health, readiness, metrics, and the mapping of every error to a status."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tracker_rag import errors
from tracker_rag.api import create_app
from tracker_rag.api.errors import STATUS_BY_ERROR
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.service import TrackerRag


def test_every_project_error_has_its_own_status() -> None:
    declared = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.TrackerRagError)
    }
    assert declared == {error_type for error_type, _ in STATUS_BY_ERROR}


def test_health_and_readiness_of_a_loaded_service(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True


def test_readiness_fails_until_there_is_an_index(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings, TrackerRag(settings, embedder=embedder), with_ui=False)
    with TestClient(app) as client:
        ready = client.get("/readyz")
        answer = client.post("/v1/answer", json={"question": "What is EVATok?"})
        alive = client.get("/healthz")
    assert ready.status_code == 503
    assert "no index" in ready.json()["reason"]
    assert answer.status_code == 503
    assert "tracker-rag ingest" in answer.json()["error"]
    assert alive.status_code == 200


def test_metrics_count_requests_answers_and_index_size(client: TestClient) -> None:
    client.post("/v1/answer", json={"question": "What is EVATok?"})
    client.post("/v1/answer", json={"question": "What is the melting point of tin?"})
    client.get("/v1/jobs/unknown")

    text = client.get("/metrics").text

    assert (
        'tracker_rag_http_requests_total{method="POST",route="/v1/answer",'
        'status="200"} 2.0' in text
    )
    assert 'route="/v1/jobs/{job_id}",status="404"' in text
    assert "tracker_rag_http_request_seconds_bucket" in text
    assert "tracker_rag_answers_total 2.0" in text
    assert "tracker_rag_abstentions_total 1.0" in text
    assert "tracker_rag_index_documents 1.0" in text
    chunks = next(
        line
        for line in text.splitlines()
        if line.startswith("tracker_rag_index_chunks ")
    )
    assert float(chunks.split()[1]) > 5


def test_openapi_document_describes_the_versioned_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/answer",
        "/v1/retrieve",
        "/v1/documents",
        "/v1/jobs/{job_id}",
        "/v1/feedback",
    } <= set(spec["paths"])
    assert "Answer a question" in spec["paths"]["/v1/answer"]["post"]["description"]
