"""Dense retrieval: nearest chunk vectors in Chroma."""

from __future__ import annotations

import numpy as np

from tracker_rag.domain import Filters
from tracker_rag.index.chroma_store import ChromaStore
from tracker_rag.index.chunk_catalog import ChunkCatalog, chroma_where

_MAX_WIDENINGS = 4


class DenseRetriever:
    """Rank the committed chunks by cosine similarity to the question vector.

    Chroma may also hold records no commit owns yet (an ingest is writing the
    next version, or was killed before recovery ran): they are skipped, and
    the search widens until it has `limit` committed chunks or Chroma has no
    more to give.
    """

    def __init__(self, store: ChromaStore, catalog: ChunkCatalog) -> None:
        self._store = store
        self._catalog = catalog

    def search(
        self, query_vector: np.ndarray, filters: Filters, limit: int
    ) -> list[tuple[str, float]]:
        """Return (chunk id, similarity) pairs, best first."""
        where = chroma_where(filters)
        asked = limit
        for _ in range(_MAX_WIDENINGS):
            hits = self._store.query(query_vector, asked, where)
            committed = [hit for hit in hits if self._catalog.get(hit[0]) is not None]
            if len(committed) >= limit or len(hits) < asked:
                return committed[:limit]
            asked *= 4
        return committed[:limit]
