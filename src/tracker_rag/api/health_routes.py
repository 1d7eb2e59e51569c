"""Liveness, readiness and metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from tracker_rag.api.context import AppContext, get_context
from tracker_rag.api.schemas import ReadyStatus

router = APIRouter(tags=["operations"])
Context = Annotated[AppContext, Depends(get_context)]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "alive"}


@router.get(
    "/readyz",
    response_model=ReadyStatus,
    responses={503: {"model": ReadyStatus, "description": "Not ready yet."}},
)
def readyz(context: Context) -> JSONResponse:
    """The model and the index are loaded: questions can be answered (else 503)."""
    ready, reason = context.service.is_ready()
    status = ReadyStatus(ready=ready, reason=reason)
    return JSONResponse(status.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(context: Context) -> Response:
    """Prometheus metrics: requests and latency per route, answers, index size."""
    documents = chunks = 0
    if context.service.is_ready()[0]:
        index = context.service.index
        documents, chunks = len(index.documents), len(index.catalog)
    return Response(
        context.metrics.render(documents, chunks),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )
