"""The Chroma collection that holds chunk vectors, text and metadata."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tracker_rag.domain import Chunk
from tracker_rag.errors import ModelMismatchError, StoreError
from tracker_rag.index.nodes import chunk_from_metadata

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from llama_index.core.schema import BaseNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from tracker_rag.index.embedder import SentenceEmbedder
    from tracker_rag.index.index_files import IndexPaths

logger = logging.getLogger(__name__)

COLLECTION_NAME = "tracker-chunks"
_GET_PAGE = 5000


class ChromaStore:
    """A persistent embedded Chroma collection bound to one embedding model.

    The collection records the model that made its vectors; opening it with
    another model raises `ModelMismatchError` instead of mixing vectors.
    """

    def __init__(
        self, path: Path, model_name: str, model_fingerprint: str, dimension: int
    ):
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._client = _client(path)
            self.collection: Collection = self._client.get_or_create_collection(
                COLLECTION_NAME,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={
                    "embedding_model": model_name,
                    "model_fingerprint": model_fingerprint,
                    "dimension": dimension,
                },
            )
        except Exception as exc:  # chromadb raises many unrelated types
            raise StoreError(f"cannot open the Chroma index at {path}: {exc}") from exc
        recorded = self.collection.metadata or {}
        if recorded.get("model_fingerprint") != model_fingerprint:
            raise ModelMismatchError(
                f"the index at {path} holds vectors of the model "
                f"{recorded.get('embedding_model')!r} "
                f"({recorded.get('model_fingerprint')}), "
                f"but the configured model is {model_name!r} ({model_fingerprint}); "
                "rebuild it with `tracker-rag ingest --rebuild` "
                "or configure the old model"
            )
        self.path = path

    def vector_store(self) -> ChromaVectorStore:
        """The collection seen as a llama-index vector store."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        batch_size = int(self._client.get_max_batch_size())

        class BatchedChromaVectorStore(ChromaVectorStore):
            """Adds in slices that the Chroma server accepts.

            llama-index slices at Chroma's largest possible batch, which is
            larger than an embedded Chroma takes (5,461 chunks here).
            """

            def add(self, nodes: Sequence[BaseNode], **add_kwargs: Any) -> list[str]:
                ids: list[str] = []
                for start in range(0, len(nodes), batch_size):
                    ids += super().add(
                        list(nodes[start : start + batch_size]), **add_kwargs
                    )
                return ids

        # The pydantic plugin reads the parent's optional fields as required.
        return BatchedChromaVectorStore(chroma_collection=self.collection)  # type: ignore[call-arg]

    def count(self) -> int:
        """Number of chunks stored."""
        return int(self.collection.count())

    def query(
        self, vector: np.ndarray, limit: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """Return up to `limit` (chunk id, cosine similarity) pairs, best first."""
        if limit <= 0:
            return []
        try:
            result = self.collection.query(
                query_embeddings=[vector.tolist()],
                n_results=limit,
                where=where,
                include=["distances"],
            )
        except Exception as exc:
            raise StoreError(f"Chroma query failed: {exc}") from exc
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(ids, distances, strict=True)
        ]

    def all_chunks(self) -> list[Chunk]:
        """Read every stored chunk (text and metadata, no vectors)."""
        chunks: list[Chunk] = []
        offset = 0
        while True:
            page = self.collection.get(
                include=["documents", "metadatas"], limit=_GET_PAGE, offset=offset
            )
            documents = page["documents"] or []
            metadatas = page["metadatas"] or []
            for chunk_id, text, metadata in zip(
                page["ids"], documents, metadatas, strict=True
            ):
                chunks.append(chunk_from_metadata(chunk_id, text, dict(metadata)))
            if len(page["ids"]) < _GET_PAGE:
                return chunks
            offset += _GET_PAGE


def _client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )


def drop_collection(path: Path) -> None:
    """Delete the chunk collection, whatever model made it.

    Chroma caches open databases per path inside the process, so the collection
    is dropped through Chroma rather than by deleting its files.
    """
    if not path.exists():
        return
    client = _client(path)
    if COLLECTION_NAME in {collection.name for collection in client.list_collections()}:
        client.delete_collection(COLLECTION_NAME)


def open_chroma_store(paths: IndexPaths, embedder: SentenceEmbedder) -> ChromaStore:
    """Open the index's Chroma collection for the configured embedding model."""
    return ChromaStore(
        paths.chroma, embedder.name, embedder.fingerprint, embedder.dimension
    )
