"""Any OpenAI-compatible chat endpoint (llama.cpp's server, Ollama, vLLM, hosted ones).

Reached through llama-index's `OpenAILike`, with an HTTP client of our own so
that connecting and the whole answer each have a limit, and without retries:
an endpoint that is down answers "unavailable" at once instead of hanging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
from llama_index.llms.openai_like import OpenAILike

from tracker_rag.answer.llm.backend import within_deadline
from tracker_rag.answer.prompt import ChatMessage
from tracker_rag.errors import (
    ConfigurationError,
    GeneratorOutputError,
    GeneratorUnavailableError,
)

logger = logging.getLogger(__name__)


class _TimedOpenAILike(OpenAILike):
    """`OpenAILike` whose client gets separate connect and read timeouts.

    llama-index hands the OpenAI client one number for every timeout; the
    client accepts an `httpx.Timeout`, which this passes instead.
    """

    request_timeout: httpx.Timeout | None = None

    def _get_credential_kwargs(self, is_async: bool = False) -> dict[str, Any]:
        arguments = super()._get_credential_kwargs(is_async)
        if self.request_timeout is not None:
            arguments["timeout"] = self.request_timeout
        return arguments


class OpenAICompatibleBackend:
    """Stream chat replies from an OpenAI-compatible `/v1/chat/completions`."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        connect_timeout: float = 3.0,
        timeout: float = 60.0,
        stall_timeout: float = 30.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"TRACKER_RAG_LLM_BASE_URL {base_url!r} is not an http(s) URL"
            )
        self.model = model
        self.base_url = base_url.rstrip("/")
        self._llm = _TimedOpenAILike(
            model=model,
            api_base=self.base_url,
            api_key=api_key or "no-key",
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=32768,
            temperature=0.0,
            max_retries=0,
            timeout=timeout,
        )
        # Reading waits at most `stall_timeout` for the next bytes; the whole
        # answer's limit is kept by `within_deadline`.
        self._llm.request_timeout = httpx.Timeout(
            min(timeout, stall_timeout), connect=connect_timeout
        )

    def _messages(self, messages: list[ChatMessage]) -> list[Any]:
        from llama_index.core.llms import ChatMessage as LlamaChatMessage

        return [LlamaChatMessage(role=m.role, content=m.content) for m in messages]

    def _pieces(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        import openai

        try:
            for response in self._llm.stream_chat(
                self._messages(messages), max_tokens=max_tokens
            ):
                delta = response.delta
                if delta is None:
                    continue
                if not isinstance(delta, str):
                    raise GeneratorOutputError(
                        f"{self.base_url} streamed a non-text reply"
                    )
                yield delta
        except (
            openai.APIConnectionError,
            openai.APITimeoutError,
            httpx.HTTPError,
        ) as exc:
            raise GeneratorUnavailableError(
                f"the language model at {self.base_url} cannot be reached or "
                f"timed out: {exc}"
            ) from exc
        except openai.APIStatusError as exc:
            raise GeneratorUnavailableError(
                f"the language model at {self.base_url} answered "
                f"{exc.status_code}: {exc.message}"
            ) from exc
        except openai.OpenAIError as exc:
            raise GeneratorOutputError(
                f"the language model at {self.base_url} gave an unusable reply: {exc}"
            ) from exc

    def stream_chat(
        self, messages: list[ChatMessage], max_tokens: int, timeout: float
    ) -> Iterator[str]:
        """Yield the reply as it streams in; no piece after the deadline."""
        return within_deadline(
            self._pieces(messages, max_tokens),
            timeout,
            f"the language model at {self.base_url}",
        )
