"""Build the FastAPI app: the /v1 API, operations routes and the chat UI."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

from tracker_rag import __version__
from tracker_rag.api import answer_routes, document_routes, health_routes
from tracker_rag.api.body_limit import BodyLimits, BodySizeLimit
from tracker_rag.api.context import AppContext
from tracker_rag.api.errors import install_error_handlers
from tracker_rag.api.job_store import JobStore
from tracker_rag.api.jobs import JobRunner
from tracker_rag.api.metrics import ApiMetrics
from tracker_rag.api.middleware import install_request_middleware
from tracker_rag.api.rate_limit import RateLimiter
from tracker_rag.errors import TrackerRagError
from tracker_rag.feedback import FeedbackStore
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings

logger = logging.getLogger(__name__)

UI_PATH = "/ui"
UPLOAD_LOCK_WAIT_SECONDS = 300.0


def _load_in_background(service: TrackerRag) -> None:
    def load() -> None:
        try:
            service.load()
        except TrackerRagError as exc:
            logger.warning("index not loaded: %s", exc)

    threading.Thread(target=load, name="load-index", daemon=True).start()


def _install_cors(app: FastAPI, settings: Settings) -> None:
    """Let the configured browser origins call the API; no CORS at all otherwise."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )


def create_app(
    settings: Settings | None = None,
    service: TrackerRag | None = None,
    with_ui: bool = True,
    load_on_start: bool = True,
    rate_limiter: RateLimiter | None = None,
) -> FastAPI:
    """The app serving the API under /v1 and the chat UI under /ui.

    Middleware, outermost first: request id, log line and metrics; CORS (only
    when origins are configured); the request body limits.
    """
    settings = settings or Settings()
    service = service or TrackerRag(settings)
    metrics = ApiMetrics()
    context = AppContext(
        settings=settings,
        service=service,
        metrics=metrics,
        # An upload waits for an ingest another worker or the CLI is running.
        jobs=JobRunner(
            lambda: service.ingest(wait_for_lock=UPLOAD_LOCK_WAIT_SECONDS),
            JobStore(settings.data_dir / "jobs.sqlite3"),
        ),
        feedback=FeedbackStore(settings.data_dir / "feedback.sqlite3"),
        rate_limiter=rate_limiter or RateLimiter.from_settings(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if load_on_start:
            _load_in_background(service)
        yield
        context.jobs.shutdown()

    app = FastAPI(
        title="Tracker RAG",
        version=__version__,
        description="Answers about the LLM Insight Tracker, with exact citations.",
        lifespan=lifespan,
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limits=BodyLimits.from_settings(settings))
    _install_cors(app, settings)
    install_request_middleware(app, metrics)
    app.include_router(answer_routes.router)
    app.include_router(document_routes.router)
    app.include_router(health_routes.router)

    @app.get("/", include_in_schema=False)
    def _home() -> RedirectResponse:
        return RedirectResponse(f"{UI_PATH}/")

    if with_ui:
        from tracker_rag.ui.chat import mount_chat_ui

        mount_chat_ui(app, context, UI_PATH)
    return app
