"""The Chroma store on its own: batches larger than Chroma takes at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from tracker_rag.errors import StoreError
from tracker_rag.index.chroma_client import collection_name, open_client
from tracker_rag.index.chroma_store import ChromaStore


def open_store(folder: Path, chroma_url: str | None) -> ChromaStore:
    """A store of 8-dimensional vectors of a pretend model."""
    client = open_client(chroma_url, folder / "chroma")
    name = collection_name(folder / "store.json", chroma_url)
    return ChromaStore(client, name, str(folder), "fake-model", "fingerprint", 8)


@pytest.mark.slow
def test_adding_more_chunks_than_one_chroma_batch_stores_them_all(
    tmp_path: Path, chroma_url: str | None
) -> None:
    store = open_store(tmp_path, chroma_url)
    limit = int(store._client.get_max_batch_size())
    vectors = np.random.default_rng(7).normal(size=(limit + 10, 8))
    nodes = [
        TextNode(
            id_=f"doc-{number // 100}#{number}",
            text=f"chunk {number}",
            embedding=vector.tolist(),
            relationships={
                NodeRelationship.SOURCE: RelatedNodeInfo(node_id=f"doc-{number // 100}")
            },
        )
        for number, vector in enumerate(vectors)
    ]

    ids = store.vector_store().add(nodes)

    assert len(ids) == limit + 10
    assert store.count() == limit + 10


def test_deferred_delete_keeps_the_old_version_until_asked(
    tmp_path: Path, chroma_url: str | None
) -> None:
    store = open_store(tmp_path, chroma_url)
    node = TextNode(
        id_="doc#1@aaaa",
        text="old version",
        embedding=[1.0] + [0.0] * 7,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id="doc")},
    )
    store.vector_store().add([node])
    deferred: list[str] = []

    store.vector_store(defer_deletes=deferred).delete("doc")

    assert deferred == ["doc"]
    assert store.record_ids() == {"doc#1@aaaa"}
    store.delete_ids(["doc#1@aaaa"])
    assert store.record_ids() == set()


def test_an_unreachable_server_is_a_store_error_naming_it() -> None:
    with pytest.raises(StoreError, match=r"Chroma server at http://127\.0\.0\.1:9"):
        client = open_client("http://127.0.0.1:9", Path("unused"))
        ChromaStore(client, "x", "the Chroma server at http://127.0.0.1:9", "m", "f", 8)
