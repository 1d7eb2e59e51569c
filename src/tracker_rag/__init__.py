"""Tracker RAG: question answering with exact citations over the LLM Insight Tracker."""

from tracker_rag.errors import TrackerRagError
from tracker_rag.settings import Settings

__all__ = ["Settings", "TrackerRagError"]
__version__ = "0.1.0"
