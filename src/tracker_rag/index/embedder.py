"""Load a local sentence-transformers model and embed texts with it, offline."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tracker_rag.errors import ConfigurationError

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

_FINGERPRINT_FILES = ("config.json", "modules.json", "sentence_bert_config.json")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_SAMPLE_BYTES = 1 << 20


def force_offline() -> None:
    """Stop Hugging Face libraries from reaching a model hub."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def model_fingerprint(model_dir: Path) -> str:
    """Identify a model folder by its configuration and a sample of its weights.

    Two folders holding the same model give the same fingerprint wherever they
    are installed; a different model, or retrained weights, gives another.
    """
    digest = hashlib.sha256()
    for name in _FINGERPRINT_FILES:
        path = model_dir / name
        if path.exists():
            digest.update(name.encode() + path.read_bytes())
    for name in _WEIGHT_FILES:
        path = model_dir / name
        if path.exists():
            size = path.stat().st_size
            with path.open("rb") as handle:
                digest.update(str(size).encode() + handle.read(_SAMPLE_BYTES))
                handle.seek(max(0, size - _SAMPLE_BYTES))
                digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()[:16]


class SentenceEmbedder:
    """A sentence-transformers model loaded from a local folder, once."""

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        if (
            not (model_dir / "modules.json").exists()
            and not (model_dir / "config.json").exists()
        ):
            raise ConfigurationError(
                f"embedding model folder {model_dir} holds no sentence-transformers "
                "model "
                "(no modules.json or config.json)"
            )
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.fingerprint = model_fingerprint(model_dir)
        self.name = (
            model_dir.name if model_dir.name != "model" else model_dir.parent.name
        )

    @cached_property
    def llama_embedding(self) -> HuggingFaceEmbedding:
        """The model as a llama-index embedding (loaded on first use)."""
        force_offline()
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        started = time.perf_counter()
        try:
            embedding = HuggingFaceEmbedding(
                model_name=str(self.model_dir),
                device="cpu",
                embed_batch_size=self.batch_size,
            )
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"cannot load the embedding model from {self.model_dir}: {exc}"
            ) from exc
        logger.info(
            "loaded embedding model %s in %.0f ms",
            self.name,
            (time.perf_counter() - started) * 1000,
        )
        return embedding

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model underneath."""
        model: SentenceTransformer = self.llama_embedding._model
        return model

    @property
    def dimension(self) -> int:
        """Length of the vectors the model makes."""
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ConfigurationError(
                f"model {self.model_dir} does not state its dimension"
            )
        return int(dimension)

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; the rest of a text would be cut off."""
        return int(self.model.max_seq_length or 512)

    def count_tokens(self, text: str) -> int:
        """Count the word pieces of a text, special tokens excluded."""
        encoded: Any = self.model.tokenizer(
            text, add_special_tokens=False, return_attention_mask=False
        )
        return len(encoded["input_ids"])

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed texts into unit-length vectors."""
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        array: np.ndarray = np.asarray(vectors, dtype=np.float32)
        return array

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        vector: np.ndarray = self.embed([text])[0]
        return vector
