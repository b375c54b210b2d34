"""/metrics in Prometheus format: requests, latency, transitions, failure codes, Xaman calls."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from tests.support.api import Account, Api
from tests.support.flow import Flow, create_evidence
from tests.support.live import live_server
from tests.support.operator import xaman_unreachable

CONFIRM = "/bouts/{bout_id}/escrows/confirm"
PREPARE = "/bouts/{bout_id}/escrows/prepare"
WATCHED = {
    "requests_422": ("ringledger_http_requests_total", {"route": CONFIRM, "status": "422"}),
    "latency": ("ringledger_http_request_seconds_count", {"route": CONFIRM}),
    "slow_bucket": ("ringledger_http_request_seconds_bucket", {"route": CONFIRM, "le": "10.0"}),
    "created": (
        "ringledger_lifecycle_transitions_total",
        {"entity": "escrow", "from_status": "planned", "to_status": "created"},
    ),
    "tec": ("ringledger_confirm_failures_total", {"failure_code": "ledger_tec_tem"}),
    "conflict": ("ringledger_http_errors_total", {"route": CONFIRM, "code": "state_conflict"}),
    "outage": ("ringledger_http_errors_total", {"route": PREPARE, "code": "xaman_unavailable"}),
    "xaman": (
        "ringledger_outside_calls_total",
        {"system": "xaman", "operation": "create", "outcome": "unreachable"},
    ),
}


def scrape(client: TestClient) -> dict[str, float]:
    """The watched series, summed over the labels not named (0 when absent)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = dict.fromkeys(WATCHED, 0.0)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            for key, (name, labels) in WATCHED.items():
                if sample.name == name and labels.items() <= sample.labels.items():
                    values[key] += sample.value
    return values


def test_lifecycle_and_failures_are_counted(
    api: Api, database: URL, data_dir: Path, admin: Account
) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    before = scrape(api.client)
    with xaman_unreachable(database, data_dir) as down:
        outage = down.client.post(f"/bouts/{flow.id}/escrows/prepare", headers=promoter.headers)
        assert outage.status_code == 502
    assert flow.post("/escrows/prepare").status_code == 200
    rejected = create_evidence(flow.escrow("show_a"), engine_result="temBAD_AMOUNT")
    assert flow.post("/escrows/confirm", rejected, key="metrics-1").status_code == 422
    assert flow.confirm_create("show_a").status_code == 200
    assert flow.confirm_create("show_a").status_code == 409
    after = scrape(api.client)
    delta = {key: after[key] - before[key] for key in WATCHED}
    assert delta == {
        "requests_422": 1,
        "latency": 3,
        "slow_bucket": 3,
        "created": 1,
        "tec": 1,
        "conflict": 1,
        "outage": 1,
        "xaman": 1,
    }


def _scrape_route_count(url: str, route: str) -> float:
    scraped = httpx.get(f"{url}/metrics", headers={"Connection": "close"}).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "ringledger_http_requests_total" and sample.labels["route"] == route
    )


def _requests_then_scrapes(url: str, requests: int) -> list[float]:
    for _ in range(requests):  # a new connection each: the workers share the listening socket
        assert httpx.get(f"{url}/meta", headers={"Connection": "close"}).status_code == 200
    return [_scrape_route_count(url, "/meta") for _ in range(8)]


def test_every_worker_is_counted(database: URL, data_dir: Path, tmp_path: Path) -> None:
    """With two workers, each scrape (whichever worker answers it) sums both workers' counts."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    with live_server(database, data_dir, workers=2, PROMETHEUS_MULTIPROC_DIR=str(shared)) as url:
        counted = _requests_then_scrapes(url, 60)
    writers = {path.stem.rsplit("_", 1)[-1] for path in shared.glob("counter_*.db")}
    assert len(writers) == 2, "both workers answered requests (else the sum proves nothing)"
    assert counted == [60.0] * 8


def test_serve_keeps_the_workers_metrics_in_a_directory_of_its_own(
    database: URL, data_dir: Path
) -> None:
    before = set(Path(tempfile.gettempdir()).glob("ringledger-metrics-*"))
    with live_server(database, data_dir, workers=2) as url:
        during = set(Path(tempfile.gettempdir()).glob("ringledger-metrics-*")) - before
        counted = _requests_then_scrapes(url, 30)
    assert len(during) == 1 and not next(iter(during)).exists(), "removed when serve exits"
    assert counted == [30.0] * 8
