"""Where each part of the index lives inside the index folder, and its state file.

An index folder holds:

    state.json          the commit record: which snapshot is current (atomic)
    snapshots/NNNNNN/   one committed version: chunks.jsonl, bm25/, docstore.json
    store.json          the Chroma collection's name, when it is on a server
    chroma/             the embedded Chroma database (unless on a server)
    .ingest.lock        held by the one ingest that may run

See docs/index-design.md for how an ingest moves from one snapshot to the next.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from llama_index.core.storage.docstore import SimpleDocumentStore

from tracker_rag.errors import IndexOutdatedError
from tracker_rag.storage import write_atomically

STATE_VERSION = 2


@dataclass(frozen=True)
class SnapshotPaths:
    """The files of one committed version of the index."""

    root: Path

    @property
    def catalog(self) -> Path:
        return self.root / "chunks.jsonl"

    @property
    def keyword(self) -> Path:
        return self.root / "bm25"

    @property
    def docstore(self) -> Path:
        return self.root / "docstore.json"


@dataclass(frozen=True)
class IndexPaths:
    """The files and folders of one index."""

    root: Path

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def store(self) -> Path:
        return self.root / "store.json"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / ".ingest.lock"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    def snapshot(self, generation: int) -> SnapshotPaths:
        """The folder of the snapshot a generation committed."""
        return SnapshotPaths(self.snapshots / f"{generation:06d}")

    def exists(self) -> bool:
        """Tell whether an ingest has completed here."""
        return self.state.exists()

    def remove(self, chroma_url: str | None) -> None:
        """Delete the index, leaving anything else in the folder alone."""
        from tracker_rag.index.chroma_store import drop_collection

        self.state.unlink(missing_ok=True)
        drop_collection(self, chroma_url)
        self.store.unlink(missing_ok=True)
        shutil.rmtree(self.snapshots, ignore_errors=True)
        # The layout of state version 1 kept these at the top.
        shutil.rmtree(self.root / "keyword", ignore_errors=True)
        (self.root / "docstore.json").unlink(missing_ok=True)


@dataclass
class IndexState:
    """What the last completed ingest committed.

    Attributes:
        model_name: Name of the embedding model that made the vectors.
        model_fingerprint: Identity of that model's files.
        chunking: Settings that shape chunks; a change re-chunks everything.
        files: Corpus file path to the document id it produced.
        documents: Document id to the hash of its committed version.
        chunk_count: Chunks in the committed snapshot.
        generation: Counts commits; names the current snapshot.
    """

    model_name: str
    model_fingerprint: str
    chunking: str
    files: dict[str, str] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    chunk_count: int = 0
    generation: int = 0
    version: int = STATE_VERSION

    def save(self, path: Path) -> None:
        """Write the state atomically: this is the commit of an ingest."""
        write_atomically(
            path, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"
        )

    @classmethod
    def load(cls, path: Path) -> IndexState | None:
        """Read the state, or None when no ingest has completed.

        Raises:
            IndexOutdatedError: An older version of Tracker RAG wrote the index.
        """
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise IndexOutdatedError(
                f"the index in {path.parent} was built by an older version of "
                "Tracker RAG; rebuild it with `tracker-rag ingest`"
            )
        return cls(**data)


def open_docstore(path: Path) -> SimpleDocumentStore:
    """Open a persisted llama-index document store, or a new one."""
    if path.exists():
        return SimpleDocumentStore.from_persist_path(str(path))
    return SimpleDocumentStore()
