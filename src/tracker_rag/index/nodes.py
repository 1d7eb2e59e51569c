"""Translate between the project's documents and chunks and llama-index nodes.

Chunk metadata is stored flat (strings and integers) so that Chroma can filter
on it; `version_date` is an integer YYYYMMDD for date comparisons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from llama_index.core.schema import (
    Document,
    NodeRelationship,
    RelatedNodeInfo,
    TextNode,
)

from tracker_rag.dates import date_as_int
from tracker_rag.domain import Chunk, CorpusDocument, DocumentKind

EMBEDDED_METADATA = ("title", "section")
METADATA_TEMPLATE = "{key}: {value}"
TEXT_TEMPLATE = "{metadata_str}\n\n{content}"


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def document_to_llama(document: CorpusDocument) -> Document:
    """Wrap a corpus document for llama-index; its hash covers text and metadata."""
    metadata = {
        "title": document.title,
        "kind": document.kind,
        "tracker": document.tracker or "",
        "topic": document.topic or "",
        "published": _iso(document.published),
        "updated": _iso(document.updated),
        "url": document.url or "",
        "cites": ",".join(document.cites),
        "source_path": document.source_path,
    }
    return Document(id_=document.doc_id, text=document.text, metadata=metadata)


def llama_to_document(node: Document) -> CorpusDocument:
    """Unwrap a llama-index document built by `document_to_llama`."""
    metadata = node.metadata
    return CorpusDocument(
        doc_id=node.id_,
        kind=cast(DocumentKind, metadata["kind"]),
        title=metadata["title"],
        text=node.text,
        source_path=metadata["source_path"],
        tracker=metadata["tracker"] or None,
        topic=metadata["topic"] or None,
        published=_date(metadata["published"]),
        updated=_date(metadata["updated"]),
        url=metadata["url"] or None,
        cites=tuple(filter(None, metadata["cites"].split(","))),
    )


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Flat metadata stored beside a chunk's vector."""
    version = chunk.version_date
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "kind": chunk.kind,
        "topic": chunk.topic or "",
        "url": chunk.url or "",
        "published": _iso(chunk.published),
        "updated": _iso(chunk.updated),
        "version_date": date_as_int(version) if version else 0,
        "start": chunk.start,
        "end": chunk.end,
    }


def chunk_to_node(chunk: Chunk) -> TextNode:
    """Make the node that llama-index embeds and stores for a chunk."""
    metadata = chunk_metadata(chunk)
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        metadata=metadata,
        excluded_embed_metadata_keys=[
            key for key in metadata if key not in EMBEDDED_METADATA
        ],
        excluded_llm_metadata_keys=["version_date", "start", "end"],
        metadata_template=METADATA_TEMPLATE,
        text_template=TEXT_TEMPLATE,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
    )


def chunk_from_metadata(chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    """Rebuild a chunk from what the vector store returns."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(metadata["doc_id"]),
        text=text,
        start=int(metadata["start"]),
        end=int(metadata["end"]),
        section=str(metadata["section"]),
        title=str(metadata["title"]),
        kind=cast(DocumentKind, metadata["kind"]),
        topic=metadata.get("topic") or None,
        url=metadata.get("url") or None,
        published=_date(metadata.get("published")),
        updated=_date(metadata.get("updated")),
    )
