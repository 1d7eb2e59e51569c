"""Server-sent events for a streamed answer: text pieces, then the whole answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from tracker_rag.domain import Answer

_AFTER_MARKER = re.compile(r"(?<=\])\s+(?=\S)")


def server_sent_event(event: str, data: object) -> str:
    """Format one event in the text/event-stream format."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_pieces(text: str) -> list[str]:
    """Cut an answer after each citation marker, keeping every character."""
    pieces, start = [], 0
    for match in _AFTER_MARKER.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def answer_events(answer: Answer) -> Iterator[str]:
    """`delta` events whose texts join into the answer, then a `done` event."""
    for piece in answer_pieces(answer.answer):
        yield server_sent_event("delta", {"text": piece})
    yield server_sent_event("done", answer.model_dump(mode="json"))
