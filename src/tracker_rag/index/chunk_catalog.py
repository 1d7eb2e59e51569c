"""All chunks of the index in memory, with arrays for fast filtering."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tracker_rag.dates import date_as_int
from tracker_rag.domain import Chunk, Filters
from tracker_rag.index.nodes import chunk_from_metadata, chunk_metadata
from tracker_rag.storage import write_atomically


class ChunkCatalog:
    """The chunk table: lookup by id and filter masks over every chunk."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = list(chunks)
        self.position = {
            chunk.chunk_id: index for index, chunk in enumerate(self.chunks)
        }
        self._kinds = np.array([chunk.kind for chunk in self.chunks], dtype=object)
        self._topics = np.array(
            [(chunk.topic or "").lower() for chunk in self.chunks], dtype=object
        )
        self._dates = np.array(
            [
                date_as_int(chunk.version_date) if chunk.version_date else 0
                for chunk in self.chunks
            ],
            dtype=np.int64,
        )

    def __len__(self) -> int:
        return len(self.chunks)

    def get(self, chunk_id: str) -> Chunk | None:
        """The chunk with this id, if the catalog holds it."""
        index = self.position.get(chunk_id)
        return None if index is None else self.chunks[index]

    def topics(self) -> list[str]:
        """The distinct topics, as written in the documents."""
        return sorted({chunk.topic for chunk in self.chunks if chunk.topic})

    def mask(self, filters: Filters) -> np.ndarray:
        """A boolean array: which chunks the filters let through."""
        keep = np.ones(len(self.chunks), dtype=bool)
        if filters.kind:
            keep &= self._kinds == filters.kind
        if filters.topic:
            keep &= self._topics == filters.topic.lower()
        if filters.as_of:
            keep &= (self._dates > 0) & (self._dates <= date_as_int(filters.as_of))
        return keep

    def save(self, path: Path) -> None:
        """Write the catalog as JSON lines."""
        lines = (
            json.dumps(
                {"id": c.chunk_id, "text": c.text, "meta": chunk_metadata(c)},
                ensure_ascii=False,
            )
            for c in self.chunks
        )
        write_atomically(path, "\n".join(lines) + "\n")

    @classmethod
    def load(cls, path: Path) -> ChunkCatalog:
        """Read a catalog written by `save`."""
        chunks = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    chunks.append(
                        chunk_from_metadata(row["id"], row["text"], row["meta"])
                    )
        return cls(chunks)


def chroma_where(filters: Filters) -> dict[str, object] | None:
    """The same filters as a Chroma `where` clause."""
    clauses: list[dict[str, object]] = []
    if filters.kind:
        clauses.append({"kind": filters.kind})
    if filters.topic:
        clauses.append({"topic": filters.topic})
    if filters.as_of:
        clauses.append({"version_date": {"$gt": 0}})
        clauses.append({"version_date": {"$lte": date_as_int(filters.as_of)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
