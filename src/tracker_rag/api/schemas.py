"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tracker_rag.domain import DocumentKind, DocumentSummary, Filters
from tracker_rag.feedback import FeedbackEntry

MAX_TOP_K = 50


class FilterInput(BaseModel):
    """Filters a caller may set; any other key is an error."""

    model_config = ConfigDict(extra="forbid")

    topic: str | None = Field(
        None, max_length=300, description="Topic, any letter case."
    )
    kind: DocumentKind | None = None
    as_of: dt.date | None = Field(
        None, description="Only documents dated on or before this (YYYY-MM-DD)."
    )

    def to_filters(self) -> Filters:
        """The domain filters."""
        return Filters(topic=self.topic, kind=self.kind, as_of=self.as_of)


class QuestionInput(BaseModel):
    """A question with optional filters and depth."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, 1 to 1000 characters.")
    filters: FilterInput = Field(default_factory=FilterInput)
    top_k: int | None = Field(
        None, ge=1, le=MAX_TOP_K, description="Chunks to draw on (1 to 50)."
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must not be empty or only white space")
        return value


class AnswerRequest(QuestionInput):
    """`POST /v1/answer`."""

    stream: bool = Field(False, description="Stream server-sent events.")


class RetrieveRequest(QuestionInput):
    """`POST /v1/retrieve`."""

    mode: Literal["hybrid", "dense", "keyword"] = "hybrid"


class RetrievedChunk(BaseModel):
    """A ranked chunk and the scores that placed it."""

    rank: int
    score: float
    dense_similarity: float | None
    keyword_score: float | None
    chunk_id: str
    doc_id: str
    title: str
    section: str
    kind: DocumentKind
    topic: str | None
    published: dt.date | None
    updated: dt.date | None
    url: str | None
    start: int
    end: int
    text: str


class RetrieveResponse(BaseModel):
    """`POST /v1/retrieve`: ranked chunks, no answer."""

    question: str
    chunks_in_scope: int
    chunks: list[RetrievedChunk]
    timings: dict[str, float]


class DocumentPage(BaseModel):
    """`GET /v1/documents`: one page of documents."""

    total: int
    offset: int
    limit: int
    documents: list[DocumentSummary]


JobStatusName = Literal["queued", "running", "succeeded", "failed"]


class JobStatus(BaseModel):
    """A background ingestion job."""

    id: str
    action: Literal["upload", "delete"]
    status: JobStatusName
    files: list[str] = Field(default_factory=list)
    created: dt.datetime
    finished: dt.datetime | None = None
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    failures: list[dict[str, str]] = Field(default_factory=list)
    error: str | None = None


class FeedbackRequest(FeedbackEntry):
    """`POST /v1/feedback`."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every error response."""

    error: str = Field(description="What is wrong, naming the input at fault.")
    field: str | None = Field(None, description="The request field at fault, if one.")
    request_id: str


class ReadyStatus(BaseModel):
    """`GET /readyz`: whether questions can be answered, and if not, why."""

    ready: bool
    reason: str


ERROR_MEANINGS: dict[int, str] = {
    400: "The request cannot be used: a bad folder, file name or body.",
    401: "A valid API key is required: send `Authorization: Bearer <key>`.",
    403: "Writes are accepted only from loopback until an API key is set.",
    404: "No document or job has this id.",
    413: "The request body, or an uploaded file, is over its limit.",
    415: "An uploaded file of a type the loaders cannot read.",
    422: "A field is invalid; `field` names it.",
    429: "Too many requests from this client; retry after `Retry-After` seconds.",
    500: "An internal error; quote the request id when reporting it.",
    503: "The index is not loaded, or the language model is down.",
}

_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to use: `Bearer`.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the client may ask again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a route's error statuses, all with the error body."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "model": ErrorBody,
            "description": ERROR_MEANINGS[status],
        }
        if status in _ERROR_HEADERS:
            entry["headers"] = _ERROR_HEADERS[status]
        responses[status] = entry
    return responses
