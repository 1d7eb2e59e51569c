"""Routes that answer: `/v1/answer`, `/v1/retrieve`, `/v1/feedback`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from tracker_rag.answer.answer_events import AnswerDelta, AnswerDone
from tracker_rag.api.auth import check_read_access
from tracker_rag.api.context import AppContext, get_context
from tracker_rag.api.errors import request_id_of
from tracker_rag.api.rate_limit import check_rate_limit
from tracker_rag.api.schemas import (
    AnswerRequest,
    FeedbackRequest,
    RetrievedChunk,
    RetrieveRequest,
    RetrieveResponse,
    error_responses,
)
from tracker_rag.api.streaming import answer_events
from tracker_rag.domain import Answer
from tracker_rag.feedback import FeedbackEntry, StoredFeedback

router = APIRouter(prefix="/v1", tags=["answers"])
Context = Annotated[AppContext, Depends(get_context)]
ROUTE = "/v1/answer"


def _event_schema(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event: its name and its JSON data (OpenAPI 3.1 style)."""
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": event},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
    }


_TEXT_PIECE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}},
}
_STREAM_ERROR = {
    "type": "object",
    "required": ["error", "request_id"],
    "properties": {"error": {"type": "string"}, "request_id": {"type": "string"}},
}
STREAMED_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer object, or with `stream` its server-sent events: "
        "`delta` pieces of text, then `done` with the answer object (or `error`).",
        "content": {
            "text/event-stream": {
                "schema": {
                    "oneOf": [
                        _event_schema("delta", _TEXT_PIECE),
                        _event_schema("done", {"$ref": "#/components/schemas/Answer"}),
                        _event_schema("error", _STREAM_ERROR),
                    ]
                }
            }
        },
    }
}


@router.post(
    "/answer",
    response_model=Answer,
    responses={
        **STREAMED_ANSWER,
        **error_responses(400, 401, 413, 422, 429, 500, 503),
    },
)
async def answer(body: AnswerRequest, request: Request, context: Context) -> object:
    """Answer a question with cited passages, or abstain and say what was searched.

    With `"stream": true` the response is `text/event-stream`: `delta` events
    carry pieces of the answer text as they are produced (a language model's
    reply before its check), and a final `done` event carries the whole answer
    object: the checked text that replaces the deltas, its citations, the
    record of each sentence's check and the timings. A failure after the stream
    has begun is an `error` event.

    Each client (its address, or the API key it sends) may ask a burst of
    questions, then a steady number a minute; past that the answer is a 429
    whose `Retry-After` header says how many seconds to wait.
    """
    check_rate_limit(
        request, context.settings, context.rate_limiter, context.metrics, ROUTE
    )
    check_read_access(request, context.settings)
    filters = body.filters.to_filters()
    if not body.stream:
        result = await run_in_threadpool(
            context.service.ask, body.question, filters, body.top_k
        )
        context.metrics.observe_answer(result.abstained)
        return result

    events = context.service.ask_events(body.question, filters, body.top_k)
    # The first event is taken before the response starts, so that bad input
    # and a model that is down still get their own status code.
    first = await run_in_threadpool(next, events)

    def all_events() -> Iterator[AnswerDelta | AnswerDone]:
        yield first
        yield from events

    return StreamingResponse(
        answer_events(
            all_events(),
            lambda answer: context.metrics.observe_answer(answer.abstained),
            request_id_of(request),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/retrieve",
    response_model=RetrieveResponse,
    responses=error_responses(400, 401, 413, 422, 500, 503),
)
async def retrieve(
    body: RetrieveRequest, request: Request, context: Context
) -> RetrieveResponse:
    """Rank the chunks for a question (dense, keyword or hybrid), without answering."""
    check_read_access(request, context.settings)
    retrieval = await run_in_threadpool(
        context.service.retrieve,
        body.question,
        body.filters.to_filters(),
        body.top_k,
        body.mode,
    )
    chunks = [
        RetrievedChunk(
            rank=rank,
            score=round(scored.score, 6),
            dense_similarity=scored.dense_similarity,
            keyword_score=scored.keyword_score,
            chunk_id=scored.chunk.chunk_id,
            doc_id=scored.chunk.doc_id,
            title=scored.chunk.title,
            section=scored.chunk.section,
            kind=scored.chunk.kind,
            topic=scored.chunk.topic,
            published=scored.chunk.published,
            updated=scored.chunk.updated,
            url=scored.chunk.url,
            start=scored.chunk.start,
            end=scored.chunk.end,
            text=scored.chunk.text,
        )
        for rank, scored in enumerate(retrieval.chunks, start=1)
    ]
    return RetrieveResponse(
        question=body.question.strip(),
        chunks_in_scope=retrieval.chunks_in_scope,
        chunks=chunks,
        timings=retrieval.timings,
    )


@router.post(
    "/feedback",
    response_model=StoredFeedback,
    status_code=201,
    responses=error_responses(400, 401, 413, 422, 500),
)
async def feedback(
    body: FeedbackRequest, request: Request, context: Context
) -> StoredFeedback:
    """Store a thumbs up or down on an answer, to be turned into eval cases."""
    check_read_access(request, context.settings)
    entry = FeedbackEntry(**body.model_dump())
    return await run_in_threadpool(context.feedback.add, entry)
