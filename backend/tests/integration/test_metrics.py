"""/metrics in Prometheus format: requests, latency, transitions, failure codes, Xaman calls."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from tests.support.api import Account, Api
from tests.support.flow import Flow, create_evidence
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
