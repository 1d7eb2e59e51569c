"""A token bucket per client for the answer route: a burst, then a steady pace.

Each client has a bucket holding up to `burst` tokens that refills at
`per_minute / 60` tokens a second; a question takes one token, and a client
with an empty bucket gets a 429 with `Retry-After` until the next token.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from tracker_rag.api.auth import client_identity
from tracker_rag.api.errors import ApiError
from tracker_rag.api.metrics import ApiMetrics
from tracker_rag.settings import Settings

MAX_CLIENTS = 10_000
# Rounding must not refuse a client that waited exactly as long as told.
TOKEN_EPSILON = 1e-9


@dataclass
class _Bucket:
    tokens: float
    updated: float


# Known limit: the buckets live in one process; with several server workers each
# worker keeps its own, so a client may get up to `workers` times the pace.
class RateLimiter:
    """Token buckets keyed by client, thread-safe and bounded in memory.

    A bucket left alone long enough to fill up again is the same as a new one,
    so such idle buckets are dropped; past `max_clients` the least recently
    seen client's bucket is dropped too.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> RateLimiter:
        """The limiter the settings ask for (off when the pace is 0)."""
        return cls(settings.rate_limit_per_minute, settings.rate_limit_burst, clock)

    @property
    def enabled(self) -> bool:
        """Whether any limit applies."""
        return self.per_minute > 0

    @property
    def tracked_clients(self) -> int:
        """How many buckets are kept now."""
        with self._lock:
            return len(self._buckets)

    def acquire(self, client: str) -> float:
        """Take a token for a client: 0 when allowed, else the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            self._drop_idle(now)
            bucket = self._buckets.pop(client, None)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self._rate)
                bucket.updated = now
            self._buckets[client] = bucket
            if len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0 - TOKEN_EPSILON:
                bucket.tokens = max(0.0, bucket.tokens - 1.0)
                return 0.0
            return (1.0 - bucket.tokens) / self._rate

    def _drop_idle(self, now: float) -> None:
        # Buckets are kept in the order they were last used, oldest first.
        refill_seconds = self.burst / self._rate
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < refill_seconds:
                return
            self._buckets.popitem(last=False)


def check_rate_limit(
    request: Request,
    settings: Settings,
    limiter: RateLimiter,
    metrics: ApiMetrics,
    route: str,
) -> None:
    """Let the request through, or refuse it with a 429 saying when to retry.

    Raises:
        ApiError: 429 with a `Retry-After` header in whole seconds.
    """
    if not limiter.enabled:
        return
    wait = limiter.acquire(client_identity(request, settings))
    if wait <= 0:
        return
    metrics.observe_rate_limited(route)
    retry_after = max(1, math.ceil(wait))
    raise ApiError(
        429,
        f"too many requests: at most {limiter.per_minute} a minute "
        f"(bursts of {limiter.burst}); retry in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )
