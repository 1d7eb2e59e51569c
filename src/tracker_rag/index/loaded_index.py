"""Open the committed version of an index for queries."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from llama_index.core.schema import Document

from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import IndexMissingError
from tracker_rag.index.chroma_store import ChromaStore, open_chroma_store
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState
from tracker_rag.index.keyword_index import KeywordIndex
from tracker_rag.index.nodes import llama_to_document
from tracker_rag.index.snapshot import read_snapshot

logger = logging.getLogger(__name__)

_OPEN_ATTEMPTS = 3


def state_signature(paths: IndexPaths) -> tuple[int, int, int] | None:
    """A cheap fingerprint of `state.json`: it changes with every commit."""
    try:
        status = os.stat(paths.state)
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_mtime_ns, status.st_size)


@dataclass
class LoadedIndex:
    """Everything a query needs, loaded once from one committed snapshot."""

    store: ChromaStore
    catalog: ChunkCatalog
    keyword: KeywordIndex
    state: IndexState
    documents: dict[str, CorpusDocument]
    signature: tuple[int, int, int] | None = None

    @property
    def generation(self) -> int:
        """The commit this index shows."""
        return self.state.generation

    @classmethod
    def open(
        cls,
        paths: IndexPaths,
        embedder: SentenceEmbedder,
        chroma_url: str | None = None,
    ) -> LoadedIndex:
        """Open the index in a folder as its last commit left it.

        Raises:
            IndexMissingError: No ingest has completed in the folder.
            ModelMismatchError: The index was built with another model.
            StoreError: Chroma cannot be reached.
        """
        started = time.perf_counter()
        attempt = 1
        while True:
            signature = state_signature(paths)
            state = IndexState.load(paths.state)
            if state is None:
                raise IndexMissingError(
                    f"no index in {paths.root} yet; build it with `tracker-rag ingest`"
                )
            try:
                catalog, keyword, docstore = read_snapshot(
                    paths.snapshot(state.generation)
                )
                break
            except FileNotFoundError:
                # A newer commit pruned this snapshot while it was being read.
                if attempt == _OPEN_ATTEMPTS:
                    raise
                attempt += 1
        store = open_chroma_store(paths, embedder, chroma_url)
        documents = {
            doc_id: llama_to_document(document)
            for doc_id, document in sorted(docstore.docs.items())
            if isinstance(document, Document)
        }
        logger.info(
            "opened index %s (commit %d): %d documents, %d chunks in %.0f ms",
            paths.root,
            state.generation,
            len(documents),
            len(catalog),
            (time.perf_counter() - started) * 1000,
        )
        return cls(store, catalog, keyword, state, documents, signature)
