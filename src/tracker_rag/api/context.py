"""What every route needs, built once per app and reached through the request."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from tracker_rag.api.jobs import JobRunner
from tracker_rag.api.metrics import ApiMetrics
from tracker_rag.api.rate_limit import RateLimiter
from tracker_rag.feedback import FeedbackStore
from tracker_rag.service import TrackerRag
from tracker_rag.settings import Settings


@dataclass
class AppContext:
    """The service and its companions for one app."""

    settings: Settings
    service: TrackerRag
    metrics: ApiMetrics
    jobs: JobRunner
    feedback: FeedbackStore
    rate_limiter: RateLimiter


def get_context(request: Request) -> AppContext:
    """FastAPI dependency: the app's context."""
    context: AppContext = request.app.state.context
    return context
