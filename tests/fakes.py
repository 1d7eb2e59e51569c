"""Small fakes shared by fast tests."""

from __future__ import annotations

from collections.abc import Iterator

from tracker_rag.answer.prompt import ChatMessage
from tracker_rag.errors import GeneratorUnavailableError


class ReplayBackend:
    """A chat backend that replays queued replies, a few words at a time."""

    name = "replay"

    def __init__(self, *replies: str, model: str = "replay") -> None:
        self.model = model
        self.replies = list(replies)
        self.prompts: list[list[ChatMessage]] = []

    def stream_chat(
        self, messages: list[ChatMessage], max_tokens: int, timeout: float
    ) -> Iterator[str]:
        self.prompts.append(messages)
        if not self.replies:
            raise GeneratorUnavailableError("the replay backend has no reply queued")
        words = self.replies.pop(0).split(" ")
        for index in range(0, len(words), 3):
            tail = " " if index + 3 < len(words) else ""
            yield " ".join(words[index : index + 3]) + tail
