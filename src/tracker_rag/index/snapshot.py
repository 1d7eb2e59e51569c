"""Write, read and prune the snapshots that commits point at.

A snapshot is written in full (every file fsynced) into a folder of its own
before `state.json` names it, so a reader either sees the old snapshot or the
new one, never a half-written one.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from llama_index.core.storage.docstore import SimpleDocumentStore

from tracker_rag.index.chunk_catalog import ChunkCatalog
from tracker_rag.index.index_files import IndexPaths, SnapshotPaths, open_docstore
from tracker_rag.index.keyword_index import KeywordIndex

logger = logging.getLogger(__name__)


def write_snapshot(
    target: SnapshotPaths,
    catalog: ChunkCatalog,
    docstore: SimpleDocumentStore,
) -> KeywordIndex:
    """Write a complete snapshot into an empty folder; return its BM25 index."""
    if target.root.exists():
        # Left by an ingest that died before committing it.
        shutil.rmtree(target.root)
    target.root.mkdir(parents=True)
    keyword = KeywordIndex.build(catalog.chunks)
    keyword.save(target.keyword)
    catalog.save(target.catalog)
    docstore.persist(str(target.docstore))
    _sync_tree(target.root)
    return keyword


def read_snapshot(
    source: SnapshotPaths,
) -> tuple[ChunkCatalog, KeywordIndex, SimpleDocumentStore]:
    """Read the catalog, BM25 index and document store of a snapshot."""
    catalog = ChunkCatalog.load(source.catalog)
    keyword = KeywordIndex.load(source.keyword, len(catalog))
    return catalog, keyword, open_docstore(source.docstore)


def prune_snapshots(paths: IndexPaths, current: int) -> None:
    """Delete snapshots other than the current one and the one before it.

    The one before stays for readers that opened it just before the commit.
    """
    if not paths.snapshots.exists():
        return
    for folder in paths.snapshots.iterdir():
        if not folder.name.isdigit():
            continue
        generation = int(folder.name)
        if generation not in (current, current - 1):
            shutil.rmtree(folder, ignore_errors=True)
            logger.debug("pruned snapshot %s", folder.name)


def _sync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            descriptor = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
