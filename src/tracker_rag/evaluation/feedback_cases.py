"""Turn votes stored by the chat UI into draft eval cases for a maintainer to review.

A thumbs up becomes an answerable case whose reference answer and passages are
what was shown; a thumbs down becomes a case marked unanswerable, to be fixed
by hand when the corpus does hold the answer. Every draft carries a `review`
note: nothing here is a gold label until a person has read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker_rag.answer.citation_markers import strip_markers
from tracker_rag.errors import DatasetError
from tracker_rag.feedback import FeedbackStore, StoredFeedback


def draft_case(entry: StoredFeedback) -> dict[str, Any]:
    """One draft case row in the project's JSON Lines format."""
    passages = [
        {"doc_id": str(citation["doc_id"]), "text": str(citation["text"])}
        for citation in entry.citations
        if citation.get("doc_id") and citation.get("text")
    ]
    common = {"id": f"fb{entry.id:04d}", "question": entry.question}
    if entry.vote == "up" and passages:
        return common | {
            "answerable": True,
            "type": "from_feedback",
            "reference_answer": strip_markers(entry.answer),
            "passages": passages,
            "review": "voted up: trim the reference answer and passages to what "
            "answers the question",
        }
    return common | {
        "answerable": False,
        "type": "from_feedback",
        "reference_answer": None,
        "review": f"voted {entry.vote}: if the corpus answers it, set answerable "
        "to true and give the passages that hold the answer",
    }


def feedback_to_cases(database: Path) -> list[dict[str, Any]]:
    """Draft cases for every stored vote, oldest first."""
    if not database.is_file():
        raise DatasetError(f"no feedback database at {database}")
    return [draft_case(entry) for entry in FeedbackStore(database).all()]
