"""The Chroma collection that holds chunk vectors, text and metadata."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tracker_rag.domain import Chunk
from tracker_rag.errors import ModelMismatchError, StoreError
from tracker_rag.index.chroma_client import (
    collection_name,
    describe_location,
    open_client,
)
from tracker_rag.index.nodes import chunk_from_metadata

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from llama_index.core.schema import BaseNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from tracker_rag.index.embedder import SentenceEmbedder
    from tracker_rag.index.index_files import IndexPaths

logger = logging.getLogger(__name__)

_PAGE = 5000


class ChromaStore:
    """A Chroma collection, embedded or on a server, bound to one embedding model.

    The collection records the model that made its vectors; opening it with
    another model raises `ModelMismatchError` instead of mixing vectors. Every
    Chroma failure surfaces as `StoreError` naming where Chroma is.
    """

    def __init__(
        self,
        client: Any,
        name: str,
        where: str,
        model_name: str,
        model_fingerprint: str,
        dimension: int,
    ) -> None:
        self._client = client
        self.where = where
        self.collection: Collection = self._call(
            "open the collection",
            lambda: client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={
                    "embedding_model": model_name,
                    "model_fingerprint": model_fingerprint,
                    "dimension": dimension,
                },
            ),
        )
        recorded = self.collection.metadata or {}
        if recorded.get("model_fingerprint") != model_fingerprint:
            raise ModelMismatchError(
                f"the index in {where} holds vectors of the model "
                f"{recorded.get('embedding_model')!r} "
                f"({recorded.get('model_fingerprint')}), "
                f"but the configured model is {model_name!r} ({model_fingerprint}); "
                "rebuild it with `tracker-rag ingest --rebuild` "
                "or configure the old model"
            )
        self._batch_size = int(
            self._call("read its batch size", client.get_max_batch_size)
        )

    def _call(self, action: str, operation: Any) -> Any:
        try:
            return operation()
        except (ModelMismatchError, StoreError):
            raise
        except Exception as exc:  # chromadb raises many unrelated types
            raise StoreError(f"cannot {action} in {self.where}: {exc}") from exc

    def vector_store(self, defer_deletes: list[str] | None = None) -> ChromaVectorStore:
        """The collection seen as a llama-index vector store.

        Args:
            defer_deletes: When given, deleting a document's chunks only records
                its id here, so its old version stays until the new one is
                committed (see `IndexBuilder`).
        """
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = self

        class StagedChromaVectorStore(ChromaVectorStore):
            """Adds in slices Chroma accepts; deletes now or after the commit."""

            def add(self, nodes: Sequence[BaseNode], **add_kwargs: Any) -> list[str]:
                ids: list[str] = []
                for start in range(0, len(nodes), store._batch_size):
                    batch = list(nodes[start : start + store._batch_size])
                    ids += store._call(
                        "add chunks",
                        lambda b=batch: ChromaVectorStore.add(self, b, **add_kwargs),
                    )
                return ids

            def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
                if defer_deletes is not None:
                    defer_deletes.append(ref_doc_id)
                    return
                store._call(
                    "delete chunks",
                    lambda: ChromaVectorStore.delete(self, ref_doc_id),
                )

        # The pydantic plugin reads the parent's optional fields as required.
        return StagedChromaVectorStore(chroma_collection=self.collection)  # type: ignore[call-arg]

    def count(self) -> int:
        """Number of chunk records stored, committed or not."""
        return int(self._call("count chunks", self.collection.count))

    def query(
        self, vector: np.ndarray, limit: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """Return up to `limit` (chunk id, cosine similarity) pairs, best first."""
        if limit <= 0:
            return []
        result = self._call(
            "query chunks",
            lambda: self.collection.query(
                query_embeddings=[vector.tolist()],
                n_results=limit,
                where=where,
                include=["distances"],
            ),
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(ids, distances, strict=True)
        ]

    def record_ids(self) -> set[str]:
        """The id of every stored chunk record, committed or not."""
        ids: set[str] = set()
        for page in self._pages(include=[]):
            ids.update(page["ids"])
        return ids

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete chunk records by id, in slices Chroma accepts."""
        for start in range(0, len(ids), self._batch_size):
            batch = list(ids[start : start + self._batch_size])
            self._call("delete chunks", lambda b=batch: self.collection.delete(ids=b))

    def records(self, ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Yield stored records (id, text, metadata, vector) in the order of `ids`."""
        for start in range(0, len(ids), _PAGE):
            wanted = list(ids[start : start + _PAGE])
            page = self._call(
                "read chunks",
                lambda w=wanted: self.collection.get(
                    ids=w, include=["documents", "metadatas", "embeddings"]
                ),
            )
            by_id = {
                chunk_id: (text, metadata, vector)
                for chunk_id, text, metadata, vector in zip(
                    page["ids"],
                    page["documents"],
                    page["metadatas"],
                    page["embeddings"],
                    strict=True,
                )
            }
            for chunk_id in wanted:
                if chunk_id not in by_id:
                    raise StoreError(f"chunk {chunk_id} is missing from {self.where}")
                text, metadata, vector = by_id[chunk_id]
                yield {
                    "id": chunk_id,
                    "text": text,
                    "metadata": dict(metadata),
                    "vector": [float(value) for value in vector],
                }

    def upsert_records(self, records: Sequence[dict[str, Any]]) -> None:
        """Write (or overwrite) records, in slices Chroma accepts."""
        for start in range(0, len(records), self._batch_size):
            batch = records[start : start + self._batch_size]
            self._call(
                "write chunks",
                lambda b=batch: self.collection.upsert(
                    ids=[r["id"] for r in b],
                    documents=[r["text"] for r in b],
                    metadatas=[r["metadata"] for r in b],
                    embeddings=[r["vector"] for r in b],
                ),
            )

    def all_chunks(self) -> list[Chunk]:
        """Read every stored chunk (text and metadata, no vectors)."""
        chunks: list[Chunk] = []
        for page in self._pages(include=["documents", "metadatas"]):
            for chunk_id, text, metadata in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                chunks.append(chunk_from_metadata(chunk_id, text, dict(metadata)))
        return chunks

    def _pages(self, include: Any) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self._call(
                "read chunks",
                lambda o=offset: self.collection.get(
                    include=include, limit=_PAGE, offset=o
                ),
            )
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def drop(self) -> None:
        """Delete the whole collection."""
        name = self.collection.name
        self._call("drop the collection", lambda: self._client.delete_collection(name))


def open_chroma_store(
    paths: IndexPaths, embedder: SentenceEmbedder, chroma_url: str | None
) -> ChromaStore:
    """Open the index's Chroma collection for the configured embedding model."""
    client = open_client(chroma_url, paths.chroma)
    return ChromaStore(
        client,
        collection_name(paths.store, chroma_url),
        describe_location(chroma_url, paths.chroma),
        embedder.name,
        embedder.fingerprint,
        embedder.dimension,
    )


def drop_collection(paths: IndexPaths, chroma_url: str | None) -> None:
    """Delete the index's chunk collection, whatever model made it.

    Chroma caches open databases per path inside the process, so the collection
    is dropped through Chroma rather than by deleting its files.
    """
    if chroma_url is None and not paths.chroma.exists():
        return
    if chroma_url is not None and not paths.store.exists():
        return
    client = open_client(chroma_url, paths.chroma)
    name = collection_name(paths.store, chroma_url)
    try:
        existing = {collection.name for collection in client.list_collections()}
        if name in existing:
            client.delete_collection(name)
    except Exception as exc:
        where = describe_location(chroma_url, paths.chroma)
        raise StoreError(f"cannot drop the collection in {where}: {exc}") from exc
