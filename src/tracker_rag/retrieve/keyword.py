"""Keyword retrieval: BM25 over the chunk catalog."""

from __future__ import annotations

import numpy as np

from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.keyword_index import KeywordIndex


class KeywordRetriever:
    """Rank chunks by BM25 score of the question's terms."""

    def __init__(self, index: KeywordIndex, catalog: ChunkCatalog) -> None:
        self._index = index
        self._catalog = catalog

    def search(
        self, question: str, mask: np.ndarray, limit: int
    ) -> list[tuple[str, float]]:
        """Return (chunk id, BM25 score) pairs, best first, within the mask."""
        hits = self._index.search(question, limit, mask)
        return [
            (self._catalog.chunks[position].chunk_id, score) for position, score in hits
        ]
