"""Prometheus metrics (requests, lifecycle transitions, failure codes, outside calls).

With several API workers (`ringledger serve --workers N`) the metrics are kept in
prometheus-client's multiprocess mode, and `exposition()` sums every worker's.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

# Read by prometheus-client when it is first imported: set before the workers start.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

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
ANOMALIES = Counter(
    "ringledger_ledger_anomalies_total",
    "Escrow moves found on the ledger that the bout's outcome did not allow",
    ["escrow_kind"],
)
FOLLOWED = Counter(
    "ringledger_follow_through_total",
    "Signed transactions the worker followed to the ledger, by what became of them",
    ["phase", "outcome"],
)
WATCHED = Counter(
    "ringledger_ledger_watch_total",
    "Escrows the worker looked up on the ledger, by what it found",
    ["found"],
)
OUTSIDE_CALLS = Counter(
    "ringledger_outside_calls_total",
    "Calls to Xaman and the XRPL node",
    ["system", "operation", "outcome"],
)


def exposition() -> bytes:
    """The Prometheus text of this process, or of all the workers in multiprocess mode."""
    if not os.environ.get(METRICS_DIR_VARIABLE):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
    return generate_latest(registry)
