"""Routes over the corpus: list, read, upload, delete documents; follow jobs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from tracker_rag.api.auth import check_read_access, check_write_access
from tracker_rag.api.context import AppContext, get_context
from tracker_rag.api.errors import ApiError
from tracker_rag.api.schemas import DocumentPage, JobStatus, error_responses
from tracker_rag.api.uploads import store_uploads
from tracker_rag.domain import DocumentDetail, DocumentKind, Filters
from tracker_rag.errors import NotFoundError

router = APIRouter(prefix="/v1", tags=["documents"])
Context = Annotated[AppContext, Depends(get_context)]


@router.get(
    "/documents",
    response_model=DocumentPage,
    responses=error_responses(401, 422, 500, 503),
)
def list_documents(
    request: Request,
    context: Context,
    topic: Annotated[str | None, Query(max_length=300)] = None,
    kind: DocumentKind | None = None,
    as_of: dt.date | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> DocumentPage:
    """List indexed documents, a page at a time, optionally filtered."""
    check_read_access(request, context.settings)
    filters = Filters(topic=topic, kind=kind, as_of=as_of)
    total, documents = context.service.list_documents(filters, offset, limit)
    return DocumentPage(total=total, offset=offset, limit=limit, documents=documents)


@router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentDetail,
    responses=error_responses(401, 404, 500, 503),
)
def get_document(doc_id: str, request: Request, context: Context) -> DocumentDetail:
    """One document's metadata and full text (the text citation offsets refer to)."""
    check_read_access(request, context.settings)
    return context.service.get_document(doc_id)


@router.post(
    "/documents",
    response_model=JobStatus,
    status_code=202,
    responses=error_responses(400, 401, 403, 413, 415, 422, 500, 503),
)
async def upload_documents(
    request: Request,
    context: Context,
    files: Annotated[list[UploadFile], File(description="One or more corpus files.")],
    folder: Annotated[str, Form(description="`sources` or `articles`.")] = "sources",
) -> JobStatus:
    """Store files in the corpus folder and ingest them in the background.

    Follow the returned job at `GET /v1/jobs/{id}`; questions keep being answered
    from the current index until the new one is ready.
    """
    check_write_access(request, context.settings)
    if len(files) > context.settings.max_upload_files:
        raise ApiError(
            413,
            f"files: at most {context.settings.max_upload_files} files per upload",
            "files",
        )
    stored = await store_uploads(
        files, context.settings.corpus_dir, folder, context.settings.max_upload_bytes
    )
    return context.jobs.submit("upload", stored)


@router.delete(
    "/documents/{doc_id:path}",
    response_model=JobStatus,
    status_code=202,
    responses=error_responses(401, 403, 404, 500, 503),
)
def delete_document(doc_id: str, request: Request, context: Context) -> JobStatus:
    """Delete a document's file from the corpus and remove it from the index."""
    check_write_access(request, context.settings)
    files = context.service.index.state.files
    names = [name for name, owner in files.items() if owner == doc_id]
    if not names:
        raise NotFoundError(f"no document with id {doc_id!r}")
    corpus = context.settings.corpus_dir.resolve()
    for name in names:
        path = (corpus / name).resolve()
        if path.is_relative_to(corpus):
            path.unlink(missing_ok=True)
    return context.jobs.submit("delete", names)


@router.get(
    "/jobs/{job_id}",
    response_model=JobStatus,
    responses=error_responses(401, 404, 500),
)
def get_job(job_id: str, request: Request, context: Context) -> JobStatus:
    """The state of a background ingestion job."""
    check_read_access(request, context.settings)
    return context.jobs.get(job_id)
