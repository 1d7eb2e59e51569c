"""The API keeps the promises of its own OpenAPI document, for generated input.

Schemathesis reads `/openapi.json` from the real app (real model, real index of
a private corpus copy, so generated uploads and deletes touch nothing else) and
sends each operation generated requests: none may end in a 5xx, and every
response must have a declared status, content type, headers and body schema.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_settings
from tracker_rag.api import create_app
from tracker_rag.service import TrackerRag

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

EXPECTED_OPERATIONS = {
    "POST /v1/answer",
    "POST /v1/retrieve",
    "POST /v1/feedback",
    "GET /v1/documents",
    "POST /v1/documents",
    "GET /v1/documents/{doc_id}",
    "DELETE /v1/documents/{doc_id}",
    "GET /v1/jobs/{job_id}",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
}


def served_document() -> dict[str, Any]:
    """The OpenAPI document the app serves; it depends on no setting or index."""
    with tempfile.TemporaryDirectory() as root:
        app = create_app(make_settings(Path(root)), with_ui=False, load_on_start=False)
        return app.openapi()


# Loaded when the module is collected, so the document must be cheap to build;
# the requests go to the real app of the fixture below.
schema = schemathesis.openapi.from_dict(served_document())


@pytest.fixture(scope="module")
def fuzzed_app(api_root: Path, service: TrackerRag) -> Iterator[FastAPI]:
    """The real app over this module's own index, with no rate limit."""
    app = create_app(
        make_settings(api_root, rate_limit_per_minute=0),
        service,
        with_ui=False,
        load_on_start=False,
    )
    yield app
    app.state.context.jobs.shutdown()


def test_the_fuzzed_document_is_the_one_served_with_every_route(
    fuzzed_app: FastAPI,
) -> None:
    with TestClient(fuzzed_app) as client:
        served = client.get("/openapi.json").json()
    operations = {result.ok().label for result in schema.get_all_operations()}

    assert served == schema.raw_schema
    assert operations == EXPECTED_OPERATIONS


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_generated_requests_get_declared_responses(
    case: schemathesis.Case, fuzzed_app: FastAPI
) -> None:
    case.call_and_validate(checks=CHECKS, app=fuzzed_app)
