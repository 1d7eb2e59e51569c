"""Prometheus metrics of one app: requests, latency, limits, answers, index size."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ApiMetrics:
    """The counters and histograms of one app, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tracker_rag_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tracker_rag_http_request_seconds",
            "HTTP request latency by route.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tracker_rag_rate_limited_requests",
            "Requests refused with 429 by the rate limit, by route.",
            ["route"],
            registry=self.registry,
        )
        self.answers = Counter(
            "tracker_rag_answers",
            "Answers given (abstentions included).",
            registry=self.registry,
        )
        self.abstentions = Counter(
            "tracker_rag_abstentions", "Answers that abstained.", registry=self.registry
        )
        self.documents = Gauge(
            "tracker_rag_index_documents",
            "Documents in the index.",
            registry=self.registry,
        )
        self.chunks = Gauge(
            "tracker_rag_index_chunks", "Chunks in the index.", registry=self.registry
        )

    def observe_request(
        self, route: str, method: str, status: int, seconds: float
    ) -> None:
        """Count one request and its latency."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_rate_limited(self, route: str) -> None:
        """Count one request refused by the rate limit."""
        self.rate_limited.labels(route).inc()

    def observe_answer(self, abstained: bool) -> None:
        """Count one answer."""
        self.answers.inc()
        if abstained:
            self.abstentions.inc()

    def render(self, documents: int, chunks: int) -> bytes:
        """The exposition text, with the index sizes read now."""
        self.documents.set(documents)
        self.chunks.set(chunks)
        return generate_latest(self.registry)
