"""Who may read and write: an API key when one is set, loopback otherwise."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets

from fastapi import Request

from tracker_rag.api.errors import ApiError
from tracker_rag.settings import Settings

# Rate-limit identities are keyed hashes, so no key is kept even as a plain hash.
_IDENTITY_SALT = secrets.token_bytes(16)


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


def _as_bytes(text: str) -> bytes:
    # Header values arrive decoded as Latin-1; encoding them back gives the bytes
    # the client sent, so a UTF-8 key compares equal to the configured one.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _key_matches(settings: Settings, presented: str | None) -> bool:
    """Compare in constant time; any length or character set only fails to match."""
    if settings.api_key is None or presented is None:
        return False
    expected = settings.api_key.get_secret_value().encode("utf-8")
    return hmac.compare_digest(expected, _as_bytes(presented))


def client_identity(request: Request, settings: Settings) -> str:
    """Who a request comes from, for rate limits: the key holder or the address.

    Only a valid key names a client (an invalid one would let a caller pick a
    fresh identity per request); IPv6 addresses count per /64 network, the
    block one subscriber usually holds.
    """
    presented = _presented_key(request)
    if presented is not None and _key_matches(settings, presented):
        digest = hashlib.blake2b(
            _as_bytes(presented), key=_IDENTITY_SALT, digest_size=16
        ).hexdigest()
        return f"key:{digest}"
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"host:{host}"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 6:
        return f"net:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def _key_required() -> ApiError:
    return ApiError(
        401,
        "a valid API key is required: send 'Authorization: Bearer <key>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


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
        raise _key_required()


def check_read_access(request: Request, settings: Settings) -> None:
    """Allow a read, unless reads are closed and no valid key is sent."""
    closed = settings.reads_need_key and settings.api_key is not None
    if closed and not _key_matches(settings, _presented_key(request)):
        raise _key_required()
