"""Job states live in SQLite, so any worker answers for any job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker_rag.api import job_store
from tracker_rag.api.job_store import JobStore
from tracker_rag.api.schemas import JobStatus


def make_job(number: int) -> JobStatus:
    return JobStatus(
        id=f"job-{number}",
        action="upload",
        status="queued",
        files=[f"note-{number}.md"],
        created=dt.datetime(2026, 12, 4, tzinfo=dt.UTC) + dt.timedelta(seconds=number),
    )


def test_a_job_saved_by_one_worker_is_read_by_another(tmp_path: Path) -> None:
    accepting, asked = (
        JobStore(tmp_path / "jobs.sqlite3"),
        JobStore(tmp_path / "jobs.sqlite3"),
    )
    job = make_job(1)

    accepting.save(job)
    accepting.save(job.model_copy(update={"status": "succeeded"}))

    seen = asked.load("job-1")
    assert seen is not None
    assert seen.status == "succeeded"
    assert seen.files == ["note-1.md"]
    assert asked.load("job-2") is None


def test_only_the_newest_jobs_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_store, "KEPT_JOBS", 3)
    store = JobStore(tmp_path / "jobs.sqlite3")

    for number in range(5):
        store.save(make_job(number))

    assert [store.load(f"job-{n}") is not None for n in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
