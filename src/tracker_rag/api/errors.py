"""Translate every error into an HTTP response, in one place."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker_rag import errors
from tracker_rag.api.body_limit import BodyTooLargeError
from tracker_rag.api.schemas import ErrorBody

logger = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides.
STATUS_BY_ERROR: tuple[tuple[type[errors.TrackerRagError], int], ...] = (
    (errors.NotFoundError, 404),
    (errors.InvalidFilterError, 422),
    (errors.InvalidQuestionError, 422),
    (errors.InvalidDateError, 422),
    (errors.DatasetError, 422),
    (errors.ArchiveError, 422),
    (errors.InputError, 400),
    (errors.MetadataError, 422),
    (errors.UnreadableFileError, 422),
    (errors.DocumentError, 422),
    (errors.IndexOutdatedError, 503),
    (errors.IndexMissingError, 503),
    (errors.ModelMismatchError, 503),
    (errors.StoreError, 503),
    (errors.IndexError_, 503),
    (errors.GeneratorUnavailableError, 503),
    (errors.GeneratorOutputError, 503),
    (errors.GeneratorError, 503),
    (errors.ModelFileError, 500),
    (errors.ConfigurationError, 500),
    (errors.TrackerRagError, 500),
)


class ApiError(Exception):
    """An error raised by a route with its status and the field at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def status_for(error: errors.TrackerRagError) -> int:
    """The HTTP status of a project error."""
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 500


def request_id_of(request: Request) -> str:
    """The id the middleware gave this request."""
    return str(getattr(request.state, "request_id", "-"))


def error_response(
    request: Request,
    status: int,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON error body with the request id (and any headers the error needs)."""
    body = ErrorBody(error=message, field=field, request_id=request_id_of(request))
    all_headers = {**(headers or {}), "X-Request-ID": body.request_id}
    return JSONResponse(body.model_dump(), status_code=status, headers=all_headers)


def _field_name(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into JSON error bodies."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.message, exc.field, exc.headers)

    @app.exception_handler(BodyTooLargeError)
    async def _too_large(request: Request, exc: BodyTooLargeError) -> JSONResponse:
        return error_response(request, 413, exc.message, exc.field)

    @app.exception_handler(errors.TrackerRagError)
    async def _project_error(
        request: Request, exc: errors.TrackerRagError
    ) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            logger.error("request %s failed: %s", request_id_of(request), exc)
        return error_response(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        field = _field_name(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            message = "unknown field"
        return error_response(request, 422, f"{field}: {message}", field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(
            request, exc.status_code, str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("request %s failed unexpectedly", request_id_of(request))
        return error_response(
            request, 500, "internal error; quote the request id when reporting it"
        )
