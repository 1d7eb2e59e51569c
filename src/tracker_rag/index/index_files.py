"""Where each part of the index lives inside the index folder, and its state file."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from llama_index.core.storage.docstore import SimpleDocumentStore

from tracker_rag.storage import write_atomically

STATE_VERSION = 1


@dataclass(frozen=True)
class IndexPaths:
    """The files and folders of one index."""

    root: Path

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def docstore(self) -> Path:
        return self.root / "docstore.json"

    @property
    def catalog(self) -> Path:
        return self.root / "keyword" / "chunks.jsonl"

    @property
    def keyword(self) -> Path:
        return self.root / "keyword" / "bm25"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / ".ingest.lock"

    def exists(self) -> bool:
        """Tell whether an ingest has completed here."""
        return self.state.exists()

    def remove(self) -> None:
        """Delete the index, leaving anything else in the folder alone."""
        from tracker_rag.index.chroma_store import drop_collection

        self.state.unlink(missing_ok=True)
        drop_collection(self.chroma)
        shutil.rmtree(self.keyword.parent, ignore_errors=True)
        self.docstore.unlink(missing_ok=True)


@dataclass
class IndexState:
    """What the last completed ingest recorded.

    Attributes:
        model_name: Name of the embedding model that made the vectors.
        model_fingerprint: Identity of that model's files.
        chunking: Settings that shape chunks; a change re-chunks everything.
        files: Corpus file path to the document id it produced.
        chunk_count: Chunks in the catalog, to notice a stale keyword index.
        generation: Counts completed ingests that changed something.
    """

    model_name: str
    model_fingerprint: str
    chunking: str
    files: dict[str, str] = field(default_factory=dict)
    chunk_count: int = 0
    generation: int = 0
    version: int = STATE_VERSION

    def save(self, path: Path) -> None:
        """Write the state atomically."""
        write_atomically(
            path, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        )

    @classmethod
    def load(cls, path: Path) -> IndexState | None:
        """Read the state, or None when no ingest has completed."""
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def open_docstore(path: Path) -> SimpleDocumentStore:
    """Open the persisted llama-index document store, or a new one."""
    if path.exists():
        return SimpleDocumentStore.from_persist_path(str(path))
    return SimpleDocumentStore()
