"""The answer route's rate limit: a burst, then a pace, then 429 with Retry-After.

Time is a fake clock the tests move, never a sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tracker_rag.api import create_app
from tracker_rag.api.rate_limit import RateLimiter
from tracker_rag.service import TrackerRag

QUESTION = {"question": "What is EVATok?"}
KEY = "rate-limit-test-key"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited_client(
    api_root: Path, service: TrackerRag, clock: FakeClock
) -> Iterator[TestClient]:
    """A client of an app allowing bursts of 2 answers, then 6 a minute."""
    app = create_app(
        make_settings(api_root, api_key=KEY),
        service,
        with_ui=False,
        load_on_start=False,
        rate_limiter=RateLimiter(per_minute=6, burst=2, clock=clock),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_burst_is_answered_then_429_names_the_wait(
    limited_client: TestClient,
) -> None:
    first = limited_client.post("/v1/answer", json=QUESTION)
    second = limited_client.post("/v1/answer", json=QUESTION)
    refused = limited_client.post("/v1/answer", json=QUESTION)

    assert first.status_code == second.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10"  # one answer every 10 s
    body = refused.json()
    assert set(body) == {"error", "field", "request_id"}
    assert "retry in 10 s" in body["error"]
    assert body["request_id"] == refused.headers["X-Request-ID"]


def test_the_client_is_answered_again_after_the_wait(
    limited_client: TestClient, clock: FakeClock
) -> None:
    for _ in range(2):
        limited_client.post("/v1/answer", json=QUESTION)
    refused = limited_client.post("/v1/answer", json=QUESTION)
    clock.advance(float(refused.headers["Retry-After"]) - 0.5)
    still_early = limited_client.post("/v1/answer", json=QUESTION)
    clock.advance(0.5)
    answered = limited_client.post("/v1/answer", json=QUESTION)
    clock.advance(60)
    burst_again = [
        limited_client.post("/v1/answer", json=QUESTION).status_code for _ in range(3)
    ]

    assert still_early.status_code == 429
    assert still_early.headers["Retry-After"] == "1"
    assert answered.status_code == 200
    assert burst_again == [200, 200, 429]


def test_streamed_answers_share_the_limit(limited_client: TestClient) -> None:
    for _ in range(2):
        limited_client.post("/v1/answer", json=QUESTION)
    refused = limited_client.post("/v1/answer", json={**QUESTION, "stream": True})

    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")


def test_refusals_are_counted_in_the_metrics(limited_client: TestClient) -> None:
    for _ in range(4):
        limited_client.post("/v1/answer", json=QUESTION)

    text = limited_client.get("/metrics").text

    assert (
        'tracker_rag_http_requests_total{method="POST",route="/v1/answer",'
        'status="429"} 2.0' in text
    )
    assert 'tracker_rag_rate_limited_requests_total{route="/v1/answer"} 2.0' in text


def test_clients_have_their_own_buckets(
    api_root: Path, service: TrackerRag, clock: FakeClock
) -> None:
    app = create_app(
        make_settings(api_root, api_key=KEY),
        service,
        with_ui=False,
        load_on_start=False,
        rate_limiter=RateLimiter(per_minute=6, burst=1, clock=clock),
    )
    key = {"Authorization": f"Bearer {KEY}"}
    with (
        TestClient(app, client=("203.0.113.5", 1234)) as first,
        TestClient(app, client=("203.0.113.6", 1234)) as second,
    ):
        statuses = [
            first.post("/v1/answer", json=QUESTION).status_code,
            first.post("/v1/answer", json=QUESTION).status_code,
            second.post("/v1/answer", json=QUESTION).status_code,
            # The key's holder is one client, wherever it calls from...
            first.post("/v1/answer", json=QUESTION, headers=key).status_code,
            second.post("/v1/answer", json=QUESTION, headers=key).status_code,
            # ...and a wrong key is no way to a fresh bucket.
            second.post(
                "/v1/answer", json=QUESTION, headers={"Authorization": "Bearer x"}
            ).status_code,
        ]

    assert statuses == [200, 429, 200, 200, 429, 429]


def test_a_pace_of_zero_turns_the_limit_off(
    api_root: Path, service: TrackerRag
) -> None:
    settings = make_settings(api_root, rate_limit_per_minute=0, rate_limit_burst=1)
    app = create_app(settings, service, with_ui=False, load_on_start=False)
    with TestClient(app) as client:
        statuses = {client.post("/v1/answer", json=QUESTION).status_code for _ in "abc"}
    assert statuses == {200}


def test_other_routes_are_not_limited(limited_client: TestClient) -> None:
    for _ in range(3):
        limited_client.post("/v1/answer", json=QUESTION)

    retrieved = limited_client.post("/v1/retrieve", json=QUESTION)
    listed = limited_client.get("/v1/documents")

    assert retrieved.status_code == listed.status_code == 200


def test_the_limiter_allows_exactly_the_burst_under_concurrency(
    clock: FakeClock,
) -> None:
    limiter = RateLimiter(per_minute=60, burst=25, clock=clock)
    allowed: list[bool] = []
    lock = threading.Lock()

    def ask_many() -> None:
        for _ in range(20):
            granted = limiter.acquire("same-client") == 0
            with lock:
                allowed.append(granted)

    threads = [threading.Thread(target=ask_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 160
    assert sum(allowed) == 25


def test_idle_buckets_are_dropped_and_memory_is_bounded(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock, max_clients=100)
    for number in range(1000):
        limiter.acquire(f"client-{number}")
    assert limiter.tracked_clients == 100

    # Five seconds refill a bucket of five at one a second: idle ones go.
    clock.advance(5)
    limiter.acquire("newcomer")
    assert limiter.tracked_clients == 1


def test_a_dropped_bucket_comes_back_full_not_empty(clock: FakeClock) -> None:
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 1.0]
    clock.advance(0.5)
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.advance(10)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 1.0]
