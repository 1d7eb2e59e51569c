"""Embed texts with the model exported to ONNX and run by onnxruntime."""

from __future__ import annotations

import logging
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tracker_rag.errors import ConfigurationError
from tracker_rag.index.model_folder import ModelFolder
from tracker_rag.index.onnx_export import exported_model_file

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

_POOLINGS = ("mean", "cls")


class OnnxEncoder:
    """The same model as the torch encoder, without torch at query time.

    Vectors agree with sentence-transformers' to about 1e-7; the gain is less
    work per call (no Python module tree) and fused attention kernels.
    """

    name = "onnx"

    def __init__(
        self,
        folder: ModelFolder,
        fingerprint: str,
        cache_dir: Path,
        threads: int | None = None,
    ) -> None:
        if folder.pooling not in _POOLINGS:
            raise ConfigurationError(
                f"the onnx encoder pools by mean or CLS token, but {folder.path} "
                f"pools by {folder.pooling}; set TRACKER_RAG_ENCODER=torch"
            )
        if not folder.tokenizer_file.exists():
            raise ConfigurationError(
                f"the onnx encoder needs {folder.tokenizer_file}, a fast tokenizer "
                "file; set TRACKER_RAG_ENCODER=torch"
            )
        self.folder = folder
        self.fingerprint = fingerprint
        self.cache_dir = cache_dir
        self.threads = threads

    def model_file(self) -> Path:
        """The exported model, exported now if it is not there yet."""
        return exported_model_file(self.folder, self.fingerprint, self.cache_dir)

    @cached_property
    def session(self) -> onnxruntime.InferenceSession:
        """The onnxruntime session (the model is exported on first use)."""
        import onnxruntime

        model_file = self.model_file()
        started = time.perf_counter()
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = (
            onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        )
        options.inter_op_num_threads = 1
        if self.threads:
            options.intra_op_num_threads = self.threads
        options.log_severity_level = 3
        try:
            session = onnxruntime.InferenceSession(
                str(model_file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ConfigurationError(
                f"cannot load the ONNX model {model_file}: {exc}; delete it to "
                "export it again"
            ) from exc
        logger.info(
            "loaded embedding model %s on onnxruntime in %.0f ms",
            self.folder.path.name,
            (time.perf_counter() - started) * 1000,
        )
        return session

    @cached_property
    def _counter(self) -> Tokenizer:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.folder.tokenizer_file))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def _tokenizer(self) -> Tokenizer:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.folder.tokenizer_file))
        tokenizer.enable_truncation(self.folder.max_tokens)
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def dimension(self) -> int:
        """Length of the vectors the model makes."""
        return int(self.encode(["dimension"], 1).shape[1])

    @cached_property
    def _input_names(self) -> frozenset[str]:
        """The inputs the exported graph takes (it may lack token types)."""
        return frozenset(node.name for node in self.session.get_inputs())

    @cached_property
    def _pad_id(self) -> int:
        return int(self.folder.config.get("pad_token_id") or 0)

    def count_tokens(self, text: str) -> int:
        """Count the word pieces of a text, special tokens excluded."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Embed texts into unit-length vectors, batching texts of like length."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors: np.ndarray | None = None
        for start in range(0, len(order), batch_size):
            picked = order[start : start + batch_size]
            batch = self._run([encodings[i].ids for i in picked])
            if vectors is None:
                vectors = np.empty((len(texts), batch.shape[1]), dtype=np.float32)
            vectors[picked] = batch
        assert vectors is not None
        return vectors

    def _run(self, token_ids: list[list[int]]) -> np.ndarray:
        """Embed one batch: pad, run, pool and normalise."""
        width = max(len(ids) for ids in token_ids)
        input_ids = np.full((len(token_ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        tokens = self.session.run(
            None, {k: v for k, v in feeds.items() if k in self._input_names}
        )
        hidden = np.asarray(tokens[0], dtype=np.float32)

        if self.folder.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(
                weights.sum(axis=1), 1e-9
            )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: np.ndarray = pooled / np.maximum(norms, 1e-12)
        return result
