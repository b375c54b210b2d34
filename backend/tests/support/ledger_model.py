"""A small validated ledger behind the local XRPL node stand-in
(docs/xrpl-and-xaman.md#the-local-node-stand-in).

It keeps a clock (the newest validated ledger and its close time), the accounts and trust lines a
test declares, the Escrow objects, and every validated transaction in order. Validating a
transaction closes a ledger holding it and, for tesSUCCESS, applies what the ledger would do to
an escrow's create, finish or cancel: XRP and token balances move, the escrow appears or goes.
A success the real ledger would have refused (no trust line, a frozen line, the issuer escrowing
its own token, …) raises `LedgerRefusal` instead: a test that claims it is wrong.

Its rules are written from the public sources, not from the client under test: the flag bits
from rippled's LedgerFormats.h, the token rules and the transfer fee from rippled's escrow code
and XLS-85.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from xrpl.core.addresscodec import decode_classic_address

# AccountRoot flags (rippled include/xrpl/protocol/LedgerFormats.h).
REQUIRE_AUTH = 0x00040000
GLOBAL_FREEZE = 0x00400000
ALLOW_TRUST_LINE_LOCKING = 0x40000000
PARITY_RATE = 1_000_000_000  # TransferRate meaning "no fee"
CLOSE_RESOLUTION = 10  # seconds; close times are multiples of it
# xrpl.org "Currency Formats": token amounts have 15 significant decimal digits.
SIGNIFICANT_DIGITS = 15


class LedgerRefusal(AssertionError):
    """The test asked for a tesSUCCESS the real ledger would not have given."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"the ledger would have answered {code}: {why}")
        self.code = code


@dataclass
class Account:
    address: str
    balance_drops: int
    flags: int = 0
    transfer_rate: int | None = None

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


@dataclass
class Line:
    """A trust line between a holder and an issuer; `balance` is what the holder holds."""

    holder: str
    issuer: str
    currency: str
    balance: Decimal
    limit: Decimal  # the holder's limit
    issuer_limit: Decimal = Decimal(0)
    # The issuer's settings on the line: it authorized the holder, froze or deep-froze the line.
    authorized: bool = False
    frozen: bool = False
    deep_frozen: bool = False
    # The holder's own settings on its side (rarely set; account_lines shows them too).
    holder_authorized: bool = False
    holder_frozen: bool = False
    holder_deep_frozen: bool = False


@dataclass
class Escrow:
    owner: str
    sequence: int
    node: dict[str, Any]  # the Escrow entry as ledger_entry shows it


@dataclass(frozen=True)
class Validated:
    """A transaction in a validated ledger."""

    tx_hash: str
    tx_json: dict[str, Any]
    result: str
    ledger_index: int
    position: int  # its TransactionIndex in that ledger
    close_time: int
    affected: frozenset[str]
    # The RippleState nodes of its metadata: the trust lines whose balance it changed.
    nodes: tuple[dict[str, Any], ...] = ()


