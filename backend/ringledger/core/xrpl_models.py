"""xrpl-py's models, as the service builds them: validated on construction, cheaply.

Every xrpl-py model checks its own fields when it is constructed (`BaseModel.__post_init__`
→ `_get_errors`), and that check starts with `typing.get_type_hints(cls)`, which evaluates every
annotation of the class and its bases again on each call: 0.8 ms of the 0.9 ms an EscrowCreate
costs (xrpl-py 5.2.0, measured in docs/performance.md). A model class's annotations never change
once it is defined, so `xrpl.models.base_model` gets a memoized `get_type_hints`; the checks
themselves run exactly as before (tests/unit/test_xrpl_models.py shows an invalid model is
still refused). Import the models from here so the memo is in place before the first one is
built.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from xrpl.models import base_model
from xrpl.models.amounts import IssuedCurrencyAmount
from xrpl.models.requests import (
    AccountInfo,
    AccountLines,
    AccountTx,
    Ledger,
    LedgerEntry,
    ServerInfo,
    Tx,
)
from xrpl.models.requests.ledger_entry import Escrow as EscrowKey
from xrpl.models.requests.request import Request
from xrpl.models.transactions import (
    EscrowCancel,
    EscrowCreate,
    EscrowFinish,
    TrustSet,
    TrustSetFlag,
)
from xrpl.models.transactions.transaction import Transaction

__all__ = [
    "AccountInfo",
    "AccountLines",
    "AccountTx",
    "EscrowCancel",
    "EscrowCreate",
    "EscrowFinish",
    "EscrowKey",
    "IssuedCurrencyAmount",
    "Ledger",
    "LedgerEntry",
    "Request",
    "ServerInfo",
    "TrustSet",
    "TrustSetFlag",
    "Tx",
]

# base_model calls it only as get_type_hints(cls): one hashable argument, a class whose hints
# are fixed. Anything else still goes to typing's own function.
_hints_of_class = functools.cache(typing.get_type_hints)


def _type_hints(obj: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    if args or kwargs or not isinstance(obj, type):
        return typing.get_type_hints(obj, *args, **kwargs)
    return _hints_of_class(obj)


# The module's namespace: base_model looks the name up there on every call.
_namespace = vars(base_model)
if _namespace["get_type_hints"] is typing.get_type_hints:  # once, and only over the original
    _namespace["get_type_hints"] = _type_hints


def unsigned(model: Transaction) -> dict[str, Any]:
    """A transaction's JSON for a wallet to sign: the wallet fills the signing key, Sequence
    and (unless set) Fee."""
    tx = model.to_xrpl()
    tx.pop("SigningPubKey", None)
    return dict(tx)
