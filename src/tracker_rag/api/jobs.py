"""Background ingestion jobs, run one at a time so ingests never interleave.

Their states are kept in a `JobStore`, shared by every worker process.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Literal

from tracker_rag.api.job_store import JobStore
from tracker_rag.api.schemas import JobStatus
from tracker_rag.errors import NotFoundError
from tracker_rag.index.ingestion import IngestReport

logger = logging.getLogger(__name__)


class JobRunner:
    """Queue ingests on one worker thread and remember how each ended."""

    def __init__(self, ingest: Callable[[], IngestReport], store: JobStore) -> None:
        self._ingest = ingest
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self._store = store

    def submit(
        self, action: Literal["upload", "delete"], files: list[str]
    ) -> JobStatus:
        """Queue an incremental ingest of the corpus folder."""
        job = JobStatus(
            id=uuid.uuid4().hex,
            action=action,
            status="queued",
            files=files,
            created=dt.datetime.now(dt.UTC),
        )
        self._store.save(job)
        self._executor.submit(self._run, job.id)
        return job.model_copy()

    def get(self, job_id: str) -> JobStatus:
        """A job's current state.

        Raises:
            NotFoundError: No job has this id (or it is too old to be kept).
        """
        job = self._store.load(job_id)
        if job is None:
            raise NotFoundError(f"no job with id {job_id!r}")
        return job

    def _update(self, job_id: str, **changes: object) -> None:
        job = self._store.load(job_id)
        if job is not None:
            self._store.save(job.model_copy(update=changes))

    def _run(self, job_id: str) -> None:
        self._update(job_id, status="running")
        try:
            report = self._ingest()
        except Exception as exc:  # a job reports its failure instead of raising it
            logger.error("ingest job %s failed: %s", job_id, exc)
            self._update(job_id, status="failed", error=str(exc), finished=_now())
            return
        self._update(
            job_id,
            status="succeeded",
            finished=_now(),
            added=report.added,
            updated=report.updated,
            removed=report.removed,
            failures=[{"path": f.path, "reason": f.reason} for f in report.failures],
        )

    def wait(self, job_id: str, timeout: float) -> JobStatus:
        """Block until a job ends (for tests and scripts)."""
        done: Future[None] = self._executor.submit(lambda: None)
        done.result(timeout=timeout)
        return self.get(job_id)

    def shutdown(self) -> None:
        """Finish queued jobs and stop the worker."""
        self._executor.shutdown(wait=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
