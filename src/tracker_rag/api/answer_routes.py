"""Routes that answer: `/v1/answer`, `/v1/retrieve`, `/v1/feedback`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from tracker_rag.api.auth import check_read_access
from tracker_rag.api.context import AppContext, get_context
from tracker_rag.api.schemas import (
    AnswerRequest,
    FeedbackRequest,
    RetrievedChunk,
    RetrieveRequest,
    RetrieveResponse,
)
from tracker_rag.api.streaming import answer_events
from tracker_rag.domain import Answer
from tracker_rag.feedback import FeedbackEntry, StoredFeedback

router = APIRouter(prefix="/v1", tags=["answers"])
Context = Annotated[AppContext, Depends(get_context)]


@router.post("/answer", response_model=Answer)
async def answer(body: AnswerRequest, request: Request, context: Context) -> object:
    """Answer a question with cited passages, or abstain and say what was searched.

    With `"stream": true` the response is `text/event-stream`: `delta` events
    carry pieces of the answer text as they are produced, and a final `done`
    event carries the whole answer object with its citations and timings.
    """
    check_read_access(request, context.settings)
    result = await run_in_threadpool(
        context.service.ask, body.question, body.filters.to_filters(), body.top_k
    )
    context.metrics.observe_answer(result.abstained)
    if body.stream:
        return StreamingResponse(
            answer_events(result),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return result


@router.post("/retrieve", response_model=RetrieveResponse)
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


@router.post("/feedback", response_model=StoredFeedback, status_code=201)
async def feedback(
    body: FeedbackRequest, request: Request, context: Context
) -> StoredFeedback:
    """Store a thumbs up or down on an answer, to be turned into eval cases."""
    check_read_access(request, context.settings)
    entry = FeedbackEntry(**body.model_dump())
    return await run_in_threadpool(context.feedback.add, entry)
