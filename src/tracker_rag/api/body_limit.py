"""Refuse an oversized request body as it arrives, before any of it is stored.

Starlette spools a multipart upload to temporary files before a route sees it,
so a per-file check in the route alone would let a client fill the disk first.
This middleware counts the bytes of every /v1 request body instead: a declared
`Content-Length` over the limit is refused before anything is read, and a body
sent in chunks without a length is refused the moment it passes the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker_rag.settings import Settings

# Room for the multipart boundaries and part headers around each uploaded file.
MULTIPART_ALLOWANCE_PER_FILE = 16_384


class BodyTooLargeError(StarletteHTTPException):
    """A request body over its limit (413).

    An HTTP exception, so that FastAPI hands it to the error handlers instead of
    turning it into "error parsing the body".
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(status_code=413, detail=message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class BodyLimits:
    """How many bytes a request body may hold."""

    upload_files: int
    upload_file_bytes: int
    other_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        """The limits the settings ask for."""
        return cls(
            upload_files=settings.max_upload_files,
            upload_file_bytes=settings.max_upload_bytes,
            other_bytes=settings.max_body_bytes,
        )

    @property
    def upload_bytes(self) -> int:
        """The whole body of one upload: every file at its limit, plus framing."""
        return self.upload_files * (
            self.upload_file_bytes + MULTIPART_ALLOWANCE_PER_FILE
        )

    def error_for(self, scope: Scope) -> tuple[int, BodyTooLargeError]:
        """The limit of this request and the error to raise past it."""
        if scope["method"] == "POST" and scope["path"] == "/v1/documents":
            limit = self.upload_bytes
            return limit, BodyTooLargeError(
                f"files: the upload is over the limit of {limit:,} bytes in all "
                f"(at most {self.upload_files} files of "
                f"{self.upload_file_bytes:,} bytes each)",
                "files",
            )
        limit = self.other_bytes
        return limit, BodyTooLargeError(
            f"body: the request body is over the limit of {limit:,} bytes", "body"
        )


def declared_length(scope: Scope) -> int | None:
    """The body length the client announced, if it announced a valid one."""
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class BodySizeLimit:
    """ASGI middleware: stop a /v1 request body at its limit with a 413."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a `receive` that counts the body's bytes."""
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        limit, error = self.limits.error_for(scope)
        announced = declared_length(scope)
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            if announced is not None and announced > limit:
                raise error
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise error
            return message

        await self.app(scope, receive_within_limit, send)
