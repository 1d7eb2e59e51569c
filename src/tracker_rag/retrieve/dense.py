"""Dense retrieval: nearest chunk vectors in Chroma."""

from __future__ import annotations

import numpy as np

from tracker_rag.domain import Filters
from tracker_rag.index.chroma_store import ChromaStore
from tracker_rag.index.chunk_catalog import chroma_where


class DenseRetriever:
    """Rank chunks by cosine similarity to the question vector."""

    def __init__(self, store: ChromaStore) -> None:
        self._store = store

    def search(
        self, query_vector: np.ndarray, filters: Filters, limit: int
    ) -> list[tuple[str, float]]:
        """Return (chunk id, similarity) pairs, best first."""
        return self._store.query(query_vector, limit, chroma_where(filters))
