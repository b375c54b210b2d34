"""Who holds a worker's claim, and for how long.

The reconcile worker claims what it works on (a sign request to ask Xaman about, a signed
transaction to follow, an escrow to look up on the ledger) by writing its name and an expiry
on the row, committed at once, instead of holding a row lock while it waits for an outside
system: a request, a webhook or another worker is never kept waiting behind it. A worker that
dies leaves its claims to expire; one that stops gives them back.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

# Longer than any one item takes (Xaman's and the node's timeouts, retries with backoff), so a
# live worker never loses an item to another in the middle of it.
DEFAULT_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Lease:
    owner: str
    duration: timedelta = DEFAULT_LEASE

    @classmethod
    def for_this_process(cls, duration: timedelta = DEFAULT_LEASE) -> Lease:
        """A name no other worker has: the host, the process and a random part."""
        owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        return cls(owner=owner[:64], duration=duration)
