"""Open a built index for queries: Chroma, the chunk catalog and BM25."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from llama_index.core.schema import Document

from tracker_rag.domain import CorpusDocument
from tracker_rag.errors import IndexMissingError
from tracker_rag.index.chroma_store import ChromaStore, open_chroma_store
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState, open_docstore
from tracker_rag.index.keyword_index import KeywordIndex
from tracker_rag.index.nodes import llama_to_document

logger = logging.getLogger(__name__)


def build_keyword_side(store: ChromaStore) -> tuple[ChunkCatalog, KeywordIndex]:
    """Build the chunk catalog and BM25 index from what Chroma holds."""
    chunks = sorted(store.all_chunks(), key=lambda c: (c.doc_id, c.start))
    return ChunkCatalog(chunks), KeywordIndex.build(chunks)


@dataclass
class LoadedIndex:
    """Everything a query needs, loaded once."""

    store: ChromaStore
    catalog: ChunkCatalog
    keyword: KeywordIndex
    state: IndexState
    documents: dict[str, CorpusDocument]

    @classmethod
    def open(cls, paths: IndexPaths, embedder: SentenceEmbedder) -> LoadedIndex:
        """Open the index in a folder.

        Raises:
            IndexMissingError: No ingest has completed in the folder.
            ModelMismatchError: The index was built with another model.
        """
        started = time.perf_counter()
        state = IndexState.load(paths.state)
        if state is None:
            raise IndexMissingError(
                f"no index in {paths.root} yet; build it with `tracker-rag ingest`"
            )
        store = open_chroma_store(paths, embedder)
        if paths.catalog.exists() and state.chunk_count == store.count():
            catalog = ChunkCatalog.load(paths.catalog)
            keyword = KeywordIndex.load(paths.keyword, len(catalog))
        else:
            logger.warning(
                "keyword index is out of date with Chroma; rebuilding it in memory"
            )
            catalog, keyword = build_keyword_side(store)
        docstore = open_docstore(paths.docstore)
        documents = {
            doc_id: llama_to_document(document)
            for doc_id, document in sorted(docstore.docs.items())
            if isinstance(document, Document)
        }
        logger.info(
            "opened index %s: %d documents, %d chunks in %.0f ms",
            paths.root,
            len(documents),
            len(catalog),
            (time.perf_counter() - started) * 1000,
        )
        return cls(store, catalog, keyword, state, documents)
