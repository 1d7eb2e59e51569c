"""Ingest jobs' states in SQLite, so every API worker can answer for any job.

A job runs in the worker that accepted the upload, but `GET /v1/jobs/{id}` may
reach another worker; the state therefore lives in the data folder, not in
memory.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker_rag.api.schemas import JobStatus

KEPT_JOBS = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    state TEXT NOT NULL
)
"""


class JobStore:
    """Save and read job states; the newest `KEPT_JOBS` are kept."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = sqlite3.connect(self._path, timeout=30)
            try:
                with connection:
                    yield connection
            finally:
                connection.close()

    def save(self, job: JobStatus) -> None:
        """Write a job's state, replacing the one saved before."""
        with self._connection() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO jobs (id, created, state) VALUES (?, ?, ?)",
                (job.id, job.created.isoformat(), job.model_dump_json()),
            )
            connection.execute(
                "DELETE FROM jobs WHERE id NOT IN "
                "(SELECT id FROM jobs ORDER BY created DESC LIMIT ?)",
                (KEPT_JOBS,),
            )

    def load(self, job_id: str) -> JobStatus | None:
        """A job's last saved state, if it is kept."""
        with self._connection() as connection:
            row = connection.execute(
                "SELECT state FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return None if row is None else JobStatus.model_validate_json(row[0])
