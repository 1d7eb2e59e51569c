"""Render answers and ingest reports for people reading a terminal."""

from __future__ import annotations

import textwrap

from tracker_rag.domain import Answer
from tracker_rag.index.ingestion import IngestReport

WIDTH = 88


def render_answer(answer: Answer) -> str:
    """The answer, then its numbered sources with title, date and passage."""
    lines = textwrap.wrap(answer.answer, WIDTH) or [""]
    generation = answer.generation
    if generation is not None:
        if generation.fallback:
            note = f"(extractive answer: {generation.fallback})"
        else:
            note = (
                f"(written by {generation.model}; {len(generation.statements)} "
                f"sentences checked, {generation.removed} removed, "
                f"{generation.marked} marked unsupported)"
            )
        lines += textwrap.wrap(note, WIDTH)
    if answer.citations:
        lines += ["", "Sources:"]
    for citation in answer.citations:
        date = citation.updated or citation.published
        heading = f"[{citation.marker}] {citation.title}"
        if date:
            heading += f" ({date.isoformat()})"
        lines.append(heading)
        details = f"    {citation.doc_id}, section \u201c{citation.section}\u201d, "
        details += f"characters {citation.start}-{citation.end}"
        lines.append(details)
        if citation.url:
            lines.append(f"    {citation.url}")
        lines += textwrap.wrap(
            f"\u201c{citation.text}\u201d",
            WIDTH,
            initial_indent="    ",
            subsequent_indent="    ",
        )
    return "\n".join(lines)


def render_ingest_report(report: IngestReport) -> str:
    """What the ingest added, updated, removed, skipped and could not read."""
    lines = []
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        lines += [f"{label}: {doc_id}" for doc_id in ids]
    lines += [
        f"kept (file unreadable, old version kept): {doc_id}" for doc_id in report.kept
    ]
    lines += [f"error: {failure.path}: {failure.reason}" for failure in report.failures]
    lines.append(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {len(report.skipped)} unchanged, "
        f"{len(report.failures)} unreadable; {report.chunks_embedded} chunks embedded, "
        f"{report.chunks_total} in the index ({report.seconds:.1f} s)"
    )
    return "\n".join(lines)
