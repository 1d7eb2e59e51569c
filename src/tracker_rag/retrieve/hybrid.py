"""Hybrid retrieval: dense and keyword rankings fused under filters."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tracker_rag.domain import Filters, ScoredChunk
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.retrieve.dense import DenseRetriever
from tracker_rag.retrieve.fusion import fuse_rankings
from tracker_rag.retrieve.keyword import KeywordRetriever

logger = logging.getLogger(__name__)

RetrievalMode = Literal["hybrid", "dense", "keyword"]


@dataclass
class Retrieval:
    """The ranked chunks for one question, and what was searched."""

    chunks: list[ScoredChunk]
    chunks_in_scope: int
    query_vector: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


class HybridRetriever:
    """Fuse a dense and a keyword ranking with reciprocal rank fusion."""

    def __init__(
        self,
        embedder: SentenceEmbedder,
        dense: DenseRetriever,
        keyword: KeywordRetriever,
        catalog: ChunkCatalog,
        candidate_pool: int = 40,
        rrf_k: int = 60,
    ) -> None:
        self._embedder = embedder
        self._dense = dense
        self._keyword = keyword
        self._catalog = catalog
        self._candidate_pool = candidate_pool
        self._rrf_k = rrf_k

    def retrieve(
        self,
        question: str,
        filters: Filters,
        top_k: int,
        mode: RetrievalMode = "hybrid",
    ) -> Retrieval:
        """Return the `top_k` best chunks for a question within the filters."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        mask = self._catalog.mask(filters)
        in_scope = int(mask.sum())
        pool = max(self._candidate_pool, top_k)

        query_vector = self._embedder.embed_query(question)
        timings["embed_question"] = _elapsed_ms(started)

        dense_hits: list[tuple[str, float]] = []
        if mode != "keyword" and in_scope:
            step = time.perf_counter()
            dense_hits = self._dense.search(query_vector, filters, min(pool, in_scope))
            timings["dense"] = _elapsed_ms(step)
        keyword_hits: list[tuple[str, float]] = []
        if mode != "dense" and in_scope:
            step = time.perf_counter()
            keyword_hits = self._keyword.search(question, mask, pool)
            timings["keyword"] = _elapsed_ms(step)

        step = time.perf_counter()
        fused = fuse_rankings(
            [
                [chunk_id for chunk_id, _ in dense_hits],
                [chunk_id for chunk_id, _ in keyword_hits],
            ],
            k=self._rrf_k,
        )
        dense_by_id = {
            chunk_id: (rank, score)
            for rank, (chunk_id, score) in enumerate(dense_hits, 1)
        }
        keyword_by_id = {
            chunk_id: (rank, score)
            for rank, (chunk_id, score) in enumerate(keyword_hits, 1)
        }
        results: list[ScoredChunk] = []
        for chunk_id, score in fused:
            chunk = self._catalog.get(chunk_id)
            if chunk is None:
                logger.warning(
                    "skipped chunk %s: in Chroma but not in the catalog", chunk_id
                )
                continue
            dense_rank, dense_score = dense_by_id.get(chunk_id, (None, None))
            keyword_rank, keyword_score = keyword_by_id.get(chunk_id, (None, None))
            results.append(
                ScoredChunk(
                    chunk=chunk,
                    score=score,
                    dense_similarity=dense_score,
                    keyword_score=keyword_score,
                    dense_rank=dense_rank,
                    keyword_rank=keyword_rank,
                )
            )
            if len(results) == top_k:
                break
        timings["fusion"] = _elapsed_ms(step)
        logger.debug("retrieved %d of %d chunks in scope", len(results), in_scope)
        return Retrieval(results, in_scope, query_vector, timings)
