"""One XRPL node over JSON-RPC: a bounded request, its failures as `LedgerUnavailable`, and the
network check that comes before any answer counts
(docs/xrpl-and-xaman.md#server_info-which-network-the-node-follows).

Every failure is counted in `ringledger_outside_calls_total` (system "xrpl", the method as the
operation) and logged at warning level. Nothing is retried here: the caller decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from xrpl import XRPLException
from xrpl.asyncio.clients import AsyncJsonRpcClient

from ringledger.core.config import XRPL_NETWORK_IDS
from ringledger.core.metrics import OUTSIDE_CALLS
from ringledger.core.xrpl_models import Request, ServerInfo
from ringledger.ledger.interface import LedgerUnavailable, NetworkMismatch

log = logging.getLogger(__name__)

# xrpl-py lets each failure surface as its own exception type: the network's (refused, reset,
# HTTP protocol errors) and the answer's (not JSON, no `result`, a `result` that is no object,
# JSON nested deeper than the standard library's parser can recurse).
_TRANSPORT_FAILURES = (OSError, httpx.HTTPError)
_ANSWER_FAILURES = (XRPLException, KeyError, TypeError, ValueError, RecursionError)


class RpcTransport:
    """Requests to one node, each within `timeout_seconds`, from a node that follows `network`."""

    def __init__(
        self,
        client: AsyncJsonRpcClient,
        *,
        timeout_seconds: float,
        network: str,
        require_network_id: bool,
    ) -> None:
        self._client = client
        self.timeout = timeout_seconds
        self.network = network.strip().upper()
        self._require_network_id = require_network_id
        self._verified = False

    async def ensure_network(self) -> None:
        """Ask which network the node follows, unless it already said the right one."""
        if not self._verified:
            await self.check_network()

    async def check_network(self) -> int | None:
        """Ask the node which network it follows; NetworkMismatch unless it is `network`.

        Returns the node's `network_id` (None when it does not report one and that is
        tolerated). A node that cannot be asked raises LedgerUnavailable.
        """
        expected = XRPL_NETWORK_IDS.get(self.network)
        answer = (await self.request(ServerInfo(), "server_info")).get("info")
        reported = answer.get("network_id") if isinstance(answer, dict) else None
        if isinstance(reported, bool) or (reported is not None and not isinstance(reported, int)):
            detail = "server_info.network_id is not a number"
            raise self.failure("invalid_answer", detail, "server_info")
        if reported is None and (self._require_network_id or expected is None):
            self._verified = False
            raise self._mismatch(
                f"the XRPL node does not report which network it follows; {self.network} is "
                "required"
            )
        if reported is not None and reported != expected:
            self._verified = False
            raise self._mismatch(
                f"the XRPL node follows network {reported}, this service is configured for "
                f"{self.network} ({expected})"
            )
        self._verified = True
        return reported

    async def request(self, request: Request, operation: str) -> dict[str, Any]:
        """The `result` of one request, or LedgerUnavailable for anything but an answer."""
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.request(request)
        except TimeoutError as error:
            detail = f"the XRPL node did not answer within {self.timeout:g} s"
            raise self.failure("timeout", detail, operation) from error
        except _TRANSPORT_FAILURES as error:
            detail = f"could not get an answer from the XRPL node ({type(error).__name__})"
            raise self.failure("unreachable", detail, operation) from error
        except _ANSWER_FAILURES as error:
            detail = (
                f"the XRPL node answered something that is not JSON-RPC ({type(error).__name__})"
            )
            raise self.failure("invalid_answer", detail, operation) from error
        result: dict[str, Any] = response.result
        return result

    @staticmethod
    def failure(outcome: str, detail: str, operation: str) -> LedgerUnavailable:
        """Count and log a failed call; the caller raises what this returns."""
        count(outcome, operation)
        log.warning("xrpl %s failed: %s", operation, detail)
        return LedgerUnavailable(detail)

    @staticmethod
    def _mismatch(detail: str) -> NetworkMismatch:
        count("wrong_network", "server_info")
        log.error("xrpl node refused: %s", detail)
        return NetworkMismatch(detail)


def count(outcome: str, operation: str) -> None:
    OUTSIDE_CALLS.labels("xrpl", operation, outcome).inc()