@dataclass
class LedgerModel:
    """The state; every read and change holds `lock` (the server answers from its own thread)."""

    ledger_index: int = 95_000_000
    close_time: int = 857_000_000
    oldest_ledger: int = 32_570  # the first ledger of the history the node holds
    parent_close_time: int = 856_999_990
    accounts: dict[str, Account] = field(default_factory=dict)
    lines: dict[tuple[str, str, str], Line] = field(default_factory=dict)
    escrows: dict[tuple[str, int], Escrow] = field(default_factory=dict)
    history: list[Validated] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # The balances of the lines the transaction being applied touched, before it (None: the
    # line is new), for its metadata.
    _touched: dict[tuple[str, str, str], Decimal | None] = field(default_factory=dict)

    def set_clock(self, *, ledger_index: int | None = None, close_time: int | None = None) -> None:
        """Move the newest validated ledger (tests that start from a given moment)."""
        with self.lock:
            if close_time is not None:
                _require_resolution(close_time)
                self.parent_close_time, self.close_time = self.close_time, close_time
            if ledger_index is not None:
                self.ledger_index = ledger_index

    def close_ledger(self, close_time: int | None = None) -> int:
        """Validate one more (empty) ledger, CLOSE_RESOLUTION later unless told; its index."""
        with self.lock:
            after = self.close_time + CLOSE_RESOLUTION if close_time is None else close_time
            _require_resolution(after)
            if after <= self.close_time:
                raise ValueError("a ledger closes strictly later than its parent")
            self.parent_close_time, self.close_time = self.close_time, after
            self.ledger_index += 1
            return self.ledger_index

    def add_account(
        self,
        address: str,
        *,
        balance_drops: int = 100_000_000,
        require_auth: bool = False,
        global_freeze: bool = False,
        allow_trust_line_locking: bool = False,
        transfer_rate: int | None = None,
        flags: int = 0,
    ) -> Account:
        """Declare an account; the named settings become its Flags bits."""
        for wanted, bit in (
            (require_auth, REQUIRE_AUTH),
            (global_freeze, GLOBAL_FREEZE),
            (allow_trust_line_locking, ALLOW_TRUST_LINE_LOCKING),
        ):
            flags |= bit if wanted else 0
        account = Account(address, balance_drops, flags, transfer_rate)
        with self.lock:
            self.accounts[address] = account
        return account

    def add_trust_line(
        self,
        holder: str,
        issuer: str,
        currency: str,
        *,
        balance: str = "0",
        limit: str = "0",
        **how: Any,
    ) -> Line:
        """Declare the holder's line to an issuer; `how` sets Line's other fields."""
        line = Line(holder, issuer, currency, Decimal(balance), Decimal(limit), **how)
        with self.lock:
            self.lines[(holder, issuer, currency)] = line
        return line

    def line(self, holder: str, issuer: str, currency: str) -> Line | None:
        with self.lock:
            return self.lines.get((holder, issuer, currency))

    def lines_of(self, account: str) -> list[Line]:
        """Every line the account is on, as holder or as issuer, in a stable order."""
        with self.lock:
            found = [line for line in self.lines.values() if account in (line.holder, line.issuer)]
        return sorted(found, key=lambda line: (line.holder, line.issuer, line.currency))

    def apply(
        self,
        tx_hash: str,
        tx: dict[str, Any],
        *,
        result: str,
        close_time: int | None,
        new_ledger: bool,
    ) -> Validated:
        """Put the transaction in a validated ledger and, for tesSUCCESS, apply its effect."""
        with self.lock:
            index = self.ledger_index + 1 if new_ledger else self.ledger_index
            affected = {tx.get("Account"), tx.get("Destination"), tx.get("Owner")}
            self._touched = {}
            if result == "tesSUCCESS":
                affected |= self._effect(tx_hash, tx, index)
            nodes = tuple(self._line_nodes())
            self._charge_fee(tx)
            if new_ledger:
                self.close_ledger(close_time)
            position = sum(1 for done in self.history if done.ledger_index == index)
            entry = Validated(
                tx_hash=tx_hash,
                tx_json=dict(tx),
                result=result,
                ledger_index=index,
                position=position,
                close_time=self.close_time,
                affected=frozenset(name for name in affected if isinstance(name, str)),
                nodes=nodes,
            )
            self.history.append(entry)
            return entry

    def history_of(self, account: str, low: int, high: int) -> list[Validated]:
        with self.lock:
            return [
                entry
                for entry in self.history
                if account in entry.affected and low <= entry.ledger_index <= high
            ]

    def _charge_fee(self, tx: dict[str, Any]) -> None:
        """A validated transaction costs its Fee, whatever its result."""
        payer = self.accounts.get(tx.get("Account", ""))
        fee = tx.get("Fee")
        if payer is not None and isinstance(fee, str) and fee.isdigit():
            payer.balance_drops -= int(fee)

    def _effect(self, tx_hash: str, tx: dict[str, Any], index: int) -> set[str | None]:
        """Apply a successful escrow transaction; the accounts it touched besides the usual."""
        kind = tx.get("TransactionType")
        if kind == "EscrowCreate":
            return self._create(tx_hash, tx, index)
        if kind in ("EscrowFinish", "EscrowCancel"):
            return self._settle(tx, finish=kind == "EscrowFinish")
        if kind == "TrustSet":
            return self._trust(tx)
        return set()

    def _trust(self, tx: dict[str, Any]) -> set[str | None]:
        """Create the holder's line, or set its limit (a holder's TrustSet; the issuer's
        authorizing and freezing are declared by tests instead)."""
        holder, wanted = tx["Account"], tx["LimitAmount"]
        issuer, currency = wanted["issuer"], wanted["currency"]
        if issuer == holder:
            raise LedgerRefusal("temDST_IS_SRC", "a line to oneself")
        if issuer not in self.accounts:
            raise LedgerRefusal("tecNO_DST", "the issuer is no account")
        line = self.lines.get((holder, issuer, currency))
        if line is None:
            self.add_trust_line(holder, issuer, currency, limit=wanted["value"])
            self._touched[(holder, issuer, currency)] = None
        else:
            line.limit = Decimal(wanted["value"])
            self._touch(line)
        return {issuer}

    def _create(self, tx_hash: str, tx: dict[str, Any], index: int) -> set[str | None]:
        owner, amount = tx["Account"], tx["Amount"]
        sequence = tx.get("Sequence") or tx["TicketSequence"]
        if (owner, sequence) in self.escrows:
            raise LedgerRefusal("tefPAST_SEQ", "that sequence already made an escrow")
        node = {
            "LedgerEntryType": "Escrow",
            "Account": owner,
            "Destination": tx["Destination"],
            "Amount": amount,
            "Flags": 0,
            "OwnerNode": "0",
            "PreviousTxnID": tx_hash,
            "PreviousTxnLgrSeq": index,
        }
        for name in ("FinishAfter", "CancelAfter", "Condition", "DestinationTag", "SourceTag"):
            if name in tx:
                node[name] = tx[name]
        issuer = None
        if isinstance(amount, dict):
            issuer = amount["issuer"]
            rate = self._lock_tokens(owner, tx["Destination"], amount)
            if rate is not None:
                node["TransferRate"] = rate
        else:
            self._debit_drops(owner, int(amount))
        self.escrows[(owner, sequence)] = Escrow(owner, sequence, node)
        return {issuer}

    def _lock_tokens(self, owner: str, destination: str, amount: dict[str, str]) -> int | None:
        """Take the tokens from the owner's line (rippled escrowCreatePreclaimHelper); the
        issuer's transfer rate to record, if it charges one."""
        issuer, currency, value = amount["issuer"], amount["currency"], Decimal(amount["value"])
        if issuer == owner:
            raise LedgerRefusal("tecNO_PERMISSION", "an issuer cannot escrow its own token")
        gateway = self.accounts.get(issuer)
        if gateway is None:
            raise LedgerRefusal("tecNO_ISSUER", "the issuer is no account")
        if not gateway.has(ALLOW_TRUST_LINE_LOCKING):
            raise LedgerRefusal("tecNO_PERMISSION", "the issuer does not allow trust line locking")
        if gateway.has(GLOBAL_FREEZE):
            raise LedgerRefusal("tecFROZEN", "the issuer has a global freeze")
        source = self._usable_line(owner, gateway, currency)
        if (destination, gateway.address, currency) in self.lines or gateway.has(REQUIRE_AUTH):
            self._usable_line(destination, gateway, currency)
        if source.balance < value:
            raise LedgerRefusal("tecINSUFFICIENT_FUNDS", "the owner holds too little")
        self._touch(source)
        source.balance -= value
        rate = gateway.transfer_rate
        return rate if rate not in (None, PARITY_RATE) else None

    def _usable_line(self, holder: str, gateway: Account, currency: str) -> Line:
        """A line an escrow's create may use: there, authorized where needed, not frozen."""
        line = self.lines.get((holder, gateway.address, currency))
        if line is None:
            raise LedgerRefusal("tecNO_LINE", f"{holder} has no trust line to the issuer")
        if gateway.has(REQUIRE_AUTH) and not line.authorized:
            raise LedgerRefusal("tecNO_AUTH", f"the issuer has not authorized {holder}'s line")
        if line.frozen or line.deep_frozen:
            raise LedgerRefusal("tecFROZEN", f"{holder}'s line is frozen")
        return line

    def _settle(self, tx: dict[str, Any], *, finish: bool) -> set[str | None]:
        """Finish (to the destination) or cancel (back to the owner) the named escrow."""
        escrow = self.escrows.get((tx["Owner"], tx["OfferSequence"]))
        if escrow is None:
            raise LedgerRefusal("tecNO_TARGET", "there is no such escrow")
        destination, amount = escrow.node["Destination"], escrow.node["Amount"]
        receiver = destination if finish else escrow.owner
        touched: set[str | None] = {destination}
        if isinstance(amount, dict):
            # A cancel returns the whole amount: no transfer fee on the way back.
            recorded = escrow.node.get("TransferRate") if finish else PARITY_RATE
            self._release_tokens(receiver, tx["Account"], amount, recorded, finish=finish)
            touched.add(amount["issuer"])
        elif receiver in self.accounts:
            self.accounts[receiver].balance_drops += int(amount)
        del self.escrows[(escrow.owner, escrow.sequence)]
        return touched

    def _release_tokens(
        self,
        receiver: str,
        submitter: str,
        amount: dict[str, str],
        recorded: int | None,
        *,
        finish: bool,
    ) -> None:
        """Credit the receiver's line with what arrives (rippled escrowUnlockApplyHelper); a
        deep freeze blocks a finish, never a cancel."""
        issuer, currency = amount["issuer"], amount["currency"]
        if receiver == issuer:
            return  # the tokens go back to their issuer: nothing to credit
        line = self.lines.get((receiver, issuer, currency))
        gateway = self.accounts[issuer]
        if line is None:
            # Only the receiver's own transaction may create its line, and only without
            # RequireAuth; anyone else's finish fails with tecNO_LINE.
            if submitter != receiver or gateway.has(REQUIRE_AUTH):
                raise LedgerRefusal("tecNO_LINE", f"{receiver} has no trust line to the issuer")
            line = self.add_trust_line(receiver, issuer, currency)
            self._touched[(receiver, issuer, currency)] = None
        if gateway.has(REQUIRE_AUTH) and not line.authorized:
            raise LedgerRefusal("tecNO_AUTH", f"the issuer has not authorized {receiver}'s line")
        if finish and line.deep_frozen:
            raise LedgerRefusal("tecFROZEN", f"{receiver}'s line is deep frozen")
        self._touch(line)
        line.balance += delivered(amount["value"], recorded, gateway.transfer_rate)

    def _touch(self, line: Line) -> None:
        self._touched.setdefault((line.holder, line.issuer, line.currency), line.balance)

    def _line_nodes(self) -> list[dict[str, Any]]:
        """A RippleState node per line the transaction changed, as rippled writes them: the
        balance from the low account's side (the lower AccountID), each side's limit as an
        amount whose `issuer` is that side's account (XRPL docs, "RippleState")."""
        nodes = []
        for key, before in self._touched.items():
            line = self.lines[key]
            holder_low = account_id(line.holder) < account_id(line.issuer)
            sign = 1 if holder_low else -1
            low, high = (line.holder, line.issuer) if holder_low else (line.issuer, line.holder)
            low_limit, high_limit = (
                (line.limit, line.issuer_limit) if holder_low else (line.issuer_limit, line.limit)
            )

            fields = {
                "Balance": _amount(
                    line.currency, sign * line.balance, "rrrrrrrrrrrrrrrrrrrrBZbvji"
                ),
                "Flags": 0,
                "HighLimit": _amount(line.currency, high_limit, high),
                "LowLimit": _amount(line.currency, low_limit, low),
            }
            if before is None:
                nodes.append(
                    {"CreatedNode": {"LedgerEntryType": "RippleState", "NewFields": fields}}
                )
                continue
            previous = {
                "Balance": _amount(line.currency, sign * before, "rrrrrrrrrrrrrrrrrrrrBZbvji")
            }
            nodes.append(
                {
                    "ModifiedNode": {
                        "LedgerEntryType": "RippleState",
                        "FinalFields": fields,
                        "PreviousFields": previous,
                    }
                }
            )
        return nodes

    def _debit_drops(self, address: str, drops: int) -> None:
        account = self.accounts.get(address)
        if account is None:
            return  # an undeclared account's XRP is not tracked
        if account.balance_drops < drops:
            raise LedgerRefusal("tecUNFUNDED", f"{address} holds too little XRP")
        account.balance_drops -= drops


