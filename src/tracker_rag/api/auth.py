"""Who may read and write: an API key when one is set, loopback otherwise."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from tracker_rag.api.errors import ApiError
from tracker_rag.settings import Settings


def is_loopback(host: str | None) -> bool:
    """Tell whether a client address is on this machine."""
    if host is None:
        return False
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _key_matches(settings: Settings, presented: str | None) -> bool:
    if settings.api_key is None or presented is None:
        return False
    expected = settings.api_key.get_secret_value().encode()
    return hmac.compare_digest(expected, presented.encode())


def check_write_access(request: Request, settings: Settings) -> None:
    """Allow a write with the right key, or from loopback when no key is set.

    Raises:
        ApiError: 401 without a valid key, 403 from elsewhere without a key set.
    """
    if settings.api_key is None:
        if not is_loopback(request.client.host if request.client else None):
            raise ApiError(
                403, "writes are accepted only from loopback until an API key is set"
            )
        return
    if not _key_matches(settings, _presented_key(request)):
        raise ApiError(
            401, "a valid API key is required: send 'Authorization: Bearer <key>'"
        )


def check_read_access(request: Request, settings: Settings) -> None:
    """Allow a read, unless reads are closed and no valid key is sent."""
    closed = settings.reads_need_key and settings.api_key is not None
    if closed and not _key_matches(settings, _presented_key(request)):
        raise ApiError(
            401, "a valid API key is required: send 'Authorization: Bearer <key>'"
        )
