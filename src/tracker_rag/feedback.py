"""Store people's votes on answers, so maintainers can turn them into eval cases."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Vote = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    comment TEXT
)
"""


class FeedbackEntry(BaseModel):
    """One vote on one answer."""

    vote: Vote
    question: str = Field(min_length=1, max_length=5000)
    answer: str = Field(max_length=50_000)
    citations: list[dict[str, object]] = Field(default_factory=list, max_length=50)
    comment: str | None = Field(None, max_length=5000)


class StoredFeedback(FeedbackEntry):
    """A vote as stored, with its id and time."""

    id: int
    created: dt.datetime


class FeedbackStore:
    """Votes in a SQLite database file; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, entry: FeedbackEntry) -> StoredFeedback:
        """Store a vote and return it with its id."""
        created = dt.datetime.now(dt.UTC)
        with self._lock, self._connect() as connection:
            cursor = connection.execute(
                "INSERT INTO feedback"
                " (created, vote, question, answer, citations, comment)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    created.isoformat(),
                    entry.vote,
                    entry.question,
                    entry.answer,
                    json.dumps(entry.citations, default=str),
                    entry.comment,
                ),
            )
            row_id = int(cursor.lastrowid or 0)
        return StoredFeedback(**entry.model_dump(), id=row_id, created=created)

    def all(self) -> list[StoredFeedback]:
        """Every stored vote, oldest first."""
        with self._lock, self._connect() as connection:
            rows = connection.execute(
                "SELECT id, created, vote, question, answer, citations, comment"
                " FROM feedback ORDER BY id"
            ).fetchall()
        return [
            StoredFeedback(
                id=row[0],
                created=dt.datetime.fromisoformat(row[1]),
                vote=row[2],
                question=row[3],
                answer=row[4],
                citations=json.loads(row[5]),
                comment=row[6],
            )
            for row in rows
        ]
