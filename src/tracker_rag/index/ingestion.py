"""Bring the index in line with the corpus folder, embedding only what changed.

An ingest never changes what readers see until its single commit point, the
atomic rewrite of `state.json` (docs/index-design.md has the whole protocol):

1. recover: delete chunk records that no commit owns (left by a killed
   ingest) and note committed documents whose records are missing;
2. embed: the llama-index ingestion pipeline, with the committed document
   store and the upsert strategy, picks new and changed documents, chunks and
   embeds them and adds their chunks to Chroma under ids that include the
   document's version, so old and new versions sit side by side; deleting the
   old version is deferred;
3. snapshot: the new chunk catalog, BM25 index and document store are written
   into a fresh snapshot folder;
4. commit: `state.json` is replaced, naming the new snapshot;
5. clean up: the old versions' chunk records and old snapshots are deleted.

A file that fails to load keeps its previously indexed version, so a typo in
front matter never removes a document.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
from llama_index.core.schema import BaseNode, Document, TransformComponent
from llama_index.core.storage.docstore import SimpleDocumentStore
from pydantic import PrivateAttr

from tracker_rag.domain import Chunk
from tracker_rag.errors import (
    ConfigurationError,
    IndexOutdatedError,
    StoreError,
    TrackerRagError,
)
from tracker_rag.index.chroma_store import ChromaStore, open_chroma_store
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState
from tracker_rag.index.nodes import (
    chunk_from_metadata,
    chunk_to_node,
    document_to_llama,
    llama_to_document,
)
from tracker_rag.index.snapshot import prune_snapshots, read_snapshot, write_snapshot
from tracker_rag.ingest.chunking import StructuralChunker
from tracker_rag.ingest.loaders import LoadFailure, load_corpus

logger = logging.getLogger(__name__)

CHUNKER_VERSION = 2
DOCUMENTS_PER_BATCH = 64

PhaseHook = Callable[[str], None]


def versioned_chunk(chunk: Chunk, document_hash: str) -> Chunk:
    """Give a chunk an id that also names its document's version.

    Two versions of a document then never share a chunk record, so the new one
    can be written beside the old before the commit.
    """
    return dataclasses.replace(chunk, chunk_id=f"{chunk.chunk_id}@{document_hash[:8]}")


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
            output += [chunk_to_node(versioned_chunk(c, node.hash)) for c in chunks]
        return output


@dataclass
class IngestReport:
    """What one ingest did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    uncommitted_removed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Tell whether the index content changed."""
        return bool(self.added or self.updated or self.removed or self.repaired)


@contextmanager
def ingest_lock(path: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the index's ingest lock; wait up to `wait_seconds` for another ingest.

    Raises:
        StoreError: Another ingest still holds the lock after the wait.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    with path.open("w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"another ingest is running on the index at {path.parent}; "
                        "wait for it to finish"
                    ) from exc
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def chunking_signature(embedder: SentenceEmbedder, max_tokens: int) -> str:
    """Identify the chunking settings, so a change re-chunks everything."""
    return f"v{CHUNKER_VERSION}:max_tokens={max_tokens}:model={embedder.fingerprint}"


@dataclass
class _Committed:
    """The committed version an ingest starts from."""

    state: IndexState | None
    catalog: ChunkCatalog
    docstore: SimpleDocumentStore


class IndexBuilder:
    """Run incremental, crash-safe ingests of a corpus folder into an index."""

    def __init__(
        self,
        paths: IndexPaths,
        embedder: SentenceEmbedder,
        chunk_max_tokens: int,
        max_file_bytes: int,
        chroma_url: str | None = None,
        on_phase: PhaseHook | None = None,
    ) -> None:
        self.paths = paths
        self.embedder = embedder
        self.chunk_max_tokens = min(chunk_max_tokens, embedder.max_tokens - 2)
        self.max_file_bytes = max_file_bytes
        self.chroma_url = chroma_url
        self._on_phase = on_phase or (lambda phase: None)

    def ingest(
        self,
        corpus_dir: Path,
        show_progress: bool = False,
        wait_for_lock: float = 0.0,
    ) -> IngestReport:
        """Bring the index in line with the files under `corpus_dir`.

        Args:
            wait_for_lock: Seconds to wait for a running ingest to finish
                before refusing.
        """
        if not corpus_dir.is_dir():
            raise ConfigurationError(f"corpus folder {corpus_dir} does not exist")
        with ingest_lock(self.paths.lock, wait_for_lock):
            try:
                return self._ingest_locked(corpus_dir, show_progress)
            except TrackerRagError:
                raise
            except Exception as exc:
                raise StoreError(
                    f"ingest failed while writing the index: {exc}"
                ) from exc

    def _phase(self, name: str) -> None:
        logger.debug("ingest phase: %s", name)
        self._on_phase(name)

    def _ingest_locked(self, corpus_dir: Path, show_progress: bool) -> IngestReport:
        started = time.perf_counter()
        signature = chunking_signature(self.embedder, self.chunk_max_tokens)
        committed = self._committed()
        store = open_chroma_store(self.paths, self.embedder, self.chroma_url)
        report = IngestReport()

        # 1. Recover from an ingest that died: its records are nobody's.
        docstore = committed.docstore
        rechunk = committed.state is not None and committed.state.chunking != signature
        if rechunk:
            logger.info("chunking settings changed: re-chunking every document")
            docstore = SimpleDocumentStore()
        committed_ids = {chunk.chunk_id for chunk in committed.catalog.chunks}
        stored_ids = store.record_ids()
        orphans = sorted(stored_ids - committed_ids)
        if orphans:
            logger.warning("removing %d chunks no commit owns", len(orphans))
            store.delete_ids(orphans)
        report.uncommitted_removed = len(orphans)
        missing_docs = sorted(
            {c.doc_id for c in committed.catalog.chunks if c.chunk_id not in stored_ids}
        )
        if missing_docs:
            # Chroma lost some of their records (a new server, a restored
            # folder): drop what is left of them and embed them again.
            logger.warning("%d documents lost chunks in Chroma", len(missing_docs))
            lost = set(missing_docs)
            store.delete_ids(
                sorted(
                    c.chunk_id
                    for c in committed.catalog.chunks
                    if c.doc_id in lost and c.chunk_id in stored_ids
                )
            )
            for doc_id in missing_docs:
                docstore.delete_document(doc_id, raise_error=False)
        self._phase("recovered")

        # 2. Decide and embed what changed, beside the committed versions.
        documents, report.failures = load_corpus(corpus_dir, self.max_file_bytes)
        self._phase("loaded")
        llama_documents = [document_to_llama(document) for document in documents]
        committed_hashes = (
            {}
            if rechunk
            else dict(committed.state.documents if committed.state else {})
        )
        for document in llama_documents:
            known_hash = committed_hashes.get(document.id_)
            if document.id_ in missing_docs and known_hash == document.hash:
                report.repaired.append(document.id_)
            elif known_hash is None:
                report.added.append(document.id_)
            elif known_hash != document.hash:
                report.updated.append(document.id_)
            else:
                report.skipped.append(document.id_)

        previous_files = committed.state.files if committed.state else {}
        failed_ids = {
            previous_files[f.path] for f in report.failures if f.path in previous_files
        }
        present_ids = {document.id_ for document in llama_documents}
        indexed_ids = set(committed_hashes)
        report.kept = sorted(failed_ids & indexed_ids - present_ids)
        report.removed = sorted(indexed_ids - present_ids - failed_ids)

        unchanged = set(report.skipped)
        changed = [d for d in llama_documents if d.id_ not in unchanged]
        new_chunks = self._embed(changed, store, docstore, show_progress)
        for doc_id in report.removed:
            docstore.delete_document(doc_id, raise_error=False)
        report.chunks_embedded = len(new_chunks)

        # 3 and 4. Write the new snapshot, then commit it.
        replaced = {d.id_ for d in changed} | set(report.removed)
        if rechunk:
            replaced |= {chunk.doc_id for chunk in committed.catalog.chunks}
        kept_chunks = [c for c in committed.catalog.chunks if c.doc_id not in replaced]
        catalog = ChunkCatalog(
            sorted(kept_chunks + new_chunks, key=lambda c: (c.doc_id, c.start))
        )
        files = {d.source_path: d.doc_id for d in documents}
        files.update(
            {
                name: doc_id
                for name, doc_id in previous_files.items()
                if doc_id in report.kept
            }
        )
        hashes = {d.id_: d.hash for d in llama_documents}
        hashes.update({doc_id: committed_hashes[doc_id] for doc_id in report.kept})
        generation = committed.state.generation if committed.state else 0
        content_changed = report.changed or rechunk or committed.state is None
        if content_changed:
            generation += 1
            write_snapshot(self.paths.snapshot(generation), catalog, docstore)
            self._phase("snapshot-written")
        IndexState(
            model_name=self.embedder.name,
            model_fingerprint=self.embedder.fingerprint,
            chunking=signature,
            files=dict(sorted(files.items())),
            documents=dict(sorted(hashes.items())),
            chunk_count=len(catalog),
            generation=generation,
        ).save(self.paths.state)
        self._phase("committed")

        # 5. Nobody reads the old versions' records any more.
        if content_changed:
            new_ids = {chunk.chunk_id for chunk in catalog.chunks}
            stale = sorted(committed_ids - new_ids)
            store.delete_ids(stale)
            self._phase("cleaned")
            prune_snapshots(self.paths, generation)
            self._phase("pruned")

        report.chunks_total = len(catalog)
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

    def _committed(self) -> _Committed:
        try:
            state = IndexState.load(self.paths.state)
        except IndexOutdatedError:
            logger.info(
                "index in %s is from an older version: rebuilding it", self.paths.root
            )
            self.paths.remove(self.chroma_url)
            state = None
        if state is None:
            return _Committed(None, ChunkCatalog([]), SimpleDocumentStore())
        catalog, _, docstore = read_snapshot(self.paths.snapshot(state.generation))
        return _Committed(state, catalog, docstore)

    def _embed(
        self,
        documents: list[Document],
        store: ChromaStore,
        docstore: SimpleDocumentStore,
        show_progress: bool,
    ) -> list[Chunk]:
        """Chunk, embed and add the documents' chunks; deletes are only recorded."""
        deferred: list[str] = []
        pipeline = IngestionPipeline(
            transformations=[
                ChunkingStep(
                    StructuralChunker(self.embedder.count_tokens, self.chunk_max_tokens)
                ),
                self.embedder.llama_embedding,
            ],
            vector_store=store.vector_store(defer_deletes=deferred),
            docstore=docstore,
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        progress = _progress_bar(len(documents), show_progress)
        chunks: list[Chunk] = []
        for start in range(0, len(documents), DOCUMENTS_PER_BATCH):
            batch = documents[start : start + DOCUMENTS_PER_BATCH]
            nodes = pipeline.run(documents=batch)
            chunks += [
                chunk_from_metadata(node.node_id, node.get_content(), node.metadata)
                for node in nodes
            ]
            progress(len(batch))
            self._phase("batch-added")
        progress(0, done=True)
        return chunks


def _progress_bar(total: int, shown: bool) -> Callable[..., None]:
    """A tqdm bar on a terminal, or nothing."""
    if not shown or total == 0:
        return lambda count, done=False: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="doc", desc="embedding")

    def advance(count: int, done: bool = False) -> None:
        bar.update(count)
        if done:
            bar.close()

    return advance
