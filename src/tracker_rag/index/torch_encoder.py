"""Embed texts with sentence-transformers on torch, the reference encoder."""

from __future__ import annotations

import logging
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from tracker_rag.errors import ConfigurationError
from tracker_rag.index.model_folder import ModelFolder
from tracker_rag.index.offline import force_offline

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


class TorchEncoder:
    """A sentence-transformers model, loaded on first use."""

    name = "torch"

    def __init__(self, folder: ModelFolder, threads: int | None = None) -> None:
        self.folder = folder
        self.threads = threads

    @cached_property
    def model(self) -> SentenceTransformer:
        """The loaded model."""
        force_offline()
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        started = time.perf_counter()
        try:
            model = SentenceTransformer(str(self.folder.path), device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot load the embedding model from {self.folder.path}: {exc}"
            ) from exc
        logger.info(
            "loaded embedding model %s on torch in %.0f ms",
            self.folder.path.name,
            (time.perf_counter() - started) * 1000,
        )
        return model

    @property
    def dimension(self) -> int:
        """Length of the vectors the model makes."""
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ConfigurationError(
                f"model {self.folder.path} does not state its dimension"
            )
        return int(dimension)

    def count_tokens(self, text: str) -> int:
        """Count the word pieces of a text, special tokens excluded."""
        encoded: Any = self.model.tokenizer(
            text, add_special_tokens=False, return_attention_mask=False
        )
        return len(encoded["input_ids"])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Embed texts into unit-length vectors; the model sorts them by length."""
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        array: np.ndarray = np.asarray(vectors, dtype=np.float32)
        return array
