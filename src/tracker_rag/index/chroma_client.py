"""Connect to Chroma: an embedded database in the index folder, or a server.

With a server, several indexes (the main one, the eval indexes, other API
hosts' test indexes) may share it, so each index folder names its own
collection in `store.json`, written once when the index is created.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker_rag.errors import ConfigurationError, StoreError
from tracker_rag.storage import write_atomically

EMBEDDED_COLLECTION = "tracker-chunks"


def describe_location(chroma_url: str | None, path: Path) -> str:
    """Say where the chunk vectors live, for messages."""
    return f"the Chroma server at {chroma_url}" if chroma_url else f"Chroma at {path}"


def open_client(chroma_url: str | None, path: Path) -> Any:
    """A Chroma client: HTTP when a server URL is set, embedded in `path` otherwise.

    Raises:
        ConfigurationError: The URL is not an http(s) URL with a host.
        StoreError: The server cannot be reached or the database not opened.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url is None:
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=settings)
        host, port, ssl = parse_server_url(chroma_url)
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
    except ConfigurationError:
        raise
    except Exception as exc:  # chromadb raises many unrelated types
        where = describe_location(chroma_url, path)
        raise StoreError(f"cannot open {where}: {exc}") from exc


def parse_server_url(chroma_url: str) -> tuple[str, int, bool]:
    """Split a Chroma server URL into host, port and whether it uses TLS.

    Raises:
        ConfigurationError: The URL is not an http(s) URL with a host.
    """
    parts = urlsplit(chroma_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"TRACKER_RAG_CHROMA_URL {chroma_url!r} is not an http(s) URL "
            "with a host, e.g. http://127.0.0.1:8001"
        )
    ssl = parts.scheme == "https"
    try:
        port = parts.port or (443 if ssl else 8000)
    except ValueError as exc:
        raise ConfigurationError(
            f"TRACKER_RAG_CHROMA_URL {chroma_url!r} has a bad port"
        ) from exc
    return parts.hostname, port, ssl


def collection_name(store_file: Path, chroma_url: str | None) -> str:
    """The collection of the index whose `store.json` is `store_file`.

    An embedded database belongs to one index folder and keeps the fixed name;
    on a server a new index gets a name of its own, recorded before first use.
    """
    if store_file.exists():
        recorded = json.loads(store_file.read_text(encoding="utf-8"))
        return str(recorded["collection"])
    if chroma_url is None:
        return EMBEDDED_COLLECTION
    name = f"tracker-{secrets.token_hex(6)}"
    write_atomically(store_file, json.dumps({"collection": name}) + "\n")
    return name
