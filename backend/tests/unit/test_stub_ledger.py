"""The stub ledger has no state: every state read is refused loudly, never answered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from ringledger.ledger.stub import StubLedger, StubLedgerHasNoState

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]

ADDRESS = "rf1BiGeXwwQoi8Z2ueFYTEXSwuJYfV2Jpn"
READS: dict[str, Callable[[StubLedger], Awaitable[object]]] = {
    "validated_ledger": lambda stub: stub.validated_ledger(),
    "escrow": lambda stub: stub.escrow(ADDRESS, 7),
    "account_transactions": lambda stub: stub.account_transactions(ADDRESS),
    "account_info": lambda stub: stub.account_info(ADDRESS),
    "trust_lines": lambda stub: stub.trust_lines(ADDRESS, peer=ADDRESS),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("read", list(READS))
async def test_every_state_read_is_refused(read: str) -> None:
    with pytest.raises(
        StubLedgerHasNoState, match=rf"{read}\(\) is only available with XRPL_MODE=rpc"
    ):
        await READS[read](StubLedger())
