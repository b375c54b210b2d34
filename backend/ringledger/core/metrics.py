"""Prometheus metrics (requests, lifecycle transitions, failure codes, outside calls)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ringledger_http_requests_total",
    "HTTP requests by route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "ringledger_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TRANSITIONS = Counter(
    "ringledger_lifecycle_transitions_total",
    "Lifecycle transitions",
    ["entity", "from_status", "to_status"],
)
ERRORS = Counter(
    "ringledger_http_errors_total",
    "Error responses by route and error code (xaman_unavailable, state_conflict, …)",
    ["route", "code"],
)
FAILURES = Counter(
    "ringledger_confirm_failures_total", "Deterministic confirm failures", ["failure_code"]
)
OUTSIDE_CALLS = Counter(
    "ringledger_outside_calls_total",
    "Calls to Xaman and the XRPL node",
    ["system", "operation", "outcome"],
)
