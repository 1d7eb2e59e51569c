"""Export the committed index to one archive file, and import it again.

The archive (a gzipped tar) holds `manifest.json` (the model, chunking and
commit it came from), `records.jsonl` (each chunk record's id, text and
Chroma metadata, in catalog order), `vectors.npy` (their vectors, same order),
and the snapshot's `chunks.jsonl` and `docstore.json`. An import writes the
records beside whatever Chroma holds and commits like an ingest does, so a
killed import leaves the previous index in place.
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from llama_index.core.storage.docstore import SimpleDocumentStore

from tracker_rag.errors import (
    ArchiveError,
    IndexOutdatedError,
    ModelMismatchError,
)
from tracker_rag.index.chroma_store import open_chroma_store
from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.embedder import SentenceEmbedder
from tracker_rag.index.index_files import IndexPaths, IndexState
from tracker_rag.index.ingestion import ingest_lock
from tracker_rag.index.loaded_index import LoadedIndex
from tracker_rag.index.nodes import document_to_llama
from tracker_rag.index.snapshot import prune_snapshots, write_snapshot
from tracker_rag.storage import write_bytes_atomically

logger = logging.getLogger(__name__)

T = TypeVar("T")

ARCHIVE_FORMAT = "tracker-rag-index"
ARCHIVE_VERSION = 1
_MEMBERS = (
    "manifest.json",
    "records.jsonl",
    "vectors.npy",
    "chunks.jsonl",
    "docstore.json",
)


@dataclass(frozen=True)
class ArchiveSummary:
    """What an export wrote or an import read."""

    path: str
    documents: int
    chunks: int
    model_name: str
    generation: int
    seconds: float


def export_index(index: LoadedIndex, archive: Path) -> ArchiveSummary:
    """Write the committed snapshot of a loaded index, vectors included."""
    started = time.perf_counter()
    ids = [chunk.chunk_id for chunk in index.catalog.chunks]
    records = list(index.store.records(ids))
    vectors = np.array([record.pop("vector") for record in records], dtype=np.float32)
    manifest = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "state": asdict(index.state),
        "dimension": int(vectors.shape[1]) if len(records) else 0,
    }
    members = {
        "manifest.json": json.dumps(manifest, indent=2, sort_keys=True).encode(),
        "records.jsonl": "".join(
            json.dumps(record, ensure_ascii=False) + "\n" for record in records
        ).encode(),
        "vectors.npy": _npy_bytes(vectors),
        "chunks.jsonl": _catalog_bytes(index.catalog),
        "docstore.json": _docstore_bytes(index),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    write_bytes_atomically(archive, buffer.getvalue())
    return ArchiveSummary(
        str(archive),
        len(index.documents),
        len(records),
        index.state.model_name,
        index.state.generation,
        round(time.perf_counter() - started, 2),
    )


def import_index(
    archive: Path,
    paths: IndexPaths,
    embedder: SentenceEmbedder,
    chroma_url: str | None,
) -> ArchiveSummary:
    """Replace the index in `paths` with an archive's, as one commit.

    Raises:
        ArchiveError: The file is not an index archive or is inconsistent.
        ModelMismatchError: The archive's vectors come from another model.
    """
    started = time.perf_counter()
    members = _read_members(archive)
    manifest = _json(archive, members["manifest.json"])
    if (
        manifest.get("format") != ARCHIVE_FORMAT
        or manifest.get("version") != ARCHIVE_VERSION
    ):
        raise ArchiveError(
            f"{archive} is not a Tracker RAG index archive of version {ARCHIVE_VERSION}"
        )
    try:
        state = IndexState(**manifest["state"])
    except (KeyError, TypeError) as exc:
        raise ArchiveError(
            f"{archive}: manifest.json has no valid state ({exc})"
        ) from exc
    if state.model_fingerprint != embedder.fingerprint:
        raise ModelMismatchError(
            f"{archive} holds vectors of the model {state.model_name!r} "
            f"({state.model_fingerprint}), but the configured model is "
            f"{embedder.name!r} ({embedder.fingerprint})"
        )
    records = [
        _json(archive, line)
        for line in members["records.jsonl"].splitlines()
        if line.strip()
    ]
    vectors = np.load(io.BytesIO(members["vectors.npy"]), allow_pickle=False)
    catalog = _catalog_from_bytes(archive, members["chunks.jsonl"])
    record_ids = [record.get("id") for record in records]
    if record_ids != [chunk.chunk_id for chunk in catalog.chunks]:
        raise ArchiveError(f"{archive}: records.jsonl does not match chunks.jsonl")
    if len(records) and vectors.shape != (len(records), embedder.dimension):
        raise ArchiveError(
            f"{archive}: vectors.npy has shape {vectors.shape}, expected "
            f"({len(records)}, {embedder.dimension})"
        )
    docstore = _docstore_from_bytes(archive, members["docstore.json"])

    with ingest_lock(paths.lock):
        try:
            current = IndexState.load(paths.state)
        except IndexOutdatedError:
            paths.remove(chroma_url)
            current = None
        store = open_chroma_store(paths, embedder, chroma_url)
        for record, vector in zip(records, vectors, strict=True):
            record["vector"] = vector.tolist()
        store.upsert_records(records)
        generation = (current.generation if current else 0) + 1
        write_snapshot(paths.snapshot(generation), catalog, docstore)
        state.generation = generation
        state.save(paths.state)
        keep = set(record_ids)
        store.delete_ids(sorted(store.record_ids() - keep))
        prune_snapshots(paths, generation)
    logger.info("imported %d chunks from %s", len(records), archive)
    return ArchiveSummary(
        str(archive),
        len(docstore.docs),
        len(records),
        state.model_name,
        generation,
        round(time.perf_counter() - started, 2),
    )


def _read_members(archive: Path) -> dict[str, bytes]:
    if not archive.is_file():
        raise ArchiveError(f"no archive file at {archive}")
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar.getmembers():
                if member.name in _MEMBERS and member.isfile():
                    extracted = tar.extractfile(member)
                    if extracted is not None:
                        members[member.name] = extracted.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(
            f"{archive} is not a readable .tar.gz archive: {exc}"
        ) from exc
    missing = [name for name in _MEMBERS if name not in members]
    if missing:
        raise ArchiveError(f"{archive} lacks {', '.join(missing)}")
    return members


def _json(archive: Path, data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ArchiveError(f"{archive} holds malformed JSON: {exc}") from exc


def _npy_bytes(vectors: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    return buffer.getvalue()


def _saved_bytes(name: str, save: Callable[[Path], None]) -> bytes:
    """The bytes a save-to-file method writes, by way of a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        save(path)
        return path.read_bytes()


def _loaded(archive: Path, name: str, data: bytes, load: Callable[[Path], T]) -> T:
    """What a load-from-file function makes of `data`; malformed data is named."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return load(path)
        except (ValueError, KeyError) as exc:
            raise ArchiveError(f"{archive}: {name} is malformed ({exc})") from exc


def _catalog_bytes(catalog: ChunkCatalog) -> bytes:
    return _saved_bytes("chunks.jsonl", catalog.save)


def _catalog_from_bytes(archive: Path, data: bytes) -> ChunkCatalog:
    return _loaded(archive, "chunks.jsonl", data, ChunkCatalog.load)


def _docstore_bytes(index: LoadedIndex) -> bytes:
    docstore = SimpleDocumentStore()
    docstore.add_documents([document_to_llama(d) for d in index.documents.values()])
    return _saved_bytes("docstore.json", lambda path: docstore.persist(str(path)))


def _docstore_from_bytes(archive: Path, data: bytes) -> SimpleDocumentStore:
    return _loaded(
        archive,
        "docstore.json",
        data,
        lambda path: SimpleDocumentStore.from_persist_path(str(path)),
    )
