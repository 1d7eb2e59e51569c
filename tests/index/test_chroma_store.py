"""The Chroma store on its own: batches larger than Chroma takes at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from tracker_rag.index.chroma_store import ChromaStore


@pytest.mark.slow
def test_adding_more_chunks_than_one_chroma_batch_stores_them_all(
    tmp_path: Path,
) -> None:
    store = ChromaStore(tmp_path / "chroma", "fake-model", "fingerprint", 8)
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
