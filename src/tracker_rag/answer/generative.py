"""Written answers from a chat model, each sentence checked before it is shown.

The model sees the retrieved passages, numbered, and streams a reply; the reply
is then split into sentences and each is checked against what it cites (see
`verification`). The outcome is one of three: a checked answer, a refusal (the
model says the passages do not answer), or unusable output, for which the
caller falls back to the extractive answer and says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tracker_rag.answer.llm.backend import ChatBackend
from tracker_rag.answer.prompt import ChatMessage, build_messages, is_no_answer
from tracker_rag.answer.verification import CitationVerifier, VerifiedAnswer
from tracker_rag.domain import Filters, Generation, PromptPassage, ScoredChunk

Outcome = Literal["answered", "refused", "unusable"]


@dataclass(frozen=True)
class CheckedReply:
    """What the check made of one reply."""

    outcome: Outcome
    verified: VerifiedAnswer
    generation: Generation


def prompt_passages(passages: list[ScoredChunk]) -> list[PromptPassage]:
    """The passages as numbered in the prompt, for the answer's record."""
    return [
        PromptPassage(
            number=number,
            chunk_id=scored.chunk.chunk_id,
            doc_id=scored.chunk.doc_id,
            title=scored.chunk.title,
            text=scored.chunk.text,
        )
        for number, scored in enumerate(passages, start=1)
    ]


class GenerativeAnswerer:
    """Prompt a chat backend with numbered passages and check what it writes."""

    def __init__(
        self,
        backend: ChatBackend,
        verifier: CitationVerifier,
        max_tokens: int = 256,
        timeout: float = 60.0,
    ) -> None:
        self.backend = backend
        self._verifier = verifier
        self._max_tokens = max_tokens
        self._timeout = timeout

    def messages(
        self,
        question: str,
        passages: list[ScoredChunk],
        filters: Filters,
        today: dt.date | None = None,
    ) -> list[ChatMessage]:
        """The prompt for this question and these passages."""
        return build_messages(question, passages, filters, today)

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """The model's reply as it is produced.

        Raises:
            GeneratorError: The backend is down, too slow or gives no text.
        """
        return self.backend.stream_chat(messages, self._max_tokens, self._timeout)

    def check(self, reply: str, passages: list[ScoredChunk]) -> CheckedReply:
        """Verify the reply's sentences and decide what to show."""
        verified = self._verifier.verify(reply, passages)
        if not reply.strip():
            outcome: Outcome = "unusable"
            reason: str | None = "the model's reply was empty"
        elif is_no_answer(reply) and verified.supported_count == 0:
            outcome, reason = "refused", None
        elif verified.supported_count == 0:
            outcome = "unusable"
            reason = (
                f"none of the {len(verified.statements)} sentences of the model's "
                "reply is supported by the retrieved passages"
            )
        else:
            outcome, reason = "answered", None
        generation = Generation(
            backend=self.backend.name,
            model=self.backend.model,
            draft=reply,
            passages=prompt_passages(passages),
            statements=verified.statements,
            removed=verified.removed,
            marked=verified.marked,
            fallback=reason,
        )
        return CheckedReply(outcome, verified, generation)
