"""Embed texts with a local sentence-transformers model, offline, on either encoder."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from tracker_rag.index.llama_embedding import EncoderEmbedding
from tracker_rag.index.model_folder import ModelFolder
from tracker_rag.index.onnx_encoder import OnnxEncoder
from tracker_rag.index.torch_encoder import TorchEncoder
from tracker_rag.settings import Settings, default_model_cache_dir

EncoderName = Literal["onnx", "torch"]

_FINGERPRINT_FILES = ("config.json", "modules.json", "sentence_bert_config.json")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_SAMPLE_BYTES = 1 << 20


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


class Encoder(Protocol):
    """What the embedder needs of a backend: count word pieces and embed."""

    name: str

    @property
    def dimension(self) -> int:
        """Length of the vectors the model makes."""
        ...

    def count_tokens(self, text: str) -> int:
        """Count the word pieces of a text, special tokens excluded."""
        ...

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Embed texts into unit-length vectors."""
        ...


class SentenceEmbedder:
    """One local model, loaded once, run by onnxruntime or by torch.

    Both encoders give the same vectors (to about 1e-7) and the same word-piece
    counts, so an index built with one can be queried with the other; the
    fingerprint names the model, not the encoder.
    """

    def __init__(
        self,
        model_dir: Path,
        batch_size: int = 32,
        encoder: EncoderName = "onnx",
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.folder = ModelFolder.read(model_dir)
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.fingerprint = model_fingerprint(model_dir)
        self.name = (
            model_dir.name if model_dir.name != "model" else model_dir.parent.name
        )
        self.encoder: Encoder = (
            OnnxEncoder(
                self.folder,
                self.fingerprint,
                cache_dir or default_model_cache_dir(),
                threads,
            )
            if encoder == "onnx"
            else TorchEncoder(self.folder, threads)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SentenceEmbedder:
        """The model, encoder, threads and cache folder the settings name."""
        return cls(
            settings.model_path,
            settings.embed_batch_size,
            settings.encoder,
            settings.encoder_threads,
            settings.model_cache_dir,
        )

    @cached_property
    def llama_embedding(self) -> EncoderEmbedding:
        """The embedder as a llama-index embedding, for the ingestion pipeline."""
        return EncoderEmbedding(self.embed, self.name)

    def prepare(self) -> None:
        """Make the model's files ready (the ONNX export) without loading it.

        A process that forks or spawns workers calls this first, so that the
        workers do not each export the model, and no thread pool is forked.
        """
        if isinstance(self.encoder, OnnxEncoder):
            self.encoder.model_file()

    def load(self) -> None:
        """Load (and if need be export) the model now rather than on first use."""
        self.embed_query("warm up")

    @property
    def dimension(self) -> int:
        """Length of the vectors the model makes."""
        return self.encoder.dimension

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; the rest of a text would be cut off."""
        return self.folder.max_tokens

    def count_tokens(self, text: str) -> int:
        """Count the word pieces of a text, special tokens excluded."""
        return self.encoder.count_tokens(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts into unit-length vectors."""
        return self.encoder.encode(texts, self.batch_size)

    def embed_each(self, texts: list[str]) -> np.ndarray:
        """Embed short texts one at a time, as a question's candidate sentences.

        With no padding to compute, single texts run faster on a CPU than
        batches of a few dozen words each (measured in bench/RESULTS.md).
        """
        return self.encoder.encode(texts, 1)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question."""
        vector: np.ndarray = self.embed([text])[0]
        return vector
