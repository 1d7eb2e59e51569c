"""llama.cpp in this process, through `llama-cpp-python`, from a GGUF file.

The model loads once and is shared; llama.cpp contexts are not thread safe, so
one reply is generated at a time and other callers wait their turn (within
their own deadline).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker_rag.answer.llm.backend import within_deadline
from tracker_rag.answer.prompt import ChatMessage
from tracker_rag.errors import (
    ConfigurationError,
    GeneratorOutputError,
    GeneratorUnavailableError,
)

logger = logging.getLogger(__name__)


class LlamaCppBackend:
    """Stream chat replies from a GGUF model run by llama.cpp in-process."""

    name = "llama-cpp"

    def __init__(
        self, model_path: Path, context_tokens: int = 4096, threads: int | None = None
    ) -> None:
        if not model_path.is_file():
            raise ConfigurationError(f"no GGUF model file at {model_path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ConfigurationError(
                "llama-cpp-python is not installed: install the 'llm' extra "
                "(bash scripts/install.sh --llm)"
            ) from exc
        started = time.perf_counter()
        self.model = model_path.name
        self.model_path = model_path
        self._lock = threading.Lock()
        self._llama: Any = Llama(
            model_path=str(model_path),
            n_ctx=context_tokens,
            n_threads=threads,
            verbose=False,
        )
        logger.info(
            "loaded %s in llama.cpp in %.0f ms",
            model_path.name,
            (time.perf_counter() - started) * 1000,
        )

    def _pieces(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        stream = self._llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=0.0,
            stream=True,
        )
        for chunk in stream:
            choices = chunk.get("choices") or []
            if not choices:
                continue
            delta = choices[0].get("delta", {}).get("content")
            if delta is None:
                continue
            if not isinstance(delta, str):
                raise GeneratorOutputError("llama.cpp produced a non-text reply")
            yield delta

    def stream_chat(
        self, messages: list[ChatMessage], max_tokens: int, timeout: float
    ) -> Iterator[str]:
        """Yield the reply as llama.cpp produces it, one reply at a time."""
        if not self._lock.acquire(timeout=timeout):
            raise GeneratorUnavailableError(
                f"llama.cpp stayed busy with other answers for {timeout:g} s"
            )
        try:
            yield from within_deadline(
                self._pieces(messages, max_tokens), timeout, "llama.cpp"
            )
        except ValueError as exc:
            # llama-cpp-python raises ValueError for a prompt over the context.
            raise GeneratorOutputError(f"llama.cpp refused the prompt: {exc}") from exc
        finally:
            self._lock.release()
