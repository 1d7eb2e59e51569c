"""Hand llama-index's ingestion pipeline the project's own encoder."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

# llama-index cuts the texts of one pipeline run into calls this large; the
# encoder then sorts each call by length, so few batches carry padding.
TEXTS_PER_CALL = 2048


class EncoderEmbedding(BaseEmbedding):
    """A llama-index embedding over any function that embeds a list of texts."""

    _embed: Callable[[list[str]], np.ndarray] = PrivateAttr()

    def __init__(self, embed: Callable[[list[str]], np.ndarray], name: str) -> None:
        super().__init__(model_name=name, embed_batch_size=TEXTS_PER_CALL)
        self._embed = embed

    @classmethod
    def class_name(cls) -> str:
        """The name llama-index records for this embedding."""
        return "TrackerRagEncoderEmbedding"

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._get_text_embeddings([query])[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        vectors: list[Embedding] = self._embed(texts).tolist()
        return vectors
