"""Per-request bookkeeping: an id, one log line, metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from tracker_rag.api.metrics import ApiMetrics

logger = logging.getLogger("tracker_rag.api.requests")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def route_label(request: Request) -> str:
    """The route template (`/v1/jobs/{job_id}`), never the raw path with ids.

    Read after the request was routed; a route inside a mounted app (the UI) is
    named with its mount prefix.
    """
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if not path:
        return "unmatched"
    app_root = request.scope.get("app_root_path") or request.scope.get("root_path", "")
    return f"{app_root}{path}"


def install_request_middleware(app: FastAPI, metrics: ApiMetrics) -> None:
    """Give each request an id, log it once at INFO and count it."""

    @app.middleware("http")
    async def _bookkeeping(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        offered = request.headers.get("x-request-id", "")
        request_id = offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - started
            route = route_label(request)
            metrics.observe_request(route, request.method, status, seconds)
            logger.info(
                "%s %s %d %.1f ms request_id=%s",
                request.method,
                route,
                status,
                seconds * 1000,
                request_id,
            )
