"""Server-sent events for a streamed answer: text pieces, then the whole answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

from tracker_rag.answer.answer_events import AnswerDelta, AnswerDone
from tracker_rag.domain import Answer
from tracker_rag.errors import TrackerRagError

logger = logging.getLogger(__name__)


def server_sent_event(event: str, data: object) -> str:
    """Format one event in the text/event-stream format."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(
    events: Iterator[AnswerDelta | AnswerDone],
    on_answer: Callable[[Answer], None],
    request_id: str,
) -> Iterator[str]:
    """`delta` events as the text is written, then a `done` event with the answer.

    A failure after the stream has begun cannot change the status any more: it
    becomes an `error` event naming the reason and the request id.
    """
    try:
        for event in events:
            if isinstance(event, AnswerDone):
                on_answer(event.answer)
                yield server_sent_event("done", event.answer.model_dump(mode="json"))
            else:
                yield server_sent_event("delta", {"text": event.text})
    except TrackerRagError as exc:
        logger.error("request %s failed while streaming: %s", request_id, exc)
        yield server_sent_event("error", {"error": str(exc), "request_id": request_id})