def delivered(value: str, recorded: int | None, current: int | None) -> Decimal:
    """What a token escrow's finish credits: the amount less the transfer fee at the lower of
    the recorded and the current rate, the net rounded down to 15 significant digits (the
    rounding that rippled's fixCleanup3_4_0 amendment brought: never in the receiver's favour).
    """
    rate = min(recorded or PARITY_RATE, current or PARITY_RATE)
    amount = Decimal(value)
    if rate == PARITY_RATE:
        return amount
    with localcontext() as exact:
        exact.prec = 60
        net = amount * PARITY_RATE / rate
    exponent = net.adjusted() - SIGNIFICANT_DIGITS + 1
    return net.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_DOWN)


def ledger_text(value: Decimal) -> str:
    """A token value as rippled writes it (STAmount::getText): plain decimals while the
    exponent of its 16-digit mantissa lies in -25..-5, "<mantissa>e<exponent>" otherwise."""
    if value == 0:
        return "0"
    exponent = value.adjusted() - 15
    mantissa = int(abs(value).scaleb(-exponent).to_integral_value(rounding=ROUND_DOWN))
    sign = "-" if value < 0 else ""
    if exponent != 0 and not -25 <= exponent <= -5:
        return f"{sign}{mantissa}e{exponent}"
    return format(value.normalize(), "f")


def _amount(currency: str, value: Decimal, account: str) -> dict[str, str]:
    return {"currency": currency, "issuer": account, "value": ledger_text(value)}


def account_id(address: str) -> bytes:
    """The 20-byte AccountID behind a classic address (what orders a line's two sides)."""
    return decode_classic_address(address)


def _require_resolution(close_time: int) -> None:
    if close_time % CLOSE_RESOLUTION:
        raise ValueError(f"close times are multiples of {CLOSE_RESOLUTION} s")
