"""Bring the index in line with the corpus folder, embedding only what changed.

The llama-index ingestion pipeline, with a document store and the upsert
strategy, decides which documents are new or changed (by document hash),
deletes the old chunks of a changed document and embeds the new ones into
Chroma. Documents whose files left the corpus are deleted here. A file that
fails to load keeps its previously indexed version, so a typo in front matter
never removes a document. The chunk catalog and the BM25 index are then
rebuilt from Chroma, which stays the single source of truth.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
from llama_index.core.schema import BaseNode, Document, TransformComponent
from pydantic import PrivateAttr

from tracker_rag.errors import ConfigurationError, StoreError, TrackerRagError
from tracker_rag.index.chroma_store import ChromaStore, open_chroma_store
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState, open_docstore
from tracker_rag.index.loaded_index import build_keyword_side
from tracker_rag.index.nodes import chunk_to_node, document_to_llama, llama_to_document
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import LoadFailure, load_corpus

logger = logging.getLogger(__name__)

CHUNKER_VERSION = 1


class ChunkingStep(TransformComponent):
    """llama-index transformation: corpus documents in, chunk nodes out."""

    _chunker: StructuralChunker = PrivateAttr()

    def __init__(self, chunker: StructuralChunker) -> None:
        super().__init__()
        self._chunker = chunker

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[BaseNode]:
        output: list[BaseNode] = []
        for node in nodes:
            assert isinstance(node, Document)
            chunks = self._chunker.split_into_chunks(llama_to_document(node))
            output += [chunk_to_node(chunk) for chunk in chunks]
        return output


@dataclass
class IngestReport:
    """What one ingest did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Tell whether the index content changed."""
        return bool(self.added or self.updated or self.removed)


@contextmanager
def ingest_lock(path: Path) -> Iterator[None]:
    """Hold the index's ingest lock, refusing at once if another ingest holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreError(
                f"another ingest is running on the index at {path.parent}; "
                "wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def chunking_signature(embedder: SentenceEmbedder, max_tokens: int) -> str:
    """Identify the chunking settings, so a change re-chunks everything."""
    return f"v{CHUNKER_VERSION}:max_tokens={max_tokens}:model={embedder.fingerprint}"


class IndexBuilder:
    """Run incremental ingests of a corpus folder into an index folder."""

    def __init__(
        self,
        paths: IndexPaths,
        embedder: SentenceEmbedder,
        chunk_max_tokens: int,
        max_file_bytes: int,
    ) -> None:
        self.paths = paths
        self.embedder = embedder
        self.chunk_max_tokens = min(chunk_max_tokens, embedder.max_tokens - 2)
        self.max_file_bytes = max_file_bytes

    def ingest(self, corpus_dir: Path, show_progress: bool = False) -> IngestReport:
        """Bring the index in line with the files under `corpus_dir`."""
        if not corpus_dir.is_dir():
            raise ConfigurationError(f"corpus folder {corpus_dir} does not exist")
        with ingest_lock(self.paths.lock):
            return self._ingest_locked(corpus_dir, show_progress)

    def _ingest_locked(self, corpus_dir: Path, show_progress: bool) -> IngestReport:
        started = time.perf_counter()
        signature = chunking_signature(self.embedder, self.chunk_max_tokens)
        state = IndexState.load(self.paths.state)
        store = open_chroma_store(self.paths, self.embedder)
        documents, failures = load_corpus(corpus_dir, self.max_file_bytes)
        docstore = open_docstore(self.paths.docstore)
        if state is not None and state.chunking != signature:
            logger.info("chunking settings changed: re-chunking every document")
            for doc_id in list(docstore.get_all_document_hashes().values()):
                docstore.delete_document(doc_id, raise_error=False)
                store.vector_store().delete(doc_id)

        report = IngestReport(failures=failures)
        llama_documents = [document_to_llama(document) for document in documents]
        for document in llama_documents:
            known_hash = docstore.get_document_hash(document.id_)
            if known_hash is None:
                report.added.append(document.id_)
            elif known_hash != document.hash:
                report.updated.append(document.id_)
            else:
                report.skipped.append(document.id_)

        previous_files = state.files if state else {}
        failed_ids = {
            previous_files[f.path] for f in failures if f.path in previous_files
        }
        present_ids = {document.id_ for document in llama_documents}
        indexed_ids = set(docstore.get_all_document_hashes().values())
        report.kept = sorted(failed_ids & indexed_ids - present_ids)
        report.removed = sorted(indexed_ids - present_ids - failed_ids)

        changed = [d for d in llama_documents if d.id_ not in set(report.skipped)]
        pipeline = IngestionPipeline(
            transformations=[
                ChunkingStep(
                    StructuralChunker(self.embedder.count_tokens, self.chunk_max_tokens)
                ),
                self.embedder.llama_embedding,
            ],
            vector_store=store.vector_store(),
            docstore=docstore,
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        try:
            nodes = pipeline.run(documents=changed, show_progress=show_progress)
            for doc_id in report.removed:
                docstore.delete_document(doc_id, raise_error=False)
                store.vector_store().delete(doc_id)
        except TrackerRagError:
            raise
        except Exception as exc:
            raise StoreError(f"ingest failed while writing the index: {exc}") from exc
        docstore.persist(str(self.paths.docstore))
        report.chunks_embedded = len(nodes)

        files = {d.source_path: d.doc_id for d in documents}
        files.update(
            {
                name: doc_id
                for name, doc_id in previous_files.items()
                if doc_id in report.kept
            }
        )
        catalog_stale = state is None or state.chunk_count != store.count()
        if report.changed or catalog_stale or not self.paths.catalog.exists():
            self._rebuild_keyword_index(store)
        report.chunks_total = store.count()
        generation = (state.generation if state else 0) + int(report.changed)
        IndexState(
            model_name=self.embedder.name,
            model_fingerprint=self.embedder.fingerprint,
            chunking=signature,
            files=dict(sorted(files.items())),
            chunk_count=report.chunks_total,
            generation=generation,
        ).save(self.paths.state)
        report.seconds = time.perf_counter() - started
        logger.info(
            "ingest: %d added, %d updated, %d removed, %d skipped, %d failed, "
            "%d chunks embedded in %.1f s",
            len(report.added),
            len(report.updated),
            len(report.removed),
            len(report.skipped),
            len(report.failures),
            report.chunks_embedded,
            report.seconds,
        )
        return report

    def _rebuild_keyword_index(self, store: ChromaStore) -> None:
        catalog, keyword_index = build_keyword_side(store)
        keyword_index.save(self.paths.keyword)
        catalog.save(self.paths.catalog)
