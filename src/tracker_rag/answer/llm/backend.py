"""What a generative backend is: a chat model that streams text within a deadline."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Protocol

from tracker_rag.answer.prompt import ChatMessage
from tracker_rag.errors import GeneratorUnavailableError


class ChatBackend(Protocol):
    """A chat model that streams the pieces of its reply."""

    name: str
    model: str

    def stream_chat(
        self, messages: list[ChatMessage], max_tokens: int, timeout: float
    ) -> Iterator[str]:
        """Yield the reply's text as it is produced, within `timeout` seconds.

        Raises:
            GeneratorUnavailableError: Unreachable, refused, or over the deadline.
            GeneratorOutputError: The reply is not text.
        """
        ...


def within_deadline(pieces: Iterable[str], timeout: float, who: str) -> Iterator[str]:
    """Pass pieces on until the whole reply has taken longer than `timeout`."""
    deadline = time.monotonic() + timeout
    for piece in pieces:
        if time.monotonic() > deadline:
            raise GeneratorUnavailableError(
                f"{who} took longer than the {timeout:g} s allowed for an answer"
            )
        yield piece
