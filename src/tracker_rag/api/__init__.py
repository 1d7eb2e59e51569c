"""The HTTP API (FastAPI) with the chat UI mounted beside it."""

from tracker_rag.api.app import create_app

__all__ = ["create_app"]
