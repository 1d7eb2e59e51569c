"""The app factory each of several uvicorn worker processes imports.

Workers are started fresh (not forked), so each builds its own settings from
the environment, its own service and its own loaded index; they share the
index folder and, for scale-out, one Chroma server. Each notices a commit by
another worker or an ingest run elsewhere and reloads (see `TrackerRag.index`).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from tracker_rag.api.app import create_app
from tracker_rag.settings import Settings


def create_worker_app() -> FastAPI:
    """Build one worker's app from the settings in the environment."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("tracker_rag").setLevel(logging.INFO)
    return create_app(Settings())
